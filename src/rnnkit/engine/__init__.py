"""Running a cell over a whole sequence: the autograd loop, the fused BPTT path, and dispatch.

`run_sequence` is the one entry point layers call. `fast` picks the runner:
    "reference"  autograd through a Python loop over `cell.step` (the readable oracle)
    "fused"      one autograd.Function per sequence with the cell's hand-written `step_backward`
    "auto"       the fastest runner that supports the cell and its options
An explicit choice that cannot serve the configuration raises ValueError; "auto" falls back quietly.
"""
from __future__ import annotations

from torch import Tensor

from ..cells.base import RecurrentCell, State
from .bptt import run_fused
from .loop import run_loop

RUNNERS = {"reference": run_loop, "fused": run_fused}
FAST_CHOICES = ("auto", *RUNNERS)


def check_fast(fast: str) -> str:
    if fast not in FAST_CHOICES:
        raise ValueError(f"fast must be one of {FAST_CHOICES}, got {fast!r}")
    return fast


def run_sequence(
    cell: RecurrentCell,
    x: Tensor,
    state: State,
    lengths: Tensor | None = None,
    recurrent_mask: Tensor | None = None,
    fast: str = "auto",
) -> tuple[Tensor, State]:
    """Run `cell` over time-major `x` (T, B, I) from `state`: returns outputs (T, B, H_out), final state."""
    check_fast(fast)
    runner = RUNNERS["fused" if fast == "auto" else fast]
    return runner(cell, x, state, lengths, recurrent_mask)


__all__ = ["run_sequence", "run_loop", "run_fused", "FAST_CHOICES", "check_fast"]
