"""The masks a run reads: which steps of a padded batch are real, and the random masks of one pass.

`lengths_mask` is the one mask-from-lengths helper every layer uses. The runners only know padding at
the end (`lengths`); a mask with padding anywhere (Keras' `pad_sequences` pads at the START by
default) is served by `compact_steps`: each row's real steps, in order, are moved to the front
(`gather_time`), the run sees post-padded sequences, and its outputs are moved back. Since padded
steps leave the state unchanged, running the compacted sequence is exactly running the sequence with
its padded steps skipped, on every runner. `Masks` bundles the random masks
(recurrent dropout, zoneout, weight drop) that travel together through every runner: they are drawn
once per pass (`rnnkit.engine.run_sequence`), never inside a runner, so every runner given the same
masks computes the same thing.
"""
from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor


def lengths_mask(lengths: Tensor, steps: int, device: torch.device | str | None = None) -> Tensor:
    """(B, T) bool, True where step t < lengths[b] (a real step of sequence b), False on padding."""
    device = lengths.device if device is None else device
    return torch.arange(steps, device=device).unsqueeze(0) < lengths.to(device).unsqueeze(1)


def steps_mask(steps: Tensor, T: int, device: torch.device | str | None = None) -> Tensor:
    """(B, T) bool real steps from either form a layer may be given: (B,) lengths or a (B, T) mask."""
    device = steps.device if device is None else device
    return steps.to(device).bool() if steps.dim() == 2 else lengths_mask(steps, T, device)


def prefix_lengths(mask: Tensor) -> Tensor | None:
    """The (B,) lengths of a (B, T) mask that marks a prefix of each row (padding at the end), else None."""
    mask = mask.bool()
    lengths = mask.sum(1)
    return lengths if torch.equal(lengths_mask(lengths, mask.shape[1]), mask) else None


def compact_steps(mask: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """For a (B, T) mask with real steps anywhere: (order, restore, lengths), each (B, T) / (B,).

    `gather_time(x, order)` moves each row's real steps, in their order, to the front (a stable sort
    of the padding flags); `gather_time(y, restore)` puts the outputs back where they came from, so
    the outputs of padded steps (which a post-padded run sets to zero) land on the padded steps.
    """
    mask = mask.bool()
    order = torch.sort((~mask).to(torch.uint8), dim=1, stable=True).indices  # (B, T) real steps first
    return order, order.argsort(1), mask.sum(1)


def gather_time(x: Tensor, index: Tensor) -> Tensor:
    """Time-major x (T, B, ...) reordered per row: out[t, b] = x[index[b, t], b]."""
    T = x.shape[0]
    index = index.t().to(x.device).reshape(T, -1, *([1] * (x.dim() - 2))).expand_as(x)
    return x.gather(0, index)


def alive_masks(lengths: Tensor | None, steps: int, like: Tensor) -> Tensor | None:
    """(T, B, 1) in like's dtype, 1 where step t is inside sequence b, else 0; None without lengths."""
    if lengths is None:
        return None
    return lengths_mask(lengths, steps, like.device).t().to(like.dtype).unsqueeze(-1)  # (T, B, 1)


class Masks(NamedTuple):
    """The random masks of one pass over a sequence; None where a mask is not in use.

    recurrent  (B, R) variational recurrent dropout on h(t-1) where it enters the recurrent matmul
               (Gal & Ghahramani 2016: one mask per sequence, reused at every step)
    zoneout    one (T, B, size) tensor or None per state tensor (`cell.sample_zoneout`)
    weight     weight drop's DropConnect mask, weight_hh's shape (`cell.sample_weight_mask`)
    """

    recurrent: Tensor | None = None
    zoneout: tuple | None = None
    weight: Tensor | None = None


NO_MASKS = Masks()


def zoneout_at(zoneout: tuple | None, t: int) -> tuple | None:
    """Zoneout's masks d_t of step t, one per state tensor (None: that tensor has no rate)."""
    return None if zoneout is None else tuple(None if m is None else m[t] for m in zoneout)


def zoneout(new: tuple, state: tuple, d: tuple | None) -> tuple:
    """Zoneout (Krueger et al. 2016) on a step's new state: s_t = d_t ⊙ s_{t-1} + (1 - d_t) ⊙ s~_t."""
    if d is None:
        return new
    return tuple(n if m is None else torch.lerp(n, s, m) for n, s, m in zip(new, state, d))


def zoneout_backward(step_backward, cache, grad_state: tuple, d: tuple | None):
    """The gradient of `zoneout(cell.step(...))` from the cell's own `step_backward`: s~_t receives
    (1 - d_t) of dL/ds_t, and s_{t-1} d_t of it besides what flows through the cell."""
    if d is None:
        return step_backward(cache, grad_state)
    into_step = tuple(g if m is None else g * (1 - m) for g, m in zip(grad_state, d))
    dxp, grad_prev, grads = step_backward(cache, into_step)
    grad_prev = tuple(p if m is None else p + g * m for p, g, m in zip(grad_prev, grad_state, d))
    return dxp, grad_prev, grads
