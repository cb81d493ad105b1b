"""Keras-style 1-D convolution and pooling over time: article 003's convnet front end for an RNN.

All take and return (B, T, F), Keras' channels-last layout; lengths shrink with the time axis so the
recurrent layer after them still skips the padding.
"""
from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from ..validation import check_positive
from .base import ACTIVATIONS, Layer, Shape, check_activation
from .core import masked_time

PADDINGS = ("valid", "same")


def _conv_length(length, kernel: int, stride: int, padding: str):
    if length is None:
        return None
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


class GlobalMaxPooling1D(Layer):
    """Max over all (real) time steps: (B, T, F) -> (B, F). Article 000 names max pooling over time."""

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (input_shape[-1],)

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        mask = masked_time(x, lengths)
        if mask is not None:
            x = x.masked_fill(~mask, torch.finfo(x.dtype).min)
        return x.max(1).values


class GlobalAveragePooling1D(Layer):
    """Mean over all (real) time steps: (B, T, F) -> (B, F)."""

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (input_shape[-1],)

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        mask = masked_time(x, lengths)
        if mask is None:
            return x.mean(1)
        return (x * mask).sum(1) / lengths.unsqueeze(1).to(x.dtype)
