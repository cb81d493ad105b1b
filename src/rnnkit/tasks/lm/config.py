"""The `lm` task's config: data, the language model, stream batching and training.
The model and training defaults depend on the level (LEVEL_DEFAULTS; a field you set wins). Words:
Zaremba et al.'s small model (2 x LSTM(200), plain SGD halved every epoch after the 4th, batch 20, bptt 20),
trained for 6 of their 13 epochs: without dropout the validation perplexity is lowest after the 6th, the
learning rate depends on the epoch index only, so keep_best returns the same weights in half the time. PTB
keeps their recipe without dropout; the words of your own file get dropout 0.5. Their loss is summed over the
bptt steps of a window (averaged over the batch), ours is the mean over every token: their learning rate 1
and clipping at norm 5 are lr = 20 and clip_norm = 0.25 here (x bptt and / bptt), PyTorch's
word_language_model's defaults. Characters: a char-rnn (one LSTM(512), windows of 100, Adam with a cosine
schedule, 4 epochs: what fits in about 15 minutes on 2 cores; on a small text at least `min_steps` steps). Measured results are in benchmarks/TASKS.md."""
from __future__ import annotations

from dataclasses import field
from pathlib import Path
from typing import Annotated, ClassVar, Literal

from pydantic import Field

from rnnkit.tasks.config import CacheDir, RecurrentModelConfig, epochs_for, fill_unset
from rnnkit.training.choices import OPTIMIZERS
from rnnkit.training.config import LearningRate, PositiveInt, Rate, ScheduleName, config_dataclass

LM_DATASETS = ("ptb", "shakespeare")
DATASET_LEVEL = {"ptb": "word", "shakespeare": "char"}
LEVEL_DEFAULTS = {
    "word": dict(embedding_dim=200, hidden_size=200, num_layers=2, bptt=20, batch_size=20, min_steps=0,
                 optimizer="sgd", lr=20.0, schedule=None, burn_in=200, ngram_order=5, dynamic_eval="off", cache="off"),
    "char": dict(embedding_dim=64, hidden_size=512, num_layers=1, bptt=100, batch_size=32, min_steps=1000,
                 optimizer="adam", lr=2e-3, schedule="cosine", burn_in=1000, ngram_order=16, dynamic_eval="auto", cache="auto"),
}
"""What the unset (None) model and training fields become at each level."""
LEVEL_EPOCHS = {"word": 6, "char": 4}
"""The epochs an unset `epochs` trains at each level, raised on a small text to reach `min_steps`
(`epochs_to_train`): left unset in the config, so config.json says the rule chose them."""


@config_dataclass
class LMConfig(RecurrentModelConfig):
    dataset: Literal[LM_DATASETS] = "ptb"
    """the named corpus (ptb: words, shakespeare: characters), fetched on first use; ignored with --data"""
    reads_folders: ClassVar[bool] = True  # --data and the others may name a folder of text files (runner's check)
    data: str | None = None
    """your own training text file (plain text, any size; JSON Lines: each record's text field), or a folder of
    text files (read in name order)"""
    valid_data: str | None = None
    """validation text file (with --data; default: validation_split of the training text)"""
    test_data: str | None = None
    """test text file (with --data), scored once at the end"""
    level: Literal["auto", "word", "char"] = "auto"
    """word (whitespace-separated words, <eos> per line) or char; auto: the dataset's own; for --data, words
    when at most 5% of the validation words are outside the training text's, else characters"""
    encoding: str = "utf-8"
    """text encoding of --data/--valid-data/--test-data"""
    vocab_size: Annotated[int, Field(ge=4)] | None = None
    """largest vocabulary (counting <pad>, <unk>, <eos>); none keeps every training token"""
    min_freq: PositiveInt = 1
    """tokens seen fewer times in the training text read as <unk>"""
    cache_dir: CacheDir = None
    embedding_dim: PositiveInt | None = None
    """size of the token vectors (default: 200 for words, 64 for characters)"""
    hidden_size: PositiveInt | None = None
    """units of each recurrent layer (default: 200 for words, 512 for characters)"""
    num_layers: PositiveInt | None = None
    """stacked recurrent layers (default: 2 for words, 1 for characters)"""
    dropout: Rate | None = None
    """dropout on the non-recurrent connections (embeddings, between layers, before the softmax) (default: 0.5
    for the words of your own file, 0 for PTB and for characters)"""
    variational: bool = False
    """one dropout mask per sequence for all steps (Gal & Ghahramani) instead of a fresh one per step"""
    embedding_dropout: Rate = 0.0
    """drop whole words of the vocabulary (AWD-LSTM's dropoute)"""
    weight_drop: Rate = 0.0
    """DropConnect on the recurrent weights (AWD-LSTM)"""
    tie_weights: bool = False
    """the output layer shares the embedding (Press & Wolf), projected when hidden_size != embedding_dim"""
    init_range: Annotated[float, Field(ge=0.0)] = 0.1
    """weights drawn from U(-r, r) (Zaremba et al.); 0 keeps the layers' own initialisation"""
    output_precision: Literal["float32", "bfloat16"] = "float32"
    """bfloat16: the output layer's matmuls in bf16 in training (torch.autocast; evaluation stays float32),
    the costliest part of a word-level step; float32 is the default"""
    bptt: PositiveInt | None = None
    """steps per truncated-BPTT window, the state carried over, gradients stopped (default: 20 words, 100 characters)"""
    bptt_jitter: bool = False
    """AWD-LSTM's variable window: bptt (or bptt/2 one time in twenty) plus normal noise of 5 steps"""
    eval_batch_size: PositiveInt = 10
    """parallel streams of the validation text (each after burn_in tokens of the text before it)"""
    test_batch_size: PositiveInt = 10
    """parallel streams of the test text, each after burn_in tokens of the text before it, read but not
    scored; 1 carries the state over the whole text, one token per step"""
    burn_in: Annotated[int, Field(ge=0)] | None = None
    """tokens a scoring stream reads before its part of the text, to score it from a state that has seen the
    text before (default: 200 words, 1,000 characters)"""
    baseline: bool = True
    """score a Kneser-Ney n-gram (and at character level xz given the training text) on the test text beside
    the model"""
    dynamic_eval: Literal["auto", "off"] | None = None
    """auto: the test text is also scored with dynamic evaluation (Krause et al. 2018: each window scored,
    then learnt from), its learning rate and decay chosen on the validation text, kept only where it wins
    there (default: auto for characters, off for words)"""
    cache: Literal["auto", "off"] | None = None
    """auto: the test text is also scored with a neural cache (Grave et al. 2017: the features of the text just
    read vote for the token that followed them), its flatness and weight chosen on the validation text,
    kept only where it wins there (default: auto for characters, off for words)"""
    match: Literal["auto", "off"] = "auto"
    """auto: at character level the test text is also scored with a match model blended in (each run of the
    last 2 to 64 characters seen before votes for the character that followed it, as a compressor copies
    long repeats) and the n-gram counted again as it reads, the blend's weights fitted on the validation text
    per match length, kept only where it wins there; words: off"""
    ngram_order: PositiveInt | None = None
    """the n-gram baseline's highest order, the order itself chosen on validation (default: 5 words, 16 characters)"""
    epochs: PositiveInt | None = None
    """passes over the training text (default: 6 for words, 4 for characters, more on a small text to train
    min_steps optimizer steps)"""
    min_steps: Annotated[int, Field(ge=0)] | None = None
    """with epochs unset, at least this many optimizer steps (windows of bptt x batch_size): 4 epochs of a 300 KB
    text are 300 steps, which leave a character model far from trained (default: 1000 for characters, 0 for
    words)"""
    batch_size: PositiveInt | None = None
    """parallel streams of the training text (default: 20 for words, 32 for characters)"""
    optimizer: Literal[OPTIMIZERS] | None = None
    """default: sgd for words (Zaremba et al.), adam for characters"""
    momentum: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.0
    """momentum of sgd (Zaremba et al.: none)"""
    lr: LearningRate | None = None
    """learning rate of the per-token mean loss (default: 20 for words, Zaremba et al.'s 1.0 on a loss summed
    over 20 steps; 0.002 for characters)"""
    schedule: ScheduleName | None = None
    """step, cosine, warmup, warmup_cosine or plateau (see `rnnkit train sentiment --help`); none: Zaremba et
    al.'s decay (lr_decay after decay_after epochs) for words, cosine for characters"""
    lr_decay: Annotated[float, Field(gt=0.0, le=1.0)] = 0.5
    """the learning rate is multiplied by this at the end of every epoch after decay_after"""
    decay_after: Annotated[int, Field(ge=0)] = 4
    """epochs at the starting learning rate"""
    clip_norm: float | None = 0.25
    """clip the gradient norm of the mean loss (Zaremba et al.'s 5 on the summed loss, / 20 steps)"""
    metrics: list[str] = field(default_factory=lambda: ["perplexity"])
    keep_best: bool = True
    monitor: str = "val_loss"
    validation_split: Rate = 0.1
    """fraction of your training text held out when no --valid-data is given: the end of what the test part
    leaves, by position (a random pick would put the neighbours of every held-out token in training)"""
    test_split: Rate = 0.1
    """fraction of your training text held out as the test part when no --test-data is given: its end, by
    position; `rnnkit evaluate RUN` scores it again"""

    def __post_init__(self):
        level = resolve_level(self)
        fill_unset(self, LEVEL_DEFAULTS[level])
        if self.dropout is None:
            # PTB keeps Zaremba et al.'s unregularised recipe, which its million words hold for 6 epochs; on a
            # user's smaller text the same model overfits after a few epochs, and dropout 0.5 (their medium
            # model's) scored lower validation perplexity on the one measured (benchmarks/TASKS.md).
            self.dropout = 0.5 if self.data is not None and level == "word" else 0.0
        if self.data is None and (self.valid_data is not None or self.test_data is not None):
            raise ValueError("config keys 'valid_data' and 'test_data' go with 'data' (your own training text file)")


def epochs_to_train(config: LMConfig, windows_per_epoch: int) -> int:
    """The epochs asked for; unset, the level's (LEVEL_EPOCHS), raised so that training takes at least
    `min_steps` optimizer steps."""
    if config.epochs is not None:  # the level is not resolved (a user's text read) for nothing
        return config.epochs
    return epochs_for(None, LEVEL_EPOCHS[resolve_level(config)], config.min_steps, windows_per_epoch)


def resolve_level(config: LMConfig) -> str:
    """word or char: the config's level, the dataset's own, or for your text what `level.level_for_text`
    measures in it."""
    if config.level != "auto":
        return config.level
    if config.data is None:
        return DATASET_LEVEL[config.dataset]
    if not Path(config.data).exists():  # level_for_text's answer for a file it cannot read, told without importing
        return "word"                     # its reader (torch); the runner then names the missing file
    from rnnkit.tasks.lm.level import level_for_text

    return level_for_text(config)[0]
