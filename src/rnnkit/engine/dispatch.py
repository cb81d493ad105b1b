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
    "onnx"       export only (not in FAST_CHOICES: no config can train with it): the cell as ONE node of
                 ONNX's LSTM/GRU/RNN operator, traced by `torch.onnx.export` (`rnnkit.engine.onnx_node`)
    "auto"       the fastest path measured (benchmarks/RESULTS.md): the scan where it serves the cell;
                 torch's native kernel for a vanilla LSTM without padding when no gradient is wanted
                 (oneDNN's fused LSTM inference), and for vanilla LSTMs and GRUs large enough that the
                 compiled kernels' per-step reading of the weights costs more than torch's shared GEMMs
                 (`native_outruns_compiled`); else the compiled kernels where they serve the cell; else
                 native where the cell is torch's math; else fused.
An explicit choice that cannot serve the configuration raises ValueError naming the reason; "auto"
falls back quietly, and its `Plan.reason` says why it chose what it chose. Dtypes: every runner takes
the cell's dtype (the compiled kernels float32 and float64 only, so "auto" sends bfloat16 to native or
fused); an input or state in another dtype than the weights is refused in one line (`check_dtypes`).
A layer plans once per forward (`plan_run` over its cells) and hands each cell's runner to
`run_sequence(runner=...)`, which then runs it without planning or checking support again.
"""
from __future__ import annotations

from typing import NamedTuple, Sequence

from torch import Tensor

from ..cells import GRUCell, LSTMCell
from ..cells.base import RecurrentCell, State
from ..validation import check_choice
from . import compiled, native, scan
from .choices import FAST_CHOICES
from .contract import as_lengths, check_dtypes, keeping_empty_rows, needs_grad
from .fused import run_fused
from .loop import run_loop
from .masks import NO_MASKS, Masks
from .native import native_unsupported
from .onnx_node import onnx_unsupported, run_onnx

EXPORT_RUNNER = "onnx"  # set on a layer by `rnnkit.io.onnx_export` while it exports, never a user's choice
NATIVE_STACK = "native-stack"  # a whole layer (every layer and direction) in one torch call
# The runners as `run_sequence` calls them, once planned: the compiled, native and scan entries skip the
# check of `run_compiled` / `run_native` / `run_scan`, which the plan has just made.
RUNNERS = {"loop": run_loop, "fused": run_fused, "native": native.run_planned, "compiled": compiled.run_planned,
           "scan": scan.run_planned, "onnx": run_onnx}
NEED_A_STEP = ("native", "compiled")  # runners whose kernels cannot run a row with no step


# Where torch's native kernels outrun the compiled ones (benchmarks/large_hidden.py; figures in
# benchmarks/RESULTS.md): each thread of a compiled kernel runs its own batch rows through the whole
# sequence and so reads every weight matrix it multiplies per step (the LSTM kernels W_ih and W_hh, the
# GRU kernels W_hh: their input projection is one GEMM before the loop), while torch's kernels split
# one GEMM per step over the threads. From this many weights read per step on (LSTM: hidden 613 with
# input = hidden; GRU: hidden 1000), native is faster; the rule holds for LSTMs and GRUs, as measured.
NATIVE_FROM_WEIGHTS_PER_STEP = 3_000_000


def weights_per_step(cell: RecurrentCell) -> int:
    """How many weights a compiled kernel of this cell multiplies per step and thread."""
    if isinstance(cell, LSTMCell):
        return cell.weight_ih.numel() + cell.weight_hh.numel()
    return cell.weight_hh.numel()


def native_outruns_compiled(cell: RecurrentCell) -> str | None:
    """Why torch's native kernel is faster than the compiled kernels for this cell's size, or None."""
    limit = NATIVE_FROM_WEIGHTS_PER_STEP
    if type(cell) not in (LSTMCell, GRUCell) or weights_per_step(cell) < limit:
        return None
    return (f"{type(cell).__name__} reads {weights_per_step(cell):,} weights per step (>= {limit:,}), where torch's "
            f"native kernel outruns the compiled kernels")


class Plan(NamedTuple):
    """The runner that serves a run ("loop", "fused", "native", "compiled" or "native-stack") and why;
    for a layer's plan, `cells` holds the runner of each cell's run (indexed layer * D + direction)."""

    runner: str
    reason: str
    cells: tuple[str, ...] = ()


def check_fast(fast: str) -> str:
    if fast == "reference":  # the old name, easily read as the NumPy oracle in rnnkit.reference
        raise ValueError('fast="reference" was renamed fast="loop" (the autograd loop over the cell\'s step)')
    return check_choice("fast", fast, FAST_CHOICES)


def _plan_cell(cell: RecurrentCell, fast: str, masks: Masks, padded: bool, grad: bool, recurrent_dropout: bool) -> Plan:
    if fast == "fused" and not cell.has_step_backward:
        raise ValueError(f"fast='fused' needs the cell's hand-derived step_backward, which {type(cell).__name__} "
                         f"does not have: use fast='loop'")
    if fast in ("loop", "fused"):
        return Plan(fast, f"fast={fast!r}")
    if fast == EXPORT_RUNNER:
        onnx_reason = onnx_unsupported(cell, masks, recurrent_dropout=recurrent_dropout)
        if onnx_reason:
            raise ValueError(f"fast='onnx' cannot run this configuration: {onnx_reason}")
        return Plan("onnx", "fast='onnx'")
    scan_reason = scan.unsupported(cell, masks)
    if fast == "scan":
        if scan_reason:
            raise ValueError(f"fast='scan' cannot run this configuration: {scan_reason}")
        return Plan("scan", "fast='scan'")
    if fast == "auto" and not scan_reason:
        return Plan("scan", "auto: the gates do not read h(t-1): a scan over all steps")
    native_reason = native_unsupported(cell, masks, recurrent_dropout=recurrent_dropout)
    if fast == "native":
        if native_reason:
            raise ValueError(f"fast='native' cannot run this configuration: {native_reason}")
        return Plan("native", "fast='native'")
    if fast == "auto" and not native_reason:
        if not padded and not grad and isinstance(cell, LSTMCell):
            return Plan("native", "auto: LSTM inference without padding, where torch's native kernel is fastest")
        larger = native_outruns_compiled(cell)
        if larger:
            return Plan("native", f"auto: {larger}")
    compiled_reason = compiled.unsupported(cell)
    if fast == "compiled":
        if compiled_reason:
            raise ValueError(f"fast='compiled' cannot run this configuration: {compiled_reason}")
        return Plan("compiled", "fast='compiled'")
    if not compiled_reason:
        return Plan("compiled", "auto: the compiled kernels serve this cell")
    if not native_reason:
        return Plan("native", f"auto: {compiled_reason}; torch's native kernel computes the same")
    if not cell.has_step_backward:
        return Plan("loop", f"auto: {compiled_reason}; {native_reason}; no hand-derived step_backward")
    return Plan("fused", f"auto: {compiled_reason}; {native_reason}")


def plan_run(cells: RecurrentCell | Sequence[RecurrentCell], fast: str = "auto", masks: Masks = NO_MASKS, *,
             padded: bool = False, needs_grad: bool | Sequence[bool] = False, recurrent_dropout: bool = False,
             stack_blocker: str | None = None) -> Plan:
    """The runner for one cell's run, or for a layer's `cells` (indexed layer * D + direction).

    masks: the run's random masks (a layer passes none: its cells' zoneout and weight drop are read
    from the cells, and `recurrent_dropout` says that it will draw recurrent-dropout masks). padded:
    the batch has sequences of different lengths. needs_grad: a backward pass will follow
    (`rnnkit.engine.needs_grad`), one flag for all cells or one per cell. stack_blocker: why the layer
    around `cells` cannot be one native call whatever its cells (dropout drawn per layer, a merge
    torch does not have), or None when it can. A layer that cannot be one call runs each cell with
    `run_sequence(..., runner=plan.cells[index])`, which then does not plan again.
    """
    if fast != EXPORT_RUNNER:
        check_fast(fast)
    if isinstance(cells, RecurrentCell):
        return _plan_cell(cells, fast, masks, padded, bool(needs_grad), recurrent_dropout)
    grads = [needs_grad] * len(cells) if isinstance(needs_grad, bool) else list(needs_grad)
    plans = [_plan_cell(cell, fast, masks, padded, grad, recurrent_dropout) for cell, grad in zip(cells, grads)]
    runners = tuple(plan.runner for plan in plans)
    if all(runner == "native" for runner in runners):
        if stack_blocker is None:
            return Plan(NATIVE_STACK, f"{plans[0].reason}; every layer and direction in one torch call", runners)
        return Plan("native", f"{plans[0].reason}; per cell, as {stack_blocker}", runners)
    return plans[0]._replace(cells=runners)


def run_sequence(cell: RecurrentCell, x: Tensor, state: State, lengths: Tensor | None = None,
                 masks: Masks | None = None, fast: str = "auto", *, runner: str | None = None) -> tuple[Tensor, State]:
    """Run `cell` over time-major `x` (T, B, I) from `state`: returns outputs (T, B, H_out), final state.

    masks: fields left None are drawn here, once, from the cell's rates (zoneout with the compiled
    kernels' faster sampler where built; its expectation in eval; weight drop in training only), so
    every runner sees the same masks; pass them to fix the randomness (tests, recomputation).
    lengths (B,) in [0, T]: rows with length 0 output zeros and keep their state.
    runner: the runner a layer's plan already chose for this run (`Plan.cells`); None plans it here.
    """
    check_dtypes(cell, x, [state])
    masks = masks or NO_MASKS
    if masks.zoneout is None:
        masks = masks._replace(zoneout=cell.sample_zoneout(x.shape[0], x.shape[1], x, draw=compiled.bernoulli_masks))
    if masks.weight is None:
        masks = masks._replace(weight=cell.sample_weight_mask(x))
    if runner is None:
        runner = plan_run(cell, fast, masks, padded=lengths is not None, needs_grad=needs_grad(cell, x, *state)).runner
    run = RUNNERS[runner]
    if lengths is None:
        return run(cell, x, state, None, masks)
    lengths = as_lengths(lengths)
    if runner not in NEED_A_STEP:
        return run(cell, x, state, lengths, masks)

    def run_rows(steps: Tensor):
        out, final = run(cell, x, state, steps, masks)
        return out, [final]

    out, (final,) = keeping_empty_rows(run_rows, lengths, [state])
    return out, final
