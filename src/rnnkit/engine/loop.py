"""The plain runner (fast="loop"): a Python loop over `cell.step` (and zoneout), differentiated by autograd.

The obvious code, slow but unquestionable: the fused and compiled runners are tested against it (and
it against the NumPy oracle in `rnnkit.reference`). The contract every runner follows (padding, masks
as inputs) is in `rnnkit.engine.contract`.
"""
from __future__ import annotations

import torch
from torch import Tensor

from ..cells.base import RecurrentCell, State
from .contract import keep_past_end
from .masks import NO_MASKS, Masks, alive_masks, zoneout, zoneout_at


def run_loop(cell: RecurrentCell, x: Tensor, state: State, lengths: Tensor | None = None,
             masks: Masks = NO_MASKS) -> tuple[Tensor, State]:
    """Run `cell` over time-major `x` (T, B, I) from `state`; returns outputs (T, B, H) and final state."""
    xp = cell.project_input(x)  # (T, B, G*H): one matmul for every step
    alive = alive_masks(lengths, x.shape[0], x)
    weight_hh = cell.weight_hh if masks.weight is None else cell.weight_hh * masks.weight  # DropConnect, under autograd
    outputs = []
    # unbind, not xp[t]: the backward of T indexings writes T full-size zero tensors (quadratic in T),
    # unbind's backward stacks the T step gradients once
    for t, xp_t in enumerate(xp.unbind(0)):
        new, _ = cell.step(xp_t, state, masks.recurrent, weight_hh)
        new = zoneout(new, state, zoneout_at(masks.zoneout, t))
        state, output = keep_past_end(new, state, None if alive is None else alive[t])
        outputs.append(output)
    return torch.stack(outputs), state  # (T, B, H)
