"""The series task's model, by `architecture`: LSTM-FCN (`SeriesClassifier`: an FCN branch beside the
recurrent branch), or the recurrent stack alone (`SequenceClassifier` over float inputs (B, T, C): [Conv1D
front end] -> recurrent stack -> pooling over each series' real steps -> dense)."""
from __future__ import annotations

from torch import nn

from rnnkit.models.classifier import SequenceClassifier
from rnnkit.models.series_classifier import SeriesClassifier
from rnnkit.tasks.classify_series.config import SeriesConfig

RNN_FIELDS = ("cell", "hidden_size", "num_layers", "bidirectional", "dropout", "recurrent_dropout",
              "inter_layer_dropout", "conv_filters", "conv_kernel", "conv_pool", "pooling", "head_dropout", "fast")
LSTM_FCN_FIELDS = ("fcn_filters", "fcn_kernels", "cell", "hidden_size", "num_layers", "bidirectional", "rnn_input",
                   "rnn_pool", "pooling", "dropout", "rnn_dropout", "head_dropout", "augment_scale", "augment_noise",
                   "augment_slice", "fast")
"""Config fields that are each architecture's constructor arguments of the same name."""


def build_model(config: SeriesConfig, num_classes: int, channels: int, steps: int | None = None) -> nn.Module:
    """The configured model for `channels`-channel series; `steps`, the training file's longest series, is
    the length LSTM-FCN's dimension shuffle reads."""
    if config.architecture == "rnn":
        return SequenceClassifier(num_classes, None, input_size=channels, **{k: getattr(config, k) for k in RNN_FIELDS})
    return SeriesClassifier(num_classes, channels, steps=steps if config.rnn_input == "shuffle" else None,
                            **{k: getattr(config, k) for k in LSTM_FCN_FIELDS})


def describe(config: SeriesConfig) -> str:
    """`rnnkit summary` of a config: the model it would build (classes and channels come from the data)."""
    rnn = (f"{config.cell} {config.hidden_size} x {config.num_layers} {'bidirectional ' if config.bidirectional else ''}"
           f"pooling {config.pooling}")
    if config.architecture == "rnn":
        return (f"SequenceClassifier: {rnn} over each series' channels"
                f"{f', Conv1D front end {config.conv_filters} filters' if config.conv_filters else ''}")
    fcn = f"FCN {'/'.join(map(str, config.fcn_filters))} filters of widths {'/'.join(map(str, config.fcn_kernels))}"
    return (f"SeriesClassifier (LSTM-FCN): {fcn}" +
            (f" beside a {rnn} reading {config.rnn_input}" if config.hidden_size else " alone"))
