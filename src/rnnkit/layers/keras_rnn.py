"""Keras-style recurrent layers: `SimpleRNN`, `LSTM`, `GRU` and the `Bidirectional` wrapper.

They take `units` and build a `Recurrent` layer once the input feature size is known, so article
003's `model.add(LSTM(32))` and article 000's `model.add(LSTM(128))` work as written. Defaults are
Keras' (return_sequences=False, unit_forget_bias=True, reset_after=True).

Padding follows Keras too. The layers take `lengths` (B,) or a (B, T) mask of real steps anywhere
(what `Embedding(mask_zero=True)` gives for pre-padded ids); padded steps are skipped, the state
passing through them unchanged. With return_sequences, a masked step outputs what Keras' RNN outputs
there: the output of the last real step before it (zeros before the first), and zeros inside
`Bidirectional` (which sets Keras' `zero_output_for_mask`).
"""
from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from ..engine.masks import steps_mask
from ..validation import check_positive, check_rate
from .base import Layer, Shape
from .recurrent import MERGE_MODES, Recurrent


def carry_last_output(y: Tensor, real: Tensor) -> Tensor:
    """Keras' outputs at masked steps: y (B, T, H) where each masked step repeats the output of the last
    real step before it, and steps before the first real one are zeros. real: (B, T) bool."""
    t = torch.arange(y.shape[1], device=y.device).expand_as(real)
    last = torch.where(real, t, -1).cummax(1).values  # (B, T): the last real step at or before t
    carried = y.gather(1, last.clamp(min=0).unsqueeze(-1).expand_as(y))
    return carried.masked_fill((last < 0).unsqueeze(-1), 0.0)


class RNNLayer(Layer):
    """Shared body of SimpleRNN/LSTM/GRU: holds options until `build` makes the `Recurrent`."""

    cell_kind = ""

    def __init__(
        self,
        units: int,
        *,
        return_sequences: bool = False,
        return_state: bool = False,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        input_shape: Shape | None = None,
        name: str | None = None,
        fast: str = "auto",
        **cell_options,
    ):
        super().__init__(input_shape, name)
        self.units = check_positive("units", units)
        self.return_sequences, self.return_state = bool(return_sequences), bool(return_state)
        self.dropout = check_rate("dropout", dropout)
        self.recurrent_dropout = check_rate("recurrent_dropout", recurrent_dropout)
        self.fast = fast
        self.cell_options = cell_options
        self.bidirectional, self.merge_mode = False, "concat"
        self.rnn: Recurrent | None = None
        # Validate the cell options now (quoting bad values) rather than at build time.
        Recurrent(self.cell_kind, 1, self.units, fast=fast, **cell_options)
        if self.input_shape is not None:
            self.build(self.input_shape)

    def build(self, input_shape: Shape) -> None:
        if len(input_shape) != 2 or input_shape[-1] is None:
            raise ValueError(f"{type(self).__name__} expects inputs of shape (time, features), got {tuple(input_shape)}")
        self.rnn = Recurrent(
            self.cell_kind, input_shape[-1], self.units, bidirectional=self.bidirectional, merge_mode=self.merge_mode,
            return_sequences=self.return_sequences, return_state=self.return_state, dropout=self.dropout,
            recurrent_dropout=self.recurrent_dropout, fast=self.fast, **self.cell_options)
        super().build(input_shape)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        size = self.units * (2 if self.bidirectional and self.merge_mode == "concat" else 1)
        if self.cell_options.get("proj_size"):
            size = self.cell_options["proj_size"] * (size // self.units)
        return (input_shape[0], size) if self.return_sequences else (size,)

    def forward(self, x: Tensor, lengths: Tensor | None = None, initial_state=None):
        """x (B, T, F); `lengths` (B,) or a (B, T) mask of real steps (see the module docstring)."""
        if self.rnn is None:
            self.build(tuple(x.shape[1:]))
        steps = None if lengths is None else torch.as_tensor(lengths, device=x.device)
        if steps is not None and steps.dim() == 2:
            out = self.rnn(x, mask=steps, initial_state=initial_state)
        else:
            out = self.rnn(x, lengths=steps, initial_state=initial_state)
        if steps is None or not self.return_sequences or self.bidirectional:
            return out
        output, state = out if self.return_state else (out, None)
        output = carry_last_output(output, steps_mask(steps, x.shape[1], x.device))
        return (output, state) if self.return_state else output

    def get_config(self) -> dict[str, Any]:
        return {"units": self.units, "return_sequences": self.return_sequences, "return_state": self.return_state,
                "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout, "fast": self.fast,
                **self.cell_options, **super().get_config()}


class SimpleRNN(RNNLayer):
    """Keras' SimpleRNN (Elman, article 003): `SimpleRNN(32)`; activation "tanh" or "relu"."""

    cell_kind = "rnn"

    def __init__(self, units: int, activation: str = "tanh", **kwargs):
        super().__init__(units, activation=activation, **kwargs)


class LSTM(RNNLayer):
    """Keras' LSTM: `LSTM(128)`; extra options peephole=True, proj_size=P, unit_forget_bias."""

    cell_kind = "lstm"


class GRU(RNNLayer):
    """Keras' GRU: `GRU(32)`; reset_after=True (Keras 2+/cuDNN) or False (the original paper)."""

    cell_kind = "gru"


class Bidirectional(Layer):
    """Keras' Bidirectional wrapper: `Bidirectional(LSTM(64), merge_mode="concat")`.

    Runs the wrapped layer forward and (padding-aware) backward over the sequence and merges the
    two ("concat", "sum", "mul", "ave"); the parameter count is twice the wrapped layer's. Keras'
    merge_mode=None (the two outputs apart) runs as "concat" here: `split_outputs` cuts the result back
    into (forward, backward), as the Keras-style `predict` does for a model that ends in this layer.
    """

    def __init__(self, layer: RNNLayer, merge_mode: str | None = "concat", input_shape: Shape | None = None, name=None):
        if not isinstance(layer, RNNLayer):
            raise ValueError(f"Bidirectional wraps SimpleRNN, LSTM or GRU, got {type(layer).__name__}")
        if merge_mode is not None and merge_mode not in MERGE_MODES:
            raise ValueError(f"merge_mode must be one of {MERGE_MODES} or None, got {merge_mode!r}")
        super().__init__(input_shape or layer.input_shape, name)
        layer.bidirectional, layer.merge_mode, layer.rnn = True, merge_mode or "concat", None
        self.layer, self.merge_mode = layer, merge_mode
        if self.input_shape is not None:
            self.build(self.input_shape)

    def build(self, input_shape: Shape) -> None:
        self.layer.build(input_shape)
        super().build(input_shape)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return self.layer.compute_output_shape(input_shape)

    def forward(self, x: Tensor, lengths: Tensor | None = None, initial_state=None):
        return self.layer(x, lengths, initial_state)

    def split_outputs(self, y: Tensor) -> tuple[Tensor, Tensor]:
        """(forward, backward) outputs from the concatenated ones (B, [T,] 2H)."""
        return y[..., :y.shape[-1] // 2], y[..., y.shape[-1] // 2:]

    def get_config(self) -> dict[str, Any]:
        return {"layer": {"class": type(self.layer).__name__, "config": self.layer.get_config()},
                "merge_mode": self.merge_mode, **super().get_config()}
