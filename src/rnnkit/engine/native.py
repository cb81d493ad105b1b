"""Dispatch to torch's native recurrent kernels where the math is exactly torch's.

torch's `nn.LSTM/GRU/RNN` run `torch._VF.lstm/gru/rnn_tanh/rnn_relu`. When a cell computes exactly
what those compute (LSTM without peepholes, layer norm, cell clip or zoneout, with or without
proj_size; GRU with reset_after=True; SimpleRNN with tanh or relu; no recurrent dropout; weight drop
only outside training), we call the kernel with OUR parameters as its flat weights, so autograd flows
straight to them. torch has two biases where rnnkit has one: ours goes in as b_ih and zeros as b_hh
(GRU: bias -> b_ih, bias_hh -> b_hh, as `rnnkit.io.torch_interop` maps them).

Lengths use packed sequences (torch's semantics, which are rnnkit's: padded steps output zeros and
leave the state unchanged). Rows with no step are `rnnkit.engine.contract`'s (`keeping_empty_rows`).
"""
from __future__ import annotations

import torch
from torch import Tensor
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

from ..cells import GRUCell, LSTMCell, SimpleRNNCell
from ..cells.base import RecurrentCell, State
from .contract import as_lengths, check_dtypes, keeping_empty_rows
from .masks import NO_MASKS, Masks


def native_unsupported(cell: RecurrentCell, masks: Masks = NO_MASKS, *, recurrent_dropout: bool = False) -> str | None:
    """Why torch's native kernel cannot run this configuration, or None when it can (recurrent_dropout:
    a recurrent-dropout mask will be drawn for the run, as `masks.recurrent` says when it is given)."""
    kind = type(cell)
    if kind not in (LSTMCell, GRUCell, SimpleRNNCell):
        return f"{kind.__name__} has no native torch kernel"
    if recurrent_dropout or masks.recurrent is not None:
        return "recurrent dropout is not in torch's native kernels"
    if masks.zoneout is not None or cell.has_zoneout:
        return "zoneout is not in torch's native kernels"
    if masks.weight is not None or (cell.weight_drop and cell.training):
        return "weight drop (in training) is not in torch's native kernels"
    if getattr(cell, "layer_norm", False):
        return "layer norm is not in torch's native kernels"
    if kind is LSTMCell and cell.peephole:
        return "peephole LSTM is not in torch's native kernels"
    if kind is LSTMCell and cell.cell_clip is not None:
        return "cell_clip is not in torch's native kernels"
    if kind is GRUCell and not cell.reset_after:
        return "GRU with reset_after=False is not torch's GRU"
    return None


def _kernel(cell: RecurrentCell):
    if isinstance(cell, LSTMCell):
        return torch._VF.lstm
    if isinstance(cell, GRUCell):
        return torch._VF.gru
    return torch._VF.rnn_tanh if cell.activation == "tanh" else torch._VF.rnn_relu


def flat_weights(cell: RecurrentCell) -> list[Tensor]:
    """The cell's parameters in torch's per-(layer, direction) order: w_ih, w_hh, b_ih, b_hh[, w_hr]."""
    b_hh = cell.bias_hh if isinstance(cell, GRUCell) else torch.zeros_like(cell.bias)
    weights = [cell.weight_ih, cell.weight_hh, cell.bias, b_hh]
    if isinstance(cell, LSTMCell) and cell.proj_size:
        weights.append(cell.weight_hr)
    return weights


def run_native_stack(cells: list[RecurrentCell], x: Tensor, states: list[State], lengths: Tensor | None,
                     num_layers: int, bidirectional: bool, dropout: float = 0.0, training: bool = False):
    """All layers and directions in ONE torch call. `cells`/`states` indexed layer * D + direction.

    x: (T, B, I) time-major; lengths (B,) in [0, T] or None (rows with no step output zeros and keep
    their state). Returns outputs (T, B, D*H) and the final state of each (layer, direction) as a list
    of tuples. `dropout` is torch's between-layer dropout.
    """
    check_dtypes(cells[0], x, states)
    if lengths is None:
        return _stack(cells, x, states, None, num_layers, bidirectional, dropout, training)
    return keeping_empty_rows(lambda steps: _stack(cells, x, states, steps, num_layers, bidirectional, dropout, training),
                              as_lengths(lengths), states)


def _stack(cells, x, states, lengths, num_layers, bidirectional, dropout=0.0, training=False):
    """`run_native_stack` with lengths (canonical, `as_lengths`) in [1, T] or None."""
    first = cells[0]
    hx = tuple(torch.stack([s[k] for s in states]) for k in range(len(first.state_sizes)))  # each (L*D, B, size)
    if not isinstance(first, LSTMCell):
        hx = hx[0]
    weights = [w for cell in cells for w in flat_weights(cell)]
    kernel = _kernel(first)
    if lengths is not None and int(lengths.min()) >= x.shape[0]:
        lengths = None  # every row runs every step: no packing
    if lengths is None:
        output, *final = kernel(x, hx, weights, True, num_layers, dropout, training, bidirectional, False)
    else:
        packed = pack_padded_sequence(x, lengths, enforce_sorted=False)
        order = packed.sorted_indices
        hx_sorted = tuple(h.index_select(1, order) for h in hx) if isinstance(hx, tuple) else hx.index_select(1, order)
        data, *final = kernel(packed.data, packed.batch_sizes, hx_sorted, weights, True, num_layers, dropout,
                              training, bidirectional)
        out = PackedSequence(data, packed.batch_sizes, order, packed.unsorted_indices)
        output = pad_packed_sequence(out, total_length=x.shape[0])[0]  # (T, B, D*H), zeros past each end
        final = [f.index_select(1, packed.unsorted_indices) for f in final]
    return output, [tuple(f[i] for f in final) for i in range(len(cells))]


def run_planned(cell: RecurrentCell, x: Tensor, state: State, lengths: Tensor | None = None,
                masks: Masks = NO_MASKS) -> tuple[Tensor, State]:
    """`run_native` once `native_unsupported` has said yes, lengths canonical (`as_lengths`) in [1, T]."""
    output, (final,) = _stack([cell], x, [state], lengths, 1, False)
    return output, final


def run_native(cell: RecurrentCell, x: Tensor, state: State, lengths: Tensor | None = None,
               masks: Masks = NO_MASKS) -> tuple[Tensor, State]:
    """Same contract as `run_loop` (lengths in [0, T]), through torch's native kernel; ValueError where it
    cannot serve."""
    reason = native_unsupported(cell, masks)
    if reason:
        raise ValueError(f"fast='native' cannot run this cell: {reason}")
    output, (final,) = run_native_stack([cell], x, [state], lengths, 1, False)
    return output, final
