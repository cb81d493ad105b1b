"""1-D convolution and pooling along time: article 003's convnet front end for an RNN.

`Conv1D` and `MaxPooling1D` are Keras' layers; `ConvFrontEnd` is the two in one block as
`SequenceClassifier` uses it. All take and return (B, T, F), Keras' channels-last layout; lengths
shrink with the time axis so the recurrent layer after them still skips the padding. Pooling over
the whole sequence (GlobalMaxPooling1D, ...) is in `pooling.py`.
"""
from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from ..engine.masks import lengths_mask
from ..validation import check_positive
from .base import ACTIVATIONS, Layer, Shape, check_activation

PADDINGS = ("valid", "same")


def _conv_length(length, kernel: int, stride: int, padding: str):
    if length is None:
        return None
    if isinstance(length, Tensor) and length.dim() != 1:  # a (B, T) mask of real steps anywhere
        raise ValueError("convolution and pooling along time need padding at the end of each sequence; got a mask "
                         "with padding elsewhere (pad with padding='post', or put the recurrent layer first)")
    if padding == "same":
        return -(-length // stride)  # ceil
    return (length - kernel) // stride + 1


class Conv1D(Layer):
    """`Conv1D(32, 7, activation="relu")`: filters * (kernel_size * F) + filters parameters."""

    def __init__(self, filters: int, kernel_size: int, strides: int = 1, padding: str = "valid",
                 activation: str | None = None, input_shape: Shape | None = None, name=None):
        super().__init__(input_shape, name)
        self.filters = check_positive("filters", filters)
        self.kernel_size = check_positive("kernel_size", kernel_size)
        self.strides = check_positive("strides", strides)
        if padding not in PADDINGS:
            raise ValueError(f"padding must be one of {PADDINGS}, got {padding!r}")
        self.padding, self.activation = padding, check_activation(activation)
        self.conv: nn.Conv1d | None = None
        if self.input_shape is not None:
            self.build(self.input_shape)

    def build(self, input_shape: Shape) -> None:
        self.conv = nn.Conv1d(input_shape[-1], self.filters, self.kernel_size, self.strides)
        super().build(input_shape)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (_conv_length(input_shape[0], self.kernel_size, self.strides, self.padding), self.filters)

    def output_lengths(self, lengths: Tensor | None) -> Tensor | None:
        if lengths is None:
            return None
        return _conv_length(lengths, self.kernel_size, self.strides, self.padding).clamp(min=1)

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        if self.conv is None:
            self.build(tuple(x.shape[1:]))
        x = x.transpose(1, 2)  # (B, F, T): torch's channels-first
        if self.padding == "same":
            total = max((-(-x.shape[-1] // self.strides) - 1) * self.strides + self.kernel_size - x.shape[-1], 0)
            x = nn.functional.pad(x, (total // 2, total - total // 2))
        if x.shape[-1] < self.kernel_size:
            raise ValueError(f"Conv1D(kernel_size={self.kernel_size}) needs at least {self.kernel_size} steps, got {x.shape[-1]}")
        return ACTIVATIONS[self.activation](self.conv(x)).transpose(1, 2)  # (B, T', filters)

    def get_config(self) -> dict[str, Any]:
        return {"filters": self.filters, "kernel_size": self.kernel_size, "strides": self.strides,
                "padding": self.padding, "activation": self.activation, **super().get_config()}


class MaxPooling1D(Layer):
    """Max over windows of `pool_size` steps (stride defaults to pool_size), as Keras."""

    def __init__(self, pool_size: int = 2, strides: int | None = None, input_shape: Shape | None = None, name=None):
        super().__init__(input_shape, name)
        self.pool_size = check_positive("pool_size", pool_size)
        self.strides = check_positive("strides", strides) if strides is not None else self.pool_size

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (_conv_length(input_shape[0], self.pool_size, self.strides, "valid"), input_shape[-1])

    def output_lengths(self, lengths: Tensor | None) -> Tensor | None:
        return None if lengths is None else _conv_length(lengths, self.pool_size, self.strides, "valid").clamp(min=1)

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        return nn.functional.max_pool1d(x.transpose(1, 2), self.pool_size, self.strides).transpose(1, 2)

    def get_config(self) -> dict[str, Any]:
        return {"pool_size": self.pool_size, "strides": self.strides}


class ConvFrontEnd(Layer):
    """Conv1D(filters, kernel_size) + ReLU, then max pooling by `pool_size` (ceil mode): (B, T, F) ->
    (B, ceil(T / pool_size), filters), and lengths -> ceil(lengths / pool_size).

    The convolution pads kernel_size // 2 zeros on both sides and keeps the first T outputs, so an
    even kernel looks one step further back than ahead (Keras' "same" does the opposite). Outputs
    past a sequence's end are zeroed before pooling: after the ReLU every real output is >= 0, so a
    window that overhangs the end pools to what the sequence alone would give.
    """

    def __init__(self, input_size: int, filters: int, kernel_size: int = 5, pool_size: int = 2, name=None):
        super().__init__((None, check_positive("input_size", input_size)), name)
        self.filters = check_positive("filters", filters)
        self.kernel_size = check_positive("kernel_size", kernel_size)
        self.pool_size = check_positive("pool_size", pool_size)
        self.conv = nn.Conv1d(input_size, filters, kernel_size, padding=kernel_size // 2)
        self.built = True

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (_conv_length(input_shape[0], self.pool_size, self.pool_size, "same"), self.filters)

    def output_lengths(self, lengths: Tensor | None) -> Tensor | None:
        return _conv_length(lengths, self.pool_size, self.pool_size, "same")  # ceil: a partial window is kept

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        T = x.shape[1]
        y = nn.functional.relu(self.conv(x.transpose(1, 2)))[..., :T]  # (B, C, T): same length for odd and even kernels
        if lengths is not None:
            y = y * lengths_mask(lengths, T, x.device).unsqueeze(1)  # (B, C, T)
        if self.pool_size > 1 and torch.compiler.is_exporting():  # torch.export fixes T at max_pool1d's
            p = self.pool_size  # the same windows by a reshape; the zeros added are no max: y >= 0 after the ReLU
            y = nn.functional.pad(y, (0, (-T) % p)).unflatten(-1, (-1, p)).amax(-1)  # (B, C, ceil(T/p))
        elif self.pool_size > 1:
            y = nn.functional.max_pool1d(y, self.pool_size, self.pool_size, ceil_mode=True)  # (B, C, ceil(T/p))
        return y.transpose(1, 2)  # (B, T', C)

    def get_config(self) -> dict[str, Any]:
        return {"input_size": self.input_shape[-1], "filters": self.filters, "kernel_size": self.kernel_size,
                "pool_size": self.pool_size}
