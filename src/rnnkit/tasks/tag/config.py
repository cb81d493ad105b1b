"""The `tag` task's config: sequence labelling (segmentation, POS, NER) on a named dataset or your own
tagged files, and its predict flags. Measured results of these defaults are in benchmarks/TASKS.md."""
from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from rnnkit.tasks.config import (CacheDir, InputDropout, InterLayerDropout, NumLayers, RecurrentDropout,
                                RecurrentModelConfig, TestData)
from rnnkit.training.config import LearningRate, PositiveInt, Rate, ScheduleName, config_dataclass

TAG_DATASETS = ("pku-seg", "pku-pos", "pku-ner", "wnut16")
EPOCHS = {
    # fill ~15 min on one core
    "pku-seg": 8, "pku-ner": 6, "pku-pos": 8,
    # a few thousand training tweets: many more passes
    "wnut16": 30,
    None: 10,  # your own files (raised to min_steps optimizer steps on a small file)
}
"""What an unset `epochs` means for each dataset: measured in benchmarks/TASKS.md."""


@config_dataclass
class TagConfig(RecurrentModelConfig):
    dataset: Literal[TAG_DATASETS] | None = None
    """a named dataset (pku-seg, pku-pos, pku-ner, wnut16), fetched on first use; or give --data"""
    data: str | None = None
    """your training file: CoNLL token<TAB>tag lines (blank line between sentences), word/TAG lines or
    CoNLL-U (FORM and UPOS)"""
    valid_data: str | None = None
    """validation file (default: validation_split of the training sentences)"""
    test_data: TestData = None
    format: Literal["auto", "conll", "conllu", "word-tag", "jsonl"] = "auto"
    """format of your files (auto: from the first lines; conllu: Universal Dependencies' FORM and UPOS; jsonl:
    {"tokens": [...], "ner_tags": [...]} a line, as Hugging Face datasets write them)"""
    encoding: str = "utf-8"
    """text encoding of your files (CoNLL-2002's Spanish and Dutch files are latin-1)"""
    scheme: Literal["auto", "BIO", "BIOES", "BMES"] = "auto"
    """tag scheme to train in, converted from the data's (auto: the data's own)"""
    cache_dir: CacheDir = None
    vocab_size: Annotated[int, Field(ge=3)] = 50000
    """largest token vocabulary, counting <pad> and <unk>"""
    min_freq: PositiveInt | None = None
    """tokens seen fewer times in training read as <unk> (default: 2 for words, so <unk> is trained and learns
    what an unseen word means; 1 for characters)"""
    embedding_dim: PositiveInt = 100
    """size of the token vectors"""
    num_layers: NumLayers = 1
    bidirectional: bool = True
    """read each sentence both ways"""
    crf: Literal["auto"] | bool = "auto"
    """a CRF output layer (Viterbi decoding); false: a softmax per token; auto: a CRF when it pays for its
    time (chunk tags, or a CRF cheap next to the network; measured on one batch for over 64 tags), the
    choice printed with its reason"""
    bigrams: bool | None = None
    """add vectors of the bigrams (t-1, t) and (t, t+1) to each token's (default: when tokens are characters)"""
    bigram_dim: PositiveInt = 50
    """size of the bigram vectors"""
    bigram_min_freq: PositiveInt = 2
    """bigrams seen fewer times in training read as <unk> (which then learns what an unseen bigram means)"""
    char_features: bool | None = None
    """add a character BiLSTM per word to the word vector (Lample et al. 2016; default: for word tokens, the
    features of an unseen word; not for characters)"""
    char_dim: PositiveInt = 25
    """character vectors of the character BiLSTM"""
    char_hidden: PositiveInt = 25
    """units per direction of the character BiLSTM"""
    max_word_chars: PositiveInt = 16
    """characters of a word the character BiLSTM reads (its start)"""
    embedding_dropout: Rate = 0.05
    """drop whole token vectors"""
    dropout: InputDropout = 0.0
    recurrent_dropout: RecurrentDropout = 0.0
    inter_layer_dropout: InterLayerDropout = 0.0
    head_dropout: Rate = 0.3
    """dropout before the emission layer"""
    blend: bool = True
    """the run's tags: the model's scores plus w x ln p(tag | token) of the most-frequent-tag baseline's counts,
    w chosen on the validation sentences (0, the model alone, unless the counts help); false: the model's own"""
    epochs: PositiveInt | None = None
    """passes over the training sentences (default: per dataset, 10 for your files, more on a small file to
    train min_steps optimizer steps)"""
    min_steps: Annotated[int, Field(ge=0)] = 400
    """with epochs unset, at least this many optimizer steps: 10 epochs of 300 sentences are 50 steps, where
    the model tags worse than each word's most frequent tag; an epochs you give is kept"""
    batch_size: PositiveInt = 64
    lr: LearningRate | None = 1e-2
    schedule: ScheduleName | None = "cosine"
    clip_norm: float | None = 5.0
    validation_split: Rate = 0.1
    """fraction of the training sentences held out when no --valid-data is given: seeded random sentences"""
    keep_best: bool = True
    monitor: str = "auto"
    """the validation figure that picks the kept epoch: val_entity_f1 (entity F1 of the decoded tags) or
    val_acc (token accuracy); auto: val_entity_f1 for BIO/BIOES entity tags, val_acc otherwise"""
    task_metrics: ClassVar[tuple[str, ...]] = ("entity_f1",)
    """what the task logs besides `metrics` (so `monitor` may name it; a run's config.json keeps the
    resolved monitor, which its --resume checks again)"""

    def __post_init__(self):
        if (self.dataset is None) == (self.data is None):
            raise ValueError("give one of config keys 'dataset' (pku-seg, pku-pos, pku-ner, wnut16) or 'data' "
                             "(your tagged file)")


@config_dataclass
class TagPredictOptions:
    format: Literal["json", "conll"] = "json"
    """json: one JSON line per input line (tokens, tags, words or entities); conll: token<TAB>tag blocks (a token
    holding spaces is written whole, tab-separated; one holding a tab or a line break, or blank, is refused)"""
    batch_size: PositiveInt = 64
    """sentences decoded at once"""
    text_col: str = "text"
    """the column of texts when --input is a table (CSV/TSV/JSONL/Parquet); a .txt file is one text per line"""
