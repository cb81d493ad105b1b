"""Exact weight interop with torch.nn.LSTM / GRU / RNN.

rnnkit keeps torch's weight names, shapes and gate order (LSTM i, f, g, o; GRU r, z, n), but one bias
per gate where torch has two (b_ih + b_hh). Loading sums them, which is exact: both are added to the
same pre-activation. GRU keeps both biases (its recurrent bias sits inside r ⊙ (W_hn h + b_hn)).
"""
from __future__ import annotations

import torch
from torch import nn

from ..layers.recurrent import Recurrent

TORCH_KINDS = {nn.LSTM: "lstm", nn.GRU: "gru", nn.RNN: "rnn"}


def recurrent_from_torch(module: nn.RNNBase, **layer_options) -> Recurrent:
    """A `Recurrent` layer with the same configuration and weights as a torch nn.LSTM/GRU/RNN."""
    kind = TORCH_KINDS.get(type(module))
    if kind is None:
        raise ValueError(f"expected torch.nn.LSTM, GRU or RNN, got {type(module).__name__}")
    options = dict(num_layers=module.num_layers, bidirectional=module.bidirectional, batch_first=module.batch_first)
    if kind == "lstm":
        options.update(proj_size=module.proj_size, unit_forget_bias=False)
    if kind == "rnn":
        options.update(activation=module.nonlinearity)
    options.update(layer_options)
    layer = Recurrent(kind, module.input_size, module.hidden_size, **options)
    load_torch_weights(layer, module)
    return layer.to(next(module.parameters()).dtype)


def _suffixes(layer: Recurrent):
    for index, cell in enumerate(layer.cells):
        level, direction = divmod(index, layer.num_directions)
        yield cell, f"_l{level}" + ("_reverse" if direction else "")


@torch.no_grad()
def load_torch_weights(layer: Recurrent, module: nn.RNNBase) -> None:
    """Copy a torch module's weights into a `Recurrent` layer of the same shape."""
    params = dict(module.named_parameters())
    for cell, sfx in _suffixes(layer):
        cell.weight_ih.copy_(params["weight_ih" + sfx])
        cell.weight_hh.copy_(params["weight_hh" + sfx])
        b_ih, b_hh = params.get("bias_ih" + sfx), params.get("bias_hh" + sfx)
        if layer.cell_kind == "gru" and cell.reset_after:
            cell.bias.copy_(b_ih if b_ih is not None else 0)
            cell.bias_hh.copy_(b_hh if b_hh is not None else 0)
        else:
            cell.bias.copy_((b_ih if b_ih is not None else 0) + (b_hh if b_hh is not None else 0))
        if "weight_hr" + sfx in params:
            cell.weight_hr.copy_(params["weight_hr" + sfx])


@torch.no_grad()
def save_torch_weights(layer: Recurrent, module: nn.RNNBase) -> None:
    """The inverse: write a `Recurrent` layer's weights into a torch module (its b_hh set to 0)."""
    params = dict(module.named_parameters())
    for cell, sfx in _suffixes(layer):
        params["weight_ih" + sfx].copy_(cell.weight_ih)
        params["weight_hh" + sfx].copy_(cell.weight_hh)
        params["bias_ih" + sfx].copy_(cell.bias)
        params["bias_hh" + sfx].copy_(cell.bias_hh if hasattr(cell, "bias_hh") else torch.zeros_like(cell.bias))
        if hasattr(cell, "weight_hr"):
            params["weight_hr" + sfx].copy_(cell.weight_hr)
