"""The image task's model: a `SequenceImageClassifier` reading each image row by row or pixel by pixel."""
from __future__ import annotations

from rnnkit.cells.lstm import LSTMCell, chrono_init_
from rnnkit.errors import UserError
from rnnkit.models.images import SequenceImageClassifier
from rnnkit.tasks.images.config import MnistConfig

MODEL_FIELDS = ("mode", "cell", "hidden_size", "num_layers", "bidirectional", "pooling", "inter_layer_dropout",
                "head_dropout", "fast")
"""Config fields that are the model's constructor arguments of the same name."""
SHIFT_DIVISOR = 14
"""An unset max_shift is the images' shorter side over this, rounded: MNIST's 2 pixels of 28."""


def build_model(config: MnistConfig, classes: int = 10, height: int = 28, width: int = 28) -> SequenceImageClassifier:
    """The classifier for images of height x width pixels in `classes` classes (by default MNIST's)."""
    shift = round(min(height, width) / SHIFT_DIVISOR) if config.max_shift is None else config.max_shift
    if shift >= min(height, width):
        raise UserError(f"config key 'max_shift' ({shift}): the images are {height} x {width} pixels; a shift must "
                        f"be under {min(height, width)}")
    model = SequenceImageClassifier(classes, height=height, width=width, max_shift=shift,
                                    **{name: getattr(config, name) for name in MODEL_FIELDS})
    if config.chrono_init:
        steps = height if config.mode == "rows" else height * width
        for cell in model.modules():
            if isinstance(cell, LSTMCell):
                chrono_init_(cell, steps)
    return model


def describe(config: MnistConfig) -> str:
    """`rnnkit summary` of a config: the model it would build, for MNIST's 28 x 28 images (your own images' size
    is known once they are read: until then any shift is taken to fit them)."""
    side = 28 if config.data is None else max(28, (config.max_shift or 0) + 1)
    return repr(build_model(config, height=side, width=side))
