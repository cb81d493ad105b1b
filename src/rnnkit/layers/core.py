"""Keras-style core layers: `Embedding`, `Dense`, `Activation`, `Dropout`."""
from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from ..engine.masks import prefix_lengths
from ..validation import check_positive, check_rate
from .base import ACTIVATIONS, Layer, Shape, check_activation


class Embedding(Layer):
    """Word ids (B, T) -> vectors (B, T, output_dim): `Embedding(14322, 256)` has 14322*256 weights.

    mask_zero=True treats id 0 as padding, anywhere in a sequence (Keras' `pad_sequences` pads at the
    start by default), and `lengths_from_ids` tells the next layers which steps are real, so the
    recurrent layers skip the padding (their state passes through a padded step unchanged).
    """

    def __init__(self, input_dim: int, output_dim: int, input_length: int | None = None, mask_zero: bool = False,
                 input_shape: Shape | None = None, name: str | None = None):
        super().__init__(input_shape or (input_length,), name)
        self.input_dim = check_positive("input_dim", input_dim)
        self.output_dim = check_positive("output_dim", output_dim)
        self.input_length, self.mask_zero = input_length, bool(mask_zero)
        self.embedding = nn.Embedding(input_dim, output_dim)
        nn.init.uniform_(self.embedding.weight, -0.05, 0.05)  # Keras' default initialiser
        self.built = True

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (input_shape[0], self.output_dim)

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        if x.dtype.is_floating_point:
            raise ValueError(f"Embedding expects integer ids, got a {x.dtype} tensor")
        return self.embedding(x)  # (B, T, E)

    def get_weights(self) -> list[np.ndarray]:
        """Keras' `get_weights()`: [the (input_dim, output_dim) matrix], the same layout in Keras and here."""
        return [self.embedding.weight.detach().cpu().numpy().copy()]

    def set_weights(self, weights) -> None:
        """Keras' `set_weights([matrix])`, e.g. pretrained word vectors (the Keras book's GloVe recipe)."""
        (matrix,) = weights
        matrix = torch.as_tensor(np.asarray(matrix), dtype=self.embedding.weight.dtype)
        if tuple(matrix.shape) != tuple(self.embedding.weight.shape):
            raise ValueError(f"Embedding.set_weights expects one matrix of shape "
                             f"{tuple(self.embedding.weight.shape)}, got {tuple(matrix.shape)}")
        with torch.no_grad():
            self.embedding.weight.copy_(matrix)

    def compute_mask(self, ids: Tensor) -> Tensor | None:
        """Keras' mask: (B, T) True at the real steps (ids != 0) with mask_zero, else None."""
        return ids != 0 if self.mask_zero else None

    def lengths_from_ids(self, ids: Tensor) -> Tensor | None:
        """With mask_zero, the real steps as the next layers take them: (B,) lengths when the padding is at
        the end of every row and no row is all padding (the fast, common case), else the (B, T) mask itself,
        under which a row of padding only keeps its initial state, as in Keras. None without mask_zero."""
        mask = self.compute_mask(ids)
        if mask is None:
            return None
        lengths = prefix_lengths(mask)
        return mask if lengths is None or not bool(lengths.all()) else lengths

    def get_config(self) -> dict[str, Any]:
        return {"input_dim": self.input_dim, "output_dim": self.output_dim, "input_length": self.input_length,
                "mask_zero": self.mask_zero}


class Dense(Layer):
    """A fully connected layer on the last axis with an optional activation: `Dense(1, activation="sigmoid")`."""

    def __init__(self, units: int, activation: str | None = None, input_shape: Shape | None = None, name=None):
        super().__init__(input_shape, name)
        self.units = check_positive("units", units)
        self.activation = check_activation(activation)
        self.linear: nn.Linear | None = None
        if self.input_shape is not None:
            self.build(self.input_shape)

    def build(self, input_shape: Shape) -> None:
        self.linear = nn.Linear(input_shape[-1], self.units)
        nn.init.xavier_uniform_(self.linear.weight)  # Keras' glorot_uniform
        nn.init.zeros_(self.linear.bias)
        super().build(input_shape)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (*input_shape[:-1], self.units)

    def logits(self, x: Tensor) -> Tensor:
        """The pre-activation output: losses use it for numerically stable cross-entropy."""
        if self.linear is None:
            self.build(tuple(x.shape[1:]))
        return self.linear(x)

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        return ACTIVATIONS[self.activation](self.logits(x))

    def get_config(self) -> dict[str, Any]:
        return {"units": self.units, "activation": self.activation, **super().get_config()}


class Activation(Layer):
    """An activation on its own, as article 000 writes `Dense(1)` then `Activation('sigmoid')`."""

    def __init__(self, activation: str, input_shape: Shape | None = None, name=None):
        super().__init__(input_shape, name)
        self.activation = check_activation(activation)

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        return ACTIVATIONS[self.activation](x)

    def get_config(self) -> dict[str, Any]:
        return {"activation": self.activation}


class Dropout(Layer):
    """Standard dropout (a fresh mask per element), as Keras' Dropout(0.5) after article 000's LSTM."""

    def __init__(self, rate: float, input_shape: Shape | None = None, name=None):
        super().__init__(input_shape, name)
        self.rate = check_rate("rate", rate)

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        return nn.functional.dropout(x, self.rate, self.training)

    def get_config(self) -> dict[str, Any]:
        return {"rate": self.rate}
