"""`Sequential`: a Keras-like stack of layers with `summary()`, for the articles' examples.

    model = Sequential()
    model.add(Embedding(10000, 32))
    model.add(SimpleRNN(32))
    model.add(Dense(1, activation="sigmoid"))
    model.summary()          # Total params: 322,113, as article 003 shows

Layers are built as they are added, from the previous layer's output shape, so `summary()` works
before any data flows. Lengths flow with the data: `Embedding(mask_zero=True)` derives them from
padding id 0, `Conv1D`/`MaxPooling1D` shrink them, recurrent layers and global pooling skip padding.
Training (`compile`/`fit`) is added by `rnnkit.keras.models.Sequential`, which layers over this.
"""
from __future__ import annotations

import re
from typing import Any, Callable

from torch import Tensor, nn

from ..layers import KERAS_LAYERS, Activation, Bidirectional, Dense, Embedding, Layer, TimeDistributed
from .registry import register


def _snake(name: str) -> str:
    """Keras' automatic layer names: SimpleRNN -> simple_rnn, MaxPooling1D -> max_pooling1d."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", "_", name).lower()


def layer_from_config(spec: dict[str, Any]) -> Layer:
    cls = KERAS_LAYERS.get(spec.get("class"))
    if cls is None:
        raise ValueError(f"unknown layer class {spec.get('class')!r}; expected one of {sorted(KERAS_LAYERS)}")
    config = dict(spec.get("config", {}))
    if cls in (Bidirectional, TimeDistributed):
        config["layer"] = layer_from_config(config["layer"])
    return cls(**config)


@register("sequential")
class Sequential(nn.Module):
    def __init__(self, layers: list[Layer | dict] | None = None, name: str = "sequential"):
        super().__init__()
        self.name = name
        self.layers = nn.ModuleList()
        self.output_shapes: list[tuple | None] = []
        for layer in layers or []:
            self.add(layer_from_config(layer) if isinstance(layer, dict) else layer)

    def add(self, layer: Layer) -> None:
        if not isinstance(layer, Layer):
            raise ValueError(f"Sequential.add expects an rnnkit layer, got {type(layer).__name__}")
        base = _snake(type(layer).__name__)
        taken = {l.name for l in self.layers}
        if layer.name is None or layer.name in taken:
            k, layer.name = 0, base
            while layer.name in taken:
                k += 1
                layer.name = f"{base}_{k}"
        previous = self.output_shapes[-1] if self.output_shapes else layer.input_shape
        if previous is not None and not layer.built:
            layer.build(previous)
        self.output_shapes.append(layer.compute_output_shape(previous) if previous is not None else None)
        self.layers.append(layer)

    def _run(self, x: Tensor, lengths: Tensor | None, last_logits: bool) -> Tensor:
        if not len(self.layers):
            raise ValueError("the model has no layers; add some with model.add(...)")
        for k, layer in enumerate(self.layers):
            if isinstance(layer, Embedding) and lengths is None:
                lengths = layer.lengths_from_ids(x)
            if last_logits and k == len(self.layers) - 1:
                if isinstance(layer, Dense):
                    return layer.logits(x)
                if isinstance(layer, Activation):
                    return x
            x = layer(x, lengths)
            if isinstance(x, tuple):  # a recurrent layer with return_state: Sequential passes the output on
                x = x[0]
            if x.dim() < 3:
                lengths = None  # the time axis is gone
            else:
                lengths = layer.output_lengths(lengths)
        return x

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        out = self._run(x, lengths, last_logits=False)
        if self.output_shapes and self.output_shapes[-1] is None:
            self._infer_shapes(tuple(x.shape[1:]))
        return out

    def _infer_shapes(self, input_shape: tuple) -> None:
        """After a lazy build from the first batch: record shapes with the time axis unknown (None)."""
        shape = (None, *input_shape[1:]) if len(input_shape) > 1 else (None,)
        self.output_shapes = []
        for layer in self.layers:
            shape = layer.compute_output_shape(shape)
            self.output_shapes.append(shape)

    def forward_logits(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        """The output before the final activation (of a last Dense or Activation layer), for stable losses."""
        return self._run(x, lengths, last_logits=True)

    @property
    def output_activation(self) -> str | None:
        last = self.layers[-1] if len(self.layers) else None
        return last.activation if isinstance(last, (Dense, Activation)) else None

    def summary(self, print_fn: Callable[[str], Any] | None = print) -> str:
        """Keras' table: each layer's output shape and parameter count, then the totals."""
        if any(shape is None for shape in self.output_shapes):
            raise ValueError("the model is not built: give the first layer input_shape=(steps, features), or run it once")
        names = [f"{layer.name} ({type(layer).__name__})" for layer in self.layers]
        width = (max(31, max(map(len, names)) + 2), 26, 12)
        rule, thick = "_" * sum(width), "=" * sum(width)
        lines = [f'Model: "{self.name}"', rule,
                 "Layer (type)".ljust(width[0]) + "Output Shape".ljust(width[1]) + "Param #", thick]
        for k, (layer, shape) in enumerate(zip(self.layers, self.output_shapes)):
            shown = "(" + ", ".join("None" if s is None else str(s) for s in (None, *shape)) + ")"
            lines.append(names[k].ljust(width[0]) + shown.ljust(width[1])
                         + f"{layer.count_params():,}")
            lines.append(thick if k == len(self.layers) - 1 else rule)
        total = sum(p.numel() for p in self.parameters())
        trainable = sum(p.numel() for p in self.parameters() if p.requires_grad)
        lines += [f"Total params: {total:,}", f"Trainable params: {trainable:,}",
                  f"Non-trainable params: {total - trainable:,}", rule]
        text = "\n".join(lines)
        if print_fn is not None:
            print_fn(text)
        return text

    def count_params(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def get_config(self) -> dict[str, Any]:
        """The constructor's arguments as JSON: `Sequential(**model.get_config())` rebuilds the model."""
        return {"layers": [{"class": type(l).__name__, "config": l.get_config()} for l in self.layers]}
