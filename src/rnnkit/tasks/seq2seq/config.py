"""The seq2seq task's configs: training (`rnnkit train seq2seq`) and prediction (`rnnkit predict RUN`).
Measured results of these defaults are in benchmarks/TASKS.md."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from rnnkit.data.choices import TOKEN_CHOICES
from rnnkit.models.choices import ATTENTIONS, BRIDGES
from rnnkit.tasks.config import CacheDir, CellName, RecurrentModelConfig
from rnnkit.training.config import LearningRate, PositiveInt, Rate, ScheduleName, config_dataclass

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
TokenKind = Literal[TOKEN_CHOICES]


@config_dataclass
class DecodeOptions:
    """How sequences are decoded: `rnnkit predict RUN --beam 5 --nbest 3`."""

    beam: PositiveInt = 5
    """beam width (1: greedy search)"""
    nbest: PositiveInt = 1
    """hypotheses returned per input, best first (at most beam)"""
    length_penalty: Annotated[float, Field(ge=0.0)] = 1.0
    """rank finished hypotheses by log-probability / length^length_penalty (0: no normalisation)"""
    max_len: PositiveInt | None = None
    """longest output in tokens (default: twice the longest input of the batch, plus 10)"""

    def __post_init__(self):
        if self.nbest > self.beam:
            raise ValueError(f"nbest={self.nbest} is larger than beam={self.beam}; a beam keeps at most "
                             "beam hypotheses")


@config_dataclass
class Seq2SeqConfig(RecurrentModelConfig):
    dataset: Literal["cmudict"] | None = None
    """a named dataset (cmudict: grapheme to phoneme), fetched on first use; or give `data`"""
    data: str | None = None
    """your own pairs: a CSV, TSV or JSONL file with source and target columns"""
    valid_data: str | None = None
    """validation pairs (default: validation_split of the training file)"""
    test_data: str | None = None
    """test pairs, scored once at the end"""
    source_col: str = "source"
    """the column holding the source sequences"""
    target_col: str = "target"
    """the column holding the target sequences"""
    format: Literal["csv", "tsv", "jsonl", "json"] | None = None
    """csv, tsv, jsonl or json (default: from the file name)"""
    encoding: str = "utf-8"
    """text encoding of the pair files"""
    source_tokens: TokenKind = "auto"
    """chars (one token per character), words (split on whitespace), or auto: chars when most training
    sources are one word without spaces, else words (the choice printed with its reason)"""
    target_tokens: TokenKind = "auto"
    """chars, words or auto, as source_tokens (cmudict's phonemes are space-separated: words)"""
    stress: bool = False
    """cmudict: keep the vowels' stress digits (AH0, EY1); off: 39 phonemes, the G2P literature's setting"""
    cache_dir: CacheDir = None
    embedding_dim: PositiveInt = 64
    """size of the source and target token vectors"""
    cell: CellName = "lstm"
    """the encoder's cell: lstm, gru or rnn (the articles), or slstm, mlstm (xLSTM), mingru, minlstm"""
    hidden_size: PositiveInt = 160
    """the encoder's units per direction"""
    encoder_layers: PositiveInt = 1
    """stacked encoder layers"""
    bidirectional: bool = True
    """read the source both ways"""
    decoder_cell: CellName | None = None
    """the decoder's cell (default: the encoder's)"""
    decoder_hidden_size: PositiveInt | None = None
    """the decoder's units (default: hidden_size times the encoder's directions)"""
    decoder_layers: PositiveInt | None = None
    """stacked decoder layers (default: encoder_layers)"""
    attention: Literal[ATTENTIONS] = "general"
    """dot or general (Luong), or bahdanau (additive)"""
    input_feeding: bool = False
    """Luong's input feeding: the last attentional vector joins the decoder's input (slower: step by step)"""
    bridge: Literal[BRIDGES] = "auto"
    """the decoder's first state from the encoder's last: copy, linear, zeros, or auto (copy when sizes match)"""
    dropout: Rate = 0.2
    """dropout on embeddings, between layers and before the output layer"""
    teacher_forcing: Probability = 1.0
    """chance of reading the true previous token in training, in the first epoch"""
    teacher_forcing_final: Probability | None = None
    """the chance in the last epoch, linear in between (scheduled sampling; default: teacher_forcing throughout)"""
    beam: PositiveInt = 5
    """beam width for the test set's beam-search scores (greedy is scored too)"""
    length_penalty: Annotated[float, Field(ge=0.0)] = 1.0
    """beam search ranks by log-probability / length^length_penalty"""
    epochs: PositiveInt = 10
    batch_size: PositiveInt = 128
    lr: LearningRate | None = 3e-3
    schedule: ScheduleName | None = "cosine"
    clip_norm: float | None = 1.0
    validation_split: Rate = 0.05
    """fraction of the training sources held out when no --valid-data is given: seeded, each source with all
    its pairs (a source in both parts would leak its targets into validation)"""
    keep_best: bool = True
    monitor: str = "val_acc"
    """token accuracy of the validation pairs under teacher forcing"""

    def __post_init__(self):
        if (self.dataset is None) == (self.data is None):
            raise ValueError("give one of config keys 'dataset' (cmudict) and 'data' (a pair file)")
        if self.attention == "bahdanau" and self.input_feeding:
            raise ValueError("config key 'input_feeding': Luong's (dot, general); Bahdanau's decoder reads the context already")
