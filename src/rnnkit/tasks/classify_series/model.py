"""The series task's model: a `SequenceClassifier` over float inputs (B, T, C): [Conv1D front end] ->
recurrent stack (any cell, bidirectional, stacked; padded steps skipped by the lengths) -> pooling over
each series' real steps -> dense."""
from __future__ import annotations

from rnnkit.models.classifier import SequenceClassifier
from rnnkit.tasks.classify_series.config import SeriesConfig

MODEL_FIELDS = ("cell", "hidden_size", "num_layers", "bidirectional", "dropout", "recurrent_dropout",
                "inter_layer_dropout", "conv_filters", "conv_kernel", "conv_pool", "pooling", "head_dropout", "fast")
"""Config fields that are the model's constructor arguments of the same name."""


def build_model(config: SeriesConfig, num_classes: int, channels: int) -> SequenceClassifier:
    return SequenceClassifier(num_classes, None, input_size=channels,
                              **{name: getattr(config, name) for name in MODEL_FIELDS})


def describe(config: SeriesConfig) -> str:
    """`rnnkit summary` of a config: the model it would build (classes and channels come from the data)."""
    return (f"SequenceClassifier: {config.cell} {config.hidden_size} x {config.num_layers} "
            f"{'bidirectional ' if config.bidirectional else ''}over each series' channels"
            f"{f', Conv1D front end {config.conv_filters} filters' if config.conv_filters else ''}, "
            f"pooling {config.pooling}")
