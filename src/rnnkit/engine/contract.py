"""What every runner promises and shares.

A runner is `runner(cell, x, state, lengths=None, masks=NO_MASKS) -> (outputs, final_state)`: it runs
`cell` over time-major `x` (T, B, I) from `state` (a tuple of (B, size) tensors) and returns outputs
(T, B, H) and the final state. Padding semantics, the same for every runner (torch's packed
sequences): for sequence b, steps t >= lengths[b] leave the state unchanged and output zeros.
The random masks (`rnnkit.engine.masks.Masks`) are inputs, never drawn by a runner.

Lengths reach the runners in one form (`as_lengths`), converted once per run. Rows with no step at all
(lengths[b] == 0: a sequence that ended before a chunk of a long run, or a row of a layer's mask that is
all padding) are handled here, once, for the runs whose kernels need at least one step
(`keeping_empty_rows`: the native and compiled runners and the native stack); the loop, fused and scan
runners read them as they read any padding.
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


def as_lengths(lengths) -> Tensor:
    """Lengths in the one form every runner reads: a contiguous int64 tensor on the CPU (torch's packed
    sequences and the compiled kernels read them there). Converted once per run, by the engine's entry
    points; a tensor already in that form is returned as it is."""
    return torch.as_tensor(lengths).to(device="cpu", dtype=torch.int64).contiguous()


def check_dtypes(cell: nn.Module, x: Tensor, states) -> None:
    """One line where the input or a state is not in the dtype of the cell's weights: no runner mixes them."""
    want = cell.weight_ih.dtype
    if x.dtype != want:
        raise ValueError(f"the input is {x.dtype} but the {type(cell).__name__}'s weights are {want}: convert the "
                         f"input (x.to({want})) or the model (model.to({x.dtype}))")
    for k, s in enumerate(t for state in states for t in state):
        if s.dtype != want:
            raise ValueError(f"initial state tensor {k} is {s.dtype} but the {type(cell).__name__}'s weights are "
                             f"{want}: convert it (state.to({want}))")


def keeping_empty_rows(run, lengths: Tensor, states: list[State]):
    """`run(lengths)` -> (outputs (T, B, F), [final state of each cell]) for a run whose kernels need a
    step in every row, where some rows (lengths == 0) have none: they run one step, then output zeros
    and keep their initial state (`states`, one per cell)."""
    empty = lengths == 0
    if not torch.compiler.is_exporting() and not bool(empty.any()):  # an exported graph keeps both cases
        return run(lengths)
    out, finals = run(lengths.clamp(min=1))
    rows = empty.to(out.device).view(-1, 1)  # (B, 1)
    out = out.masked_fill(rows.unsqueeze(0), 0.0)  # (T, B, F)
    finals = [tuple(torch.where(rows, s, f) for s, f in zip(start, final)) for start, final in zip(states, finals)]
    return out, finals
