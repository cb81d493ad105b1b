"""Which runner serves a run, decided in one place (`plan_run`), which says why; `run_sequence` runs it.

`fast` names the runner:
    "loop"       autograd through a Python loop over `cell.step` (the readable one; `rnnkit.engine.loop`)
    "fused"      one autograd.Function per sequence with the cell's hand-written `step_backward`
    "native"     torch's own kernels (`torch._VF.lstm/gru/rnn_*`) with our weights, where the math is
                 exactly torch's (`rnnkit.engine.native`); a layer whose every cell qualifies runs all
                 its layers and directions in one call ("native-stack")
    "compiled"   the compiled per-step kernels (`rnnkit.engine.compiled`), where built and supported
    "scan"       the scan over all steps (`rnnkit.engine.scan`) for cells whose gates do not read
                 h(t-1) (minGRU, minLSTM)
    "auto"       the fastest path measured (benchmarks/RESULTS.md): the scan where it serves the cell;
                 torch's native kernel for a vanilla LSTM without padding when no gradient is wanted
                 (oneDNN's fused LSTM inference); else the compiled kernels where they serve the cell;
                 else native where the cell is torch's math; else fused.
An explicit choice that cannot serve the configuration raises ValueError naming the reason; "auto"
falls back quietly, and its `Plan.reason` says why it chose what it chose.
"""
from __future__ import annotations

from typing import NamedTuple, Sequence

from torch import Tensor

from ..cells import LSTMCell
from ..cells.base import RecurrentCell, State
from ..validation import check_choice
from . import compiled, scan
from .contract import keeping_empty_rows, needs_grad
from .fused import run_fused
from .loop import run_loop
from .masks import NO_MASKS, Masks
from .native import native_unsupported, run_native

FAST_CHOICES = ("auto", "loop", "fused", "native", "compiled", "scan")
NATIVE_STACK = "native-stack"  # a whole layer (every layer and direction) in one torch call
RUNNERS = {"loop": run_loop, "fused": run_fused, "native": run_native, "compiled": compiled.run_compiled,
           "scan": scan.run_scan}
NEED_A_STEP = ("native", "compiled")  # runners whose kernels cannot run a row with no step


class Plan(NamedTuple):
    """The runner that serves a run ("loop", "fused", "native", "compiled" or "native-stack") and why."""

    runner: str
    reason: str


def check_fast(fast: str) -> str:
    if fast == "reference":  # the old name, easily read as the NumPy oracle in rnnkit.reference
        raise ValueError('fast="reference" was renamed fast="loop" (the autograd loop over the cell\'s step)')
    return check_choice("fast", fast, FAST_CHOICES)


def _plan_cell(cell: RecurrentCell, fast: str, masks: Masks, padded: bool, grad: bool) -> Plan:
    if fast in ("loop", "fused"):
        return Plan(fast, f"fast={fast!r}")
    scan_reason = scan.unsupported(cell, masks)
    if fast == "scan":
        if scan_reason:
            raise ValueError(f"fast='scan' cannot run this configuration: {scan_reason}")
        return Plan("scan", "fast='scan'")
    if fast == "auto" and not scan_reason:
        return Plan("scan", "auto: the gates do not read h(t-1): a scan over all steps")
    native_reason = native_unsupported(cell, masks)
    if fast == "native":
        if native_reason:
            raise ValueError(f"fast='native' cannot run this configuration: {native_reason}")
        return Plan("native", "fast='native'")
    if fast == "auto" and not native_reason and not padded and not grad and isinstance(cell, LSTMCell):
        return Plan("native", "auto: LSTM inference without padding, where torch's native kernel is fastest")
    compiled_reason = compiled.unsupported(cell)
    if fast == "compiled":
        if compiled_reason:
            raise ValueError(f"fast='compiled' cannot run this configuration: {compiled_reason}")
        return Plan("compiled", "fast='compiled'")
    if not compiled_reason:
        return Plan("compiled", "auto: the compiled kernels serve this cell")
    if not native_reason:
        return Plan("native", f"auto: {compiled_reason}; torch's native kernel computes the same")
    return Plan("fused", f"auto: {compiled_reason}; {native_reason}")


def plan_run(cells: RecurrentCell | Sequence[RecurrentCell], fast: str = "auto", masks: Masks = NO_MASKS, *,
             padded: bool = False, needs_grad: bool = False, stack_blocker: str | None = None) -> Plan:
    """The runner for one cell's run, or for a layer's `cells` (indexed layer * D + direction).

    masks: the run's random masks (a layer passes none: its cells' zoneout and weight drop are read
    from the cells). padded: the batch has sequences of different lengths. needs_grad: a backward pass
    will follow (`rnnkit.engine.needs_grad`). stack_blocker: why the layer around `cells` cannot be one
    native call whatever its cells (dropout drawn per layer, a merge torch does not have, chunks), or
    None when it can. A layer that cannot be one call runs each cell with `run_sequence`, which plans
    that cell's run with its own masks and gradient needs.
    """
    check_fast(fast)
    if isinstance(cells, RecurrentCell):
        return _plan_cell(cells, fast, masks, padded, needs_grad)
    plans = [_plan_cell(cell, fast, masks, padded, needs_grad) for cell in cells]
    if all(plan.runner == "native" for plan in plans):
        if stack_blocker is None:
            return Plan(NATIVE_STACK, f"{plans[0].reason}; every layer and direction in one torch call")
        return Plan("native", f"{plans[0].reason}; per cell, as {stack_blocker}")
    return plans[0]


def run_sequence(cell: RecurrentCell, x: Tensor, state: State, lengths: Tensor | None = None,
                 masks: Masks | None = None, fast: str = "auto") -> tuple[Tensor, State]:
    """Run `cell` over time-major `x` (T, B, I) from `state`: returns outputs (T, B, H_out), final state.

    masks: fields left None are drawn here, once, from the cell's rates (zoneout with the compiled
    kernels' faster sampler where built; its expectation in eval; weight drop in training only), so
    every runner sees the same masks; pass them to fix the randomness (tests, recomputation).
    lengths (B,) in [0, T]: rows with length 0 output zeros and keep their state.
    """
    masks = masks or NO_MASKS
    if masks.zoneout is None:
        masks = masks._replace(zoneout=cell.sample_zoneout(x.shape[0], x.shape[1], x, draw=compiled.bernoulli_masks))
    if masks.weight is None:
        masks = masks._replace(weight=cell.sample_weight_mask(x))
    plan = plan_run(cell, fast, masks, padded=lengths is not None, needs_grad=needs_grad(cell, x, *state))
    runner = RUNNERS[plan.runner]
    if plan.runner in NEED_A_STEP and lengths is not None:
        return keeping_empty_rows(runner, cell, x, state, lengths, masks)
    return runner(cell, x, state, lengths, masks)
