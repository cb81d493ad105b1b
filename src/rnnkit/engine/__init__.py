"""Running a cell over a whole sequence: the runners and the one place that chooses between them.

    dispatch.py   `plan_run`: which runner serves a run or a layer, and why (a `Plan`); `run_sequence`,
                  the one entry point layers call, draws the random masks, plans and runs
    masks.py      `lengths_mask` (which steps are real) and `Masks` (the random masks of one pass)
    contract.py   what every runner shares: padding semantics, `needs_grad`, rows with no step
    loop.py       fast="loop": autograd through a Python loop over `cell.step`
    fused.py      fast="fused": one autograd.Function per sequence over the cell's `step_backward`
    native.py     fast="native": torch's own kernels where the math is exactly torch's
    compiled.py   fast="compiled": the C++ kernels of `csrc/`, built and loaded by kernels.py
    scan.py       fast="scan": cells whose gates do not read h(t-1), over all steps at once (Heinsen's
                  log-space scan, or one fused multiply-add per step on the CPU)
    chunked.py    long sequences: truncated BPTT and checkpointed chunks (`run_long_sequence`)
    mlstm_forms.py the mLSTM's parallel and chunkwise forms (`run_mlstm`), which the `MLSTM` layer runs
"""
from __future__ import annotations

from .chunked import run_long_sequence
from .contract import needs_grad
from .dispatch import FAST_CHOICES, NATIVE_STACK, Plan, check_fast, plan_run, run_sequence
from .fused import run_fused
from .loop import run_loop
from .masks import NO_MASKS, Masks, lengths_mask
from .native import native_unsupported, run_native, run_native_stack
from .scan import run_scan

__all__ = ["run_sequence", "plan_run", "Plan", "NATIVE_STACK", "Masks", "NO_MASKS", "needs_grad", "check_fast",
           "FAST_CHOICES", "lengths_mask", "run_loop", "run_fused", "run_native", "run_native_stack",
           "native_unsupported", "run_long_sequence", "run_scan"]
