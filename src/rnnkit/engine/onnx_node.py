"""fast="onnx": a cell's whole run as ONE node of ONNX's own LSTM, GRU or RNN operator, for export.

Only meaningful while `torch.onnx.export(..., dynamo=True)` traces the model: the node is a
`torch.onnx.ops.symbolic_multi_out` placeholder, which eager execution does not compute (it returns
zeros of the right shapes). The exported graph then has the sequence length as a dimension of the
node's input, not a number of unrolled steps, and `sequence_lens` carries the padding: ONNX's operators
leave the state unchanged past each sequence's length and output zeros there, as every rnnkit runner
does (`rnnkit.engine.contract`). The reverse direction is the layer's (`reverse_padded`), so a node
always runs forward.

What ONNX's operators compute (onnx.ai/onnx/operators: LSTM, GRU, RNN), mapped from rnnkit's layout:
    LSTM   gates i, o, f, c (rnnkit: i, f, g, o); W, R, B = [Wb, Rb]; peepholes P = [p_i, p_o, p_f],
           read as rnnkit's (i, f from C_{t-1}, o from C_t)
    GRU    gates z, r, h (rnnkit: r, z, n); linear_before_reset=1 is reset_after=True (Rb_h = b_hn),
           0 is reset_after=False; h_t = (1 - z_t) h~_t + z_t h_{t-1}, as rnnkit's
    RNN    activations Tanh or Relu
Not expressible by those operators, so refused (`onnx_unsupported` says which): projection, layer
norm, cell clip (ONNX's `clip` bounds the gate pre-activations, not C_t), zoneout, weight drop in
training, recurrent dropout, and every other cell (the mLSTM's parallel form exports without this runner:
`rnnkit.io.onnx_export`).
"""
from __future__ import annotations

import torch
from torch import Tensor

from ..cells import GRUCell, LSTMCell, MLSTMCell, SimpleRNNCell
from ..cells.base import RecurrentCell, State
from .masks import NO_MASKS, Masks

ONNX_OPSET = 18


def onnx_unsupported(cell: RecurrentCell, masks: Masks = NO_MASKS, *, recurrent_dropout: bool = False) -> str | None:
    """Why ONNX's LSTM/GRU/RNN operators cannot express this cell's run (naming the option), or None."""
    kind = type(cell)
    if kind is MLSTMCell:
        return ("the mLSTM's recurrent form is not one of ONNX's recurrent operators (LSTM, GRU, RNN); its parallel "
                "form (rnnkit.layers.MLSTM, the same weights) exports")
    if kind not in (LSTMCell, GRUCell, SimpleRNNCell):
        return f"{kind.__name__} is not one of ONNX's recurrent operators (LSTM, GRU, RNN)"
    if recurrent_dropout or masks.recurrent is not None:
        return "recurrent_dropout (in training) is not in ONNX's operators"
    if cell.has_zoneout:
        return "zoneout is not in ONNX's operators"
    if cell.weight_drop and cell.training:
        return "weight_drop (in training) is not in ONNX's operators"
    if getattr(cell, "layer_norm", False):
        return "layer_norm is not in ONNX's operators"
    if kind is LSTMCell and cell.proj_size:
        return "proj_size (the LSTM's projection) is not in ONNX's LSTM operator"
    if kind is LSTMCell and cell.cell_clip is not None:
        return "cell_clip is not ONNX's clip (which bounds the gate pre-activations, not the cell state)"
    return None


def _reorder(t: Tensor, hidden: int, order: tuple[int, ...]) -> Tensor:
    """Gate blocks of `t` (G*H, ...) taken in `order` (indices of rnnkit's gates)."""
    return torch.cat([t[g * hidden:(g + 1) * hidden] for g in order], 0)  # (G*H, ...)


def onnx_operands(cell: RecurrentCell) -> tuple[str, dict, list[Tensor]]:
    """(ONNX operator, its attributes, [W, R, B] and with peepholes P), each with ONNX's leading
    direction axis of 1, from the cell's parameters."""
    H = cell.hidden_size
    if isinstance(cell, LSTMCell):
        order = (0, 3, 1, 2)  # ONNX i, o, f, c from rnnkit i, f, g, o
        w, r = _reorder(cell.weight_ih, H, order), _reorder(cell.weight_hh, H, order)
        b = torch.cat([_reorder(cell.bias, H, order), torch.zeros_like(cell.bias)])  # (8H,): Wb, Rb
        extra = [torch.cat([cell.weight_ci, cell.weight_co, cell.weight_cf])] if cell.peephole else []  # (3H,)
        return "LSTM", {}, [w[None], r[None], b[None], *(p[None] for p in extra)]
    if isinstance(cell, GRUCell):
        order = (1, 0, 2)  # ONNX z, r, h from rnnkit r, z, n
        w, r = _reorder(cell.weight_ih, H, order), _reorder(cell.weight_hh, H, order)
        rb = _reorder(cell.bias_hh, H, order) if cell.reset_after else torch.zeros_like(cell.bias)
        b = torch.cat([_reorder(cell.bias, H, order), rb])  # (6H,)
        return "GRU", {"linear_before_reset": int(cell.reset_after)}, [w[None], r[None], b[None]]
    activation = {"tanh": "Tanh", "relu": "Relu"}[cell.activation]
    b = torch.cat([cell.bias, torch.zeros_like(cell.bias)])  # (2H,)
    return "RNN", {"activations": [activation]}, [cell.weight_ih[None], cell.weight_hh[None], b[None]]


def run_onnx(cell: RecurrentCell, x: Tensor, state: State, lengths: Tensor | None = None,
             masks: Masks = NO_MASKS) -> tuple[Tensor, State]:
    """The runner contract (`rnnkit.engine.contract`) as one ONNX node: outputs (T, B, H), final state.
    Computes nothing outside `torch.onnx.export` (see the module docstring)."""
    T, B, H = x.shape[0], x.shape[1], cell.hidden_size
    op, attrs, (w, r, b, *peephole) = onnx_operands(cell)
    if lengths is None:
        lengths = torch.full((B,), T, dtype=torch.int64)
    seq_lens = lengths.to(device=x.device, dtype=torch.int32)  # (B,)
    initial = [s.unsqueeze(0) for s in state]  # each (1, B, H)
    inputs = [x, w, r, b, seq_lens, *initial, *peephole]
    shapes = [(T, 1, B, H)] + [(1, B, H)] * len(state)
    outs = torch.onnx.ops.symbolic_multi_out(f"::{op}", inputs, {"hidden_size": H, **attrs},
                                             dtypes=[x.dtype] * len(shapes), shapes=shapes, version=ONNX_OPSET)
    return outs[0][:, 0], tuple(s[0] for s in outs[1:])  # (T, B, H), each (B, H)
