"""The series classification task's config: a UCR/UEA dataset by name, or the user's own .ts (or .arff, .tsv, .csv)
files.
Measured results of these defaults are in benchmarks/TASKS.md."""
from __future__ import annotations

from dataclasses import field
from typing import Annotated, Literal

from pydantic import Field

from rnnkit.data.choices import UCR_NAMES
from rnnkit.models.choices import RNN_INPUTS
from rnnkit.tasks.config import CacheDir, HeadDropout, InputDropout, NumLayers, RecurrentModelConfig
from rnnkit.training.config import LearningRate, PositiveInt, Rate, ScheduleName, config_dataclass


@config_dataclass
class SeriesConfig(RecurrentModelConfig):
    KEYS_ADDED = {"architecture": "rnn", "members": 1}
    """A run folder written before `architecture` existed holds the recurrent classifier (`rnn`), not LSTM-FCN;
    one written before `members` holds one model."""

    dataset: Literal[UCR_NAMES] = "japanese-vowels"
    """a UCR/UEA dataset with its official train/test split (ignored when `data` is given)"""
    data: str | None = None
    """your training file in the UCR/UEA .ts format (or the archive's .arff), or a table of cases (.tsv/.csv/.txt:
    the label, then the values), instead of a named dataset"""
    valid_data: str | None = None
    """your validation file (.ts, .arff, .tsv or .csv, with `data`; default: validation_split of the training file)"""
    test_data: str | None = None
    """your test file (.ts, .arff, .tsv or .csv), scored once at the end (with `data`)"""
    cache_dir: CacheDir = None
    baseline: bool = True
    """fit MiniRocket + logistic regression on the same series (C by cross-validation over the training file),
    report it beside the model and deliver their blend, its weight chosen on the validation series and pulled
    toward the average when they are few; MiniRocket then fitted again on the whole training file (false: the
    model alone)"""
    standardize: bool = True
    """scale each channel to mean 0, variance 1 over the training file's time points (stored in the run)"""
    architecture: Literal["lstm-fcn", "rnn"] = "lstm-fcn"
    """lstm-fcn: an FCN branch (Conv1D blocks fcn_filters/fcn_kernels, batch norm, ReLU, average over time)
    beside the recurrent branch (Karim et al. 2017); rnn: the recurrent stack alone, with the conv_* front end"""
    fcn_filters: list[PositiveInt] = field(default_factory=lambda: [128, 256, 128])
    """lstm-fcn: filters of each FCN block (Wang et al. 2017's 128,256,128); empty: the recurrent branch alone"""
    fcn_kernels: list[PositiveInt] = field(default_factory=lambda: [8, 5, 3])
    """lstm-fcn: kernel width of each FCN block"""
    rnn_input: Literal[RNN_INPUTS] = "series"
    """lstm-fcn: what the recurrent branch reads: series (the series in time order), fcn (the FCN's last
    block, max-pooled by rnn_pool: a Conv1D front end), shuffle (LSTM-FCN's dimension shuffle: each channel's
    whole series as one step)"""
    rnn_pool: PositiveInt = 4
    """lstm-fcn with rnn_input fcn: max-pooling width before the recurrent branch"""
    rnn_dropout: Rate = 0.8
    """lstm-fcn: dropout on the recurrent branch's pooled vector (LSTM-FCN's 0.8)"""
    augment_scale: Annotated[float, Field(ge=0)] = 0.0
    """lstm-fcn: in training, each channel of each series times a factor drawn from N(1, augment_scale^2)"""
    augment_noise: Annotated[float, Field(ge=0)] = 0.0
    """lstm-fcn: in training, N(0, augment_noise^2) added to every (standardised) point"""
    augment_slice: Annotated[float, Field(gt=0, le=1)] = 1.0
    """lstm-fcn: in training, each series cut to a random window of this fraction of its length (Le Guennec et
    al.'s window slicing); 1: off"""
    members: PositiveInt | None = 1
    """models averaged, each the configured model trained with its own seed (seed, seed+1, ...) on the same
    series for the same epochs, as InceptionTime averages its networks; none: as many as 3 whose training
    reads at most 12 million series points together (each member: epochs x fit series x the longest series),
    so long or numerous series train one"""
    hidden_size: Annotated[int, Field(ge=0)] = 64
    """units of each recurrent layer (per direction); 0 with lstm-fcn: the FCN alone"""
    num_layers: NumLayers = 1
    bidirectional: bool = True
    """read each series both ways"""
    pooling: str = "last+mean"
    """last, max, mean, attention, or several joined by +; over each series' real steps only"""
    conv_filters: Annotated[int, Field(ge=0)] = 64
    """rnn: > 0 adds a Conv1D + MaxPooling front end (article 003) with conv_kernel, conv_pool before the
    recurrent layer; 0: the raw series straight into it"""
    conv_kernel: PositiveInt = 3
    """rnn: width of the Conv1D front end's kernel"""
    conv_pool: PositiveInt = 1
    """rnn: max-pooling width after the Conv1D front end (> 1 shortens long series)"""
    dropout: InputDropout = 0.3
    recurrent_dropout: Rate = 0.0
    """rnn: variational recurrent dropout (slower: the fastest kernels run without it)"""
    inter_layer_dropout: Rate = 0.0
    """rnn: dropout between stacked layers"""
    head_dropout: HeadDropout = 0.5
    epochs: PositiveInt | None = None
    """passes over the training data; default: 50, or more to reach min_steps, then fewer where those steps
    would read more than 12 million series points (steps x batch_size x the longest series: long or numerous
    series train fewer steps, to keep a default run near 10 minutes on 2 cores); an epochs you give is kept"""
    min_steps: Annotated[int, Field(ge=0)] = 1000
    """with epochs left at its default: train for at least this many optimizer steps (GunPoint's 50
    training series are 3 batches, so 50 epochs would be 150 steps), unless the 12-million-point budget
    (epochs) cuts them; an epochs you give is kept"""
    batch_size: PositiveInt = 16
    lr: LearningRate | None = 3e-3
    schedule: ScheduleName | None = "cosine"
    clip_norm: float | None = 1.0
    validation_split: Rate = 0.2
    """fraction of the training series held out to pick the best epoch when no --valid-data is given:
    seeded, the same fraction of each class; 0: train on all of it and keep the last epoch"""
    keep_best: bool = True
    monitor: str = "val_loss"

    def __post_init__(self):
        if self.architecture == "rnn" and self.hidden_size == 0:
            raise ValueError("config key 'hidden_size': 0 leaves the FCN alone, which only architecture lstm-fcn has; "
                             "give a size >= 1")
        for key in ("valid_data", "test_data"):
            if getattr(self, key) is not None and self.data is None:
                raise ValueError(f"config key {key!r}: give the training file too "
                                 "(--data X_TRAIN.ts --test-data X_TEST.ts)")
