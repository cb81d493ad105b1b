"""The image task's config: digits read by a recurrent network as sequences (article 001).
Measured results of these defaults are in benchmarks/TASKS.md."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from rnnkit.tasks.config import CacheDir, HeadDropout, InterLayerDropout, NumLayers, Pooling, RecurrentModelConfig
from rnnkit.training.config import LearningRate, PositiveInt, Rate, ScheduleName, config_dataclass

IMAGE_DATASETS = ("mnist", "fashion-mnist")


@config_dataclass
class MnistConfig(RecurrentModelConfig):
    mode: Literal["rows", "pixels"] = "rows"
    """rows: 28 steps of 28 pixels; pixels: 784 steps of 1 (the long-memory benchmark)"""
    dataset: Literal["mnist", "fashion-mnist"] = "mnist"
    """the named dataset (ignored when `data` is given)"""
    data: str | None = None
    """an .npz with x_train, y_train (and x_valid/y_valid, x_test/y_test) instead of a named dataset"""
    cache_dir: CacheDir = None
    limit: PositiveInt | None = None
    """train on the first N training images only (quick runs)"""
    num_layers: NumLayers = 2
    bidirectional: bool = False
    """read each image both ways"""
    pooling: Pooling = "last"
    inter_layer_dropout: InterLayerDropout = 0.0
    head_dropout: HeadDropout = 0.0
    max_shift: Annotated[int, Field(ge=0, le=27)] = 2
    """move each training image by up to this many pixels each way (random, per image per epoch, as
    Keras' RandomTranslation): without it the row reader learns the training digits by heart"""
    chrono_init: bool = False
    """LSTM forget/input biases from Tallec & Ollivier's chrono initialisation for the sequence length
    (28 or 784 steps): what lets a pixel-by-pixel LSTM leave chance accuracy"""
    epochs: PositiveInt = 15
    batch_size: PositiveInt = 128
    lr: LearningRate | None = 1e-3
    schedule: ScheduleName | None = "cosine"
    clip_norm: float | None = 1.0
    validation_split: Rate = 0.1
    """fraction of the training images held out when the data has no validation split: the last ones, by
    position (as Keras' validation_split)"""
    keep_best: bool = True
    monitor: str = "val_acc"

    def __post_init__(self):
        if self.chrono_init and self.cell != "lstm":
            raise ValueError(f"config key 'chrono_init': needs cell='lstm', got cell={self.cell!r}")
