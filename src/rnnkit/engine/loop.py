"""The plain runner: a Python loop over `cell.step`, differentiated by autograd.

This is the "reference" path of the engine: the obvious code, slow but unquestionable, which the
fused paths are tested against. Padding semantics (shared by every runner): for sequence b, steps
t >= lengths[b] leave the state unchanged and output zeros (torch's packed-sequence semantics).

Random masks are inputs, never drawn here, so every runner given the same masks computes the same
thing: `recurrent_mask` (B, R) per sequence, `zoneout_masks` (one (T, B, size) tensor or None per
state, from `cell.sample_zoneout`) and `weight_mask` (weight_hh's shape, from `cell.sample_weight_mask`).
"""
from __future__ import annotations

import torch
from torch import Tensor

from ..cells.base import RecurrentCell, State


def alive_masks(lengths: Tensor | None, steps: int, like: Tensor) -> Tensor | None:
    """(T, B, 1) masks, 1 where step t is inside sequence b, else 0; None without lengths."""
    if lengths is None:
        return None
    t = torch.arange(steps, device=like.device).unsqueeze(1)  # (T, 1)
    return (t < lengths.to(like.device).unsqueeze(0)).to(like.dtype).unsqueeze(-1)  # (T, B, 1)


def keep_past_end(new: State, state: State, alive_t: Tensor | None) -> tuple[State, Tensor]:
    """The padding semantics, written once: where alive_t (B, 1) is 0 the state stays and the output is 0.
    Returns (state after the step, the step's output)."""
    if alive_t is None:
        return new, new[0]
    new = tuple(torch.lerp(s, n, alive_t) for n, s in zip(new, state))
    return new, new[0] * alive_t


def step_masks(zoneout_masks, weight_hh: Tensor | None, t: int) -> dict:
    """The keyword masks for `cell.step` at step t (only those in use, so custom cells need not know them)."""
    masks = {}
    if zoneout_masks is not None:
        masks["zoneout_mask"] = tuple(None if m is None else m[t] for m in zoneout_masks)
    if weight_hh is not None:
        masks["weight_hh"] = weight_hh
    return masks


def run_loop(
    cell: RecurrentCell,
    x: Tensor,
    state: State,
    lengths: Tensor | None = None,
    recurrent_mask: Tensor | None = None,
    zoneout_masks: tuple | None = None,
    weight_mask: Tensor | None = None,
) -> tuple[Tensor, State]:
    """Run `cell` over time-major `x` (T, B, I) from `state`; returns outputs (T, B, H) and final state."""
    xp = cell.project_input(x)  # (T, B, G*H): one matmul for every step
    alive = alive_masks(lengths, x.shape[0], x)
    weight_hh = None if weight_mask is None else cell.weight_hh * weight_mask  # DropConnect, under autograd
    outputs = []
    for t in range(x.shape[0]):
        new = cell.step(xp[t], state, recurrent_mask, **step_masks(zoneout_masks, weight_hh, t))
        state, output = keep_past_end(new, state, None if alive is None else alive[t])
        outputs.append(output)
    return torch.stack(outputs), state  # (T, B, H)
