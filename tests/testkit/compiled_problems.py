"""The compiled kernels' test problems: every cell variant the kernels serve, seeded cells, inputs,
states and masks, and one call of a runner with the gradients of a loss touching all outputs."""
from __future__ import annotations

import torch

from rnnkit.cells import GRUCell, LSTMCell, SimpleRNNCell
from rnnkit.engine.masks import Masks

CELLS = {
    "lstm": lambda i, h: LSTMCell(i, h),
    "lstm_peephole": lambda i, h: LSTMCell(i, h, peephole=True),
    "lstm_weight_drop": lambda i, h: LSTMCell(i, h, weight_drop=0.25),
    "gru": lambda i, h: GRUCell(i, h),
    "gru_reset_before": lambda i, h: GRUCell(i, h, reset_after=False),
    "rnn_tanh": lambda i, h: SimpleRNNCell(i, h),
    "rnn_relu": lambda i, h: SimpleRNNCell(i, h, activation="relu"),
    "lstm_zoneout": lambda i, h: LSTMCell(i, h, zoneout=0.25),
    "lstm_peephole_zoneout_c": lambda i, h: LSTMCell(i, h, peephole=True, zoneout_c=0.3),  # h without zoneout
    "lstm_zoneout_h_weight_drop": lambda i, h: LSTMCell(i, h, zoneout_h=0.3, weight_drop=0.25),
    "gru_zoneout": lambda i, h: GRUCell(i, h, zoneout=0.3),
    "gru_reset_before_zoneout": lambda i, h: GRUCell(i, h, reset_after=False, zoneout=0.3),
    "rnn_tanh_zoneout": lambda i, h: SimpleRNNCell(i, h, zoneout=0.3),
    "rnn_relu_zoneout": lambda i, h: SimpleRNNCell(i, h, activation="relu", zoneout=0.3),
    "lstm_layer_norm": lambda i, h: LSTMCell(i, h, layer_norm=True),
    "lstm_layer_norm_peephole_zoneout": lambda i, h: LSTMCell(i, h, layer_norm=True, peephole=True, zoneout=0.25),
    "lstm_layer_norm_zoneout_c_weight_drop": lambda i, h: LSTMCell(i, h, layer_norm=True, zoneout_c=0.3,
                                                                   weight_drop=0.25),
    "gru_layer_norm": lambda i, h: GRUCell(i, h, layer_norm=True),
    "gru_layer_norm_zoneout_weight_drop": lambda i, h: GRUCell(i, h, layer_norm=True, zoneout=0.3, weight_drop=0.25),
}
ZONEOUT = [name for name in CELLS if "zoneout" in name]


def make(name: str, input_size: int, hidden: int, dtype, seed: int = 0):
    torch.manual_seed(seed)
    cell = CELLS[name](input_size, hidden).to(dtype)
    with torch.no_grad():  # move off the initialisers' special values (zero biases, ones), stay stable
        for p in cell.parameters():
            p.add_(0.2 * torch.randn_like(p) / p.shape[-1] ** 0.5)
    return cell


def masks(cell, batch: int, dtype, lengths: bool, dropout: bool, steps: int = 7):
    """lengths, recurrent-dropout mask, weight-drop mask, zoneout masks (the cell's own, train or eval)."""
    steps_len = torch.tensor([7, 3, 1, 7, 5][:batch]) if lengths else None
    rec = (torch.rand(batch, cell.state_sizes[0]) > 0.3).to(dtype) / 0.7 if dropout else None
    weight = (torch.rand_like(cell.weight_hh) > 0.25).to(dtype) / 0.75 if cell.weight_drop else None
    zone = cell.sample_zoneout(steps, batch, cell.weight_hh)
    return steps_len, rec, weight, zone


def problem(name: str, T: int, B: int, I: int, H: int, dtype=torch.float64, seed: int = 0, lengths: bool = False,
            dropout: bool = False):
    """A cell, inputs (T, B, I), an initial state and the masks (lengths, rec, weight, zone): most tests' setup."""
    cell = make(name, I, H, dtype, seed=seed)
    run_masks = masks(cell, B, dtype, lengths, dropout, steps=T)
    x = torch.randn(T, B, I, dtype=dtype)
    state = tuple(torch.randn(B, s, dtype=dtype) for s in cell.state_sizes)
    return cell, x, state, run_masks


def run_all(runner, cell, x, state, lengths, rec, weight, zone=None):
    """Outputs, final state and the gradients of a loss touching outputs and final state."""
    x = x.clone().requires_grad_()
    state = tuple(s.clone().requires_grad_() for s in state)
    out, final = runner(cell, x, state, lengths, Masks(rec, zone, weight))
    probe = torch.linspace(-1, 1, out.numel(), dtype=out.dtype).view_as(out)
    loss = (out * probe).sum() + sum((f * (k + 2)).sum() for k, f in enumerate(final))
    grads = torch.autograd.grad(loss, [x, *state, *cell.parameters()])
    return out.detach(), [f.detach() for f in final], grads
