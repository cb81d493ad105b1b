"""Running a cell over a whole sequence: the runners and the one place that chooses between them.

    choices.py    FAST_CHOICES, the runners a config may name (imports nothing: configs read it)
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
from rnnkit.lazy import lazy_names

__all__ = ["run_sequence", "plan_run", "Plan", "NATIVE_STACK", "Masks", "NO_MASKS", "needs_grad", "check_fast",
           "FAST_CHOICES", "lengths_mask", "run_loop", "run_fused", "run_native", "run_native_stack",
           "native_unsupported", "run_long_sequence", "run_scan"]
__getattr__, __dir__ = lazy_names(__name__, {
    "run_long_sequence": "chunked", "needs_grad": "contract", "FAST_CHOICES": "choices", "NATIVE_STACK": "dispatch",
    "Plan": "dispatch", "check_fast": "dispatch", "plan_run": "dispatch", "run_sequence": "dispatch",
    "run_fused": "fused", "run_loop": "loop", "NO_MASKS": "masks", "Masks": "masks", "lengths_mask": "masks",
    "native_unsupported": "native", "run_native": "native", "run_native_stack": "native", "run_scan": "scan"})
"""Imported on first use (rnnkit.lazy): a task config reads FAST_CHOICES without importing torch."""
