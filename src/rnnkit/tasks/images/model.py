"""The image task's model: a `SequenceImageClassifier` reading each image row by row or pixel by pixel."""
from __future__ import annotations

from rnnkit.cells.lstm import LSTMCell, chrono_init_
from rnnkit.models.images import SequenceImageClassifier
from rnnkit.tasks.images.config import MnistConfig

MODEL_FIELDS = ("mode", "cell", "hidden_size", "num_layers", "bidirectional", "pooling", "inter_layer_dropout",
                "head_dropout", "max_shift", "fast")
"""Config fields that are the model's constructor arguments of the same name."""


def build_model(config: MnistConfig) -> SequenceImageClassifier:
    model = SequenceImageClassifier(10, **{name: getattr(config, name) for name in MODEL_FIELDS})
    if config.chrono_init:
        steps = 28 if config.mode == "rows" else 784
        for cell in model.modules():
            if isinstance(cell, LSTMCell):
                chrono_init_(cell, steps)
    return model


def describe(config: MnistConfig) -> str:
    """`rnnkit summary` of a config: the model it would build."""
    return repr(build_model(config))
