"""Keras' `Flatten` and `TimeDistributed`: the layers that reshape around the time axis.

`Flatten` turns (B, T, F) into (B, T * F) in row-major order, as Keras does with channels-last data;
`TimeDistributed(layer)` applies one layer to every time step on its own, the same weights at each step
(article 000's per-step output layer): (B, T, *F) -> (B * T, *F) -> layer -> (B, T, *F').
"""
from __future__ import annotations

import math
from typing import Any

from torch import Tensor

from .base import Layer, Shape


class Flatten(Layer):
    """(B, *F) -> (B, prod(F)); the time axis must be known to say the output size."""

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (None if None in input_shape else math.prod(input_shape),)

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        return x.reshape(x.shape[0], -1)  # (B, T * F)


class TimeDistributed(Layer):
    """`TimeDistributed(Dense(2))`: the wrapped layer on each step of (B, T, *F); lengths pass unchanged."""

    def __init__(self, layer: Layer, input_shape: Shape | None = None, name: str | None = None):
        if not isinstance(layer, Layer):
            raise ValueError(f"TimeDistributed wraps an rnnkit layer, got {type(layer).__name__}")
        super().__init__(input_shape, name)
        self.layer = layer
        if self.input_shape is not None:
            self.build(self.input_shape)

    def build(self, input_shape: Shape) -> None:
        if len(input_shape) < 2:
            raise ValueError(f"TimeDistributed expects inputs of shape (time, features...), got {tuple(input_shape)}")
        if not self.layer.built:
            self.layer.build(tuple(input_shape[1:]))
        super().build(input_shape)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (input_shape[0], *self.layer.compute_output_shape(tuple(input_shape[1:])))

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        B, T = x.shape[:2]
        y = self.layer(x.reshape(B * T, *x.shape[2:]))  # (B*T, *F')
        return y.reshape(B, T, *y.shape[1:])  # (B, T, *F')

    def get_config(self) -> dict[str, Any]:
        return {"layer": {"class": type(self.layer).__name__, "config": self.layer.get_config()}, **super().get_config()}
