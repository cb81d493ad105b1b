"""The image task's config: digits read by a recurrent network as sequences (article 001).
Measured results of these defaults are in benchmarks/TASKS.md."""
from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from rnnkit.tasks.config import (CacheDir, HeadDropout, InterLayerDropout, NumLayers, Pooling, RecurrentModelConfig,
                                 fill_unset)
from rnnkit.training.config import LearningRate, PositiveInt, Rate, ScheduleName, config_dataclass

IMAGE_DATASETS = ("mnist", "fashion-mnist")


@config_dataclass
class MnistConfig(RecurrentModelConfig):
    reads_folders: ClassVar[bool] = True  # --data may name a folder of class folders of images (runner's check)
    mode: Literal["rows", "pixels"] = "rows"
    """rows: one step per row of pixels (MNIST: 28 steps of 28); pixels: one step per pixel (784 steps of 1, the
    long-memory benchmark)"""
    dataset: Literal["mnist", "fashion-mnist"] = "mnist"
    """the named dataset (ignored when `data` is given)"""
    data: str | None = None
    """your images instead of a named dataset: a folder with one subfolder of images per class (and optionally
    train/, valid/ and test/ folders of them), or an .npz with x_train, y_train (and x_valid/y_valid,
    x_test/y_test)"""
    cache_dir: CacheDir = None
    limit: PositiveInt | None = None
    """train on the first N training images only (quick runs: an unset `epochs` is then not raised to min_steps)"""
    num_layers: NumLayers = 2
    bidirectional: bool = False
    """read each image both ways"""
    pooling: Pooling = "last"
    inter_layer_dropout: InterLayerDropout = 0.0
    head_dropout: HeadDropout = 0.0
    max_shift: Annotated[int, Field(ge=0)] | None = None
    """move each training image by up to this many pixels each way (random, per image per epoch, as Keras'
    RandomTranslation): without it the row reader learns the training digits by heart; none: the shorter side
    / 14, rounded (MNIST: 2)"""
    chrono_init: bool = False
    """LSTM forget/input biases from Tallec & Ollivier's chrono initialisation for the sequence length
    (MNIST: 28 or 784 steps): what lets a pixel-by-pixel LSTM leave chance accuracy"""
    epochs: PositiveInt | None = None
    """passes over the training images; none: 15, raised on a small set so that training takes at least min_steps
    optimizer steps"""
    min_steps: PositiveInt = 2000
    """optimizer steps an unset `epochs` trains at least (a small folder's few batches an epoch would otherwise
    leave the model untrained)"""
    batch_size: PositiveInt = 128
    lr: LearningRate | None = None
    """learning rate (default: 0.001 for the named datasets, 0.003 for your images: the better on validation of
    three folders of real images, benchmarks/TASKS.md)"""
    schedule: ScheduleName | None = "cosine"
    clip_norm: float | None = 1.0
    validation_split: Rate = 0.1
    """fraction of the training images held out when the data has no validation split: of an .npz the last
    ones, by position (as Keras' validation_split); of a folder a seeded random part of each class (it lists its
    images class by class)"""
    baseline: bool = True
    """fit logistic regression on the pixels beside the model, report both and deliver their blend (the baseline's
    weight chosen on the validation images)"""
    keep_best: bool = True
    monitor: str = "val_acc"

    def __post_init__(self):
        fill_unset(self, {"lr": 1e-3 if self.data is None else 3e-3})
        if self.chrono_init and self.cell != "lstm":
            raise ValueError(f"config key 'chrono_init': needs cell='lstm', got cell={self.cell!r}")
