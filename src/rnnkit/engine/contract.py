"""What every runner promises and shares.

A runner is `runner(cell, x, state, lengths=None, masks=NO_MASKS) -> (outputs, final_state)`: it runs
`cell` over time-major `x` (T, B, I) from `state` (a tuple of (B, size) tensors) and returns outputs
(T, B, H) and the final state. Padding semantics, the same for every runner (torch's packed
sequences): for sequence b, steps t >= lengths[b] leave the state unchanged and output zeros.
The random masks (`rnnkit.engine.masks.Masks`) are inputs, never drawn by a runner.

Rows with no step at all (lengths[b] == 0: a sequence that ended before a chunk of a long run) are
handled here, once, for the runners whose kernels need at least one step (`keeping_empty_rows`).
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from ..cells.base import State


def needs_grad(module: nn.Module, *tensors: Tensor) -> bool:
    """True when autograd will record a run: grad mode on and an input, a state or a weight requires grad.
    Runners then keep what backward needs; without it they skip it (and "auto" may pick inference kernels)."""
    return torch.is_grad_enabled() and any(t.requires_grad for t in (*tensors, *module.parameters()))


def keep_past_end(new: State, state: State, alive_t: Tensor | None) -> tuple[State, Tensor]:
    """The padding semantics, written once: where alive_t (B, 1) is 0 the state stays and the output is 0.
    Returns (state after the step, the step's output)."""
    if alive_t is None:
        return new, new[0]
    new = tuple(torch.lerp(s, n, alive_t) for n, s in zip(new, state))
    return new, new[0] * alive_t


def keeping_empty_rows(runner, cell, x: Tensor, state: State, lengths: Tensor, masks):
    """`runner` where some rows may have no step: they output zeros and keep their state."""
    empty = lengths.to(x.device) == 0
    if not bool(empty.any()):
        return runner(cell, x, state, lengths, masks)
    out, final = runner(cell, x, state, lengths.clamp(min=1), masks)
    out = out * (~empty).to(out.dtype).view(1, -1, 1)  # (T, B, H)
    final = tuple(torch.where(empty.view(-1, 1), s, f) for s, f in zip(state, final))
    return out, final
