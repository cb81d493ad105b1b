"""`Layer`: the Keras-style contract that lets the articles' code port line by line.

A Keras layer is declared without its input size (`LSTM(128)`) and builds its weights once it sees
the shape of what feeds it. Here `build(input_shape)` does that, from the shape WITHOUT the batch
axis (time may be None), and `compute_output_shape` tells the next layer what it will get; so a
`Sequential` can build every layer, and print `summary()`, before any data flows.
"""
from __future__ import annotations

from typing import Any

from torch import Tensor, nn

Shape = tuple  # feature shape without the batch axis; None for unknown sizes (e.g. time)

ACTIVATIONS = {
    None: lambda x: x,
    "linear": lambda x: x,
    "relu": nn.functional.relu,
    "tanh": nn.functional.tanh,
    "sigmoid": nn.functional.sigmoid,
    "softmax": lambda x: nn.functional.softmax(x, -1),
}


def check_activation(activation: str | None) -> str | None:
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {[a for a in ACTIVATIONS if a]}, got {activation!r}")
    return activation


class Layer(nn.Module):
    """Base of the Keras-style layers: lazy `build`, shape inference, config."""

    def __init__(self, input_shape: Shape | None = None, name: str | None = None):
        super().__init__()
        self.input_shape = tuple(input_shape) if input_shape is not None else None
        self.name = name
        self.built = False

    def build(self, input_shape: Shape) -> None:
        """Create the weights for inputs of `input_shape` (no batch axis). Default: none."""
        self.input_shape = tuple(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return tuple(input_shape)

    def output_lengths(self, lengths: Tensor | None) -> Tensor | None:
        """Valid lengths after this layer (layers that change the time axis override this)."""
        return lengths

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {"input_shape": list(self.input_shape) if self.input_shape is not None else None}

    def count_params(self) -> int:
        return sum(p.numel() for p in self.parameters())
