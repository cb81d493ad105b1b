"""Exact weight interop with torch.nn.LSTM / GRU / RNN.

rnnkit keeps torch's weight names, shapes and gate order (LSTM i, f, g, o; GRU r, z, n), but one bias
per gate where torch has two (b_ih + b_hh). Loading sums them, which is exact: both are added to the
same pre-activation. GRU keeps both biases (its recurrent bias sits inside r ⊙ (W_hn h + b_hn)).

Weights come from a live module or from a `state_dict` file saved by `torch.save`. Such a file is a pickle,
and unpickling can run any code it names, so `load_state_dict` reads it only through
`torch.load(weights_only=True)`, which rebuilds tensors and plain containers and refuses everything else.
"""
from __future__ import annotations

import pickle
import re
from collections.abc import Mapping
from pathlib import Path

import torch
from torch import nn

from ..errors import UserError
from ..layers.recurrent import Recurrent

TORCH_KINDS = {nn.LSTM: "lstm", nn.GRU: "gru", nn.RNN: "rnn"}
GATES = {"lstm": 4, "gru": 3, "rnn": 1}
NESTED_KEYS = ("state_dict", "model_state_dict", "model")
"""Where training scripts commonly nest the model's state_dict inside a checkpoint dict."""


def load_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """The tensors of a file saved by `torch.save(module.state_dict(), path)` (or a checkpoint dict holding
    one under "state_dict", "model_state_dict" or "model"), read with `torch.load(weights_only=True)`: a file
    holding other Python objects is refused with one line, never unpickled."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: file not found")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        found = re.search(r"GLOBAL (\S+)", str(err))
        what = f" ({found.group(1)})" if found else ""
        raise UserError(f"{path}: refused: it holds a Python object{what} besides tensors, which unpickling could run; "
                        f"torch.load(weights_only=True) reads tensors only: save module.state_dict()") from None
    except Exception as err:  # noqa: BLE001 - a file that is no torch.save output fails in many ways (KeyError, EOFError...)
        raise UserError(f"{path}: not a torch.save file ({' '.join(str(err).split())[:200]})") from None
    if isinstance(state, Mapping) and not any(isinstance(v, torch.Tensor) for v in state.values()):
        state = next((state[k] for k in NESTED_KEYS if isinstance(state.get(k), Mapping)), state)
    if not isinstance(state, Mapping) or not state or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise UserError(f"{path}: expected a state_dict (a mapping of names to tensors), got {type(state).__name__}")
    return dict(state)


def recurrent_from_state_dict(state: Mapping[str, torch.Tensor] | str | Path, kind: str, prefix: str = "",
                              **layer_options) -> Recurrent:
    """A `Recurrent` layer of cell `kind` ("lstm", "gru", "rnn") holding the weights of a torch nn.LSTM/GRU/RNN
    state_dict (a mapping or a file; `prefix` e.g. "encoder.rnn." picks the module out of a whole model's).
    Sizes, layers, direction and LSTM projection are read from the tensors' shapes. `layer_options` go to
    `Recurrent` (e.g. return_sequences=False); for an RNN with ReLU pass activation="relu"."""
    if kind not in GATES:
        raise ValueError(f"kind must be one of {tuple(GATES)}, got {kind!r}")
    state = load_state_dict(state) if isinstance(state, (str, Path)) else state
    params = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
    if "weight_ih_l0" not in params:
        raise UserError(f"no '{prefix}weight_ih_l0' in the state_dict: not a torch nn.LSTM/GRU/RNN "
                        f"(its keys start {sorted(state)[:3]})")
    hidden = params["weight_ih_l0"].shape[0] // GATES[kind]
    num_layers = 1 + max(int(k.split("_l")[1].split("_")[0]) for k in params if k.startswith("weight_ih_l"))
    options = dict(num_layers=num_layers, bidirectional="weight_ih_l0_reverse" in params)
    if kind == "lstm":
        options.update(proj_size=params["weight_hr_l0"].shape[0] if "weight_hr_l0" in params else 0,
                       unit_forget_bias=False)
    options.update(layer_options)
    layer = Recurrent(kind, params["weight_ih_l0"].shape[1], hidden, **options)
    load_torch_weights(layer, params)
    return layer.to(params["weight_ih_l0"].dtype)


def recurrent_from_torch(module: nn.RNNBase, **layer_options) -> Recurrent:
    """A `Recurrent` layer with the same configuration and weights as a torch nn.LSTM/GRU/RNN."""
    kind = TORCH_KINDS.get(type(module))
    if kind is None:
        raise ValueError(f"expected torch.nn.LSTM, GRU or RNN, got {type(module).__name__}")
    options = dict(batch_first=module.batch_first)  # the rest is in the weights' names and shapes
    if kind == "rnn":
        options.update(activation=module.nonlinearity)
    return recurrent_from_state_dict(dict(module.named_parameters()), kind, **{**options, **layer_options})


def _suffixes(layer: Recurrent):
    for index, cell in enumerate(layer.cells):
        level, direction = divmod(index, layer.num_directions)
        yield cell, f"_l{level}" + ("_reverse" if direction else "")


@torch.no_grad()
def load_torch_weights(layer: Recurrent, module: nn.RNNBase | Mapping[str, torch.Tensor]) -> None:
    """Copy a torch module's weights (or its state_dict's) into a `Recurrent` layer of the same shape."""
    params = dict(module) if isinstance(module, Mapping) else dict(module.named_parameters())
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
