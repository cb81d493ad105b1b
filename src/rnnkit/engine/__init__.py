"""Running a cell over a whole sequence: the runners and the dispatch between them.

`run_sequence` is the one entry point layers call. `fast` picks the runner:
    "reference"  autograd through a Python loop over `cell.step` (the readable oracle)
    "fused"      one autograd.Function per sequence with the cell's hand-written `step_backward`
    "native"     torch's own kernels (`torch._VF.lstm/gru/rnn_*`) with our weights, where the math
                 is exactly torch's (see `rnnkit.engine.native`)
    "compiled"   the compiled per-step kernels of `rnnkit.engine.compiled`, where built and supported
    "auto"       the fastest path measured (benchmarks/RESULTS.md): torch's native kernel for a vanilla
                 LSTM without padding when no gradient is wanted (oneDNN's fused LSTM inference is hard
                 to beat); otherwise the compiled kernels where they support the cell (they beat native
                 LSTM training 1.1-2.5x, native GRU and SimpleRNN, which torch runs unfused on CPU, and
                 native's packed sequences when a batch has padding); else native for what is vanilla;
                 else fused.
An explicit choice that cannot serve the configuration raises ValueError naming the reason; "auto"
falls back quietly. Random masks (zoneout per step, weight drop per pass) are drawn here, once, from
the cell's `sample_zoneout` (with the compiled kernels' faster sampler where built, `mask_sampler`) /
`sample_weight_mask`, unless passed in, so every runner sees the same.
Long sequences (truncated BPTT, checkpointed chunks): `rnnkit.engine.chunked.run_long_sequence`.
"""
from __future__ import annotations

import importlib

import torch
from torch import Tensor

from ..cells import LSTMCell
from ..cells.base import RecurrentCell, State
from .fused import run_fused
from .loop import run_loop
from .native import native_unsupported, run_native, run_native_stack

FAST_CHOICES = ("auto", "fused", "native", "reference", "compiled")
_compiled_module = None
_compiled_error: str | None = None


def check_fast(fast: str) -> str:
    if fast not in FAST_CHOICES:
        raise ValueError(f"fast must be one of {FAST_CHOICES}, got {fast!r}")
    return fast


def load_compiled():
    """`rnnkit.engine.compiled`, imported on first need (it may build C++); None if unavailable."""
    global _compiled_module, _compiled_error
    if _compiled_module is None and _compiled_error is None:
        try:
            _compiled_module = importlib.import_module(f"{__name__}.compiled")
        except Exception as error:  # no module, no compiler, failed build: fall back
            _compiled_error = f"{type(error).__name__}: {error}"
    return _compiled_module


def compiled_unsupported(cell: RecurrentCell, recurrent_mask=None, zoneout_masks=None, weight_mask=None) -> str | None:
    """Why the compiled kernels cannot run this configuration, or None when they can."""
    module = load_compiled()
    if module is None:
        return f"the compiled kernels are not available ({_compiled_error})"
    try:  # `supports` refuses any option it does not implement (layer norm, cell_clip, projection, ...)
        if module.supports(cell):
            return None
    except Exception as error:
        return f"the compiled kernels failed to inspect the cell ({error})"
    return f"the compiled kernels do not support {cell!r}"


def select_runner(cell: RecurrentCell, fast: str = "auto", recurrent_mask=None, zoneout_masks=None,
                  weight_mask=None, padded: bool = False, needs_grad: bool = False) -> str:
    """The runner name `run_sequence` uses for this configuration; ValueError if `fast` cannot serve it.

    `padded`: the batch has sequences of different lengths (lengths given); `needs_grad`: a backward
    pass will follow (`wants_grad`)."""
    check_fast(fast)
    if fast in ("reference", "fused"):
        return fast
    native_reason = native_unsupported(cell, recurrent_mask, zoneout_masks, weight_mask)
    if fast == "native":
        if native_reason:
            raise ValueError(f"fast='native' cannot run this configuration: {native_reason}")
        return "native"
    if fast == "auto" and not native_reason and not padded and not needs_grad and isinstance(cell, LSTMCell):
        return "native"
    compiled_reason = compiled_unsupported(cell, recurrent_mask, zoneout_masks, weight_mask)
    if fast == "compiled" and compiled_reason:
        raise ValueError(f"fast='compiled' cannot run this configuration: {compiled_reason}")
    if not compiled_reason:
        return "compiled"
    return "native" if not native_reason else "fused"


def mask_sampler():
    """The fastest Bernoulli sampler for zoneout's masks: the compiled kernels' where built, else None
    (the cell's torch one). Every runner gets masks from the same one, so a seed fixes them for all."""
    module = load_compiled()
    return module.bernoulli_masks if module is not None else None


def wants_grad(module: torch.nn.Module, *tensors: Tensor) -> bool:
    """True when autograd will record a run: grad mode on and an input, a state or a weight requires grad."""
    return torch.is_grad_enabled() and any(t.requires_grad for t in (*tensors, *module.parameters()))


def _runner(name: str):
    if name == "compiled":
        return load_compiled().run_compiled
    return {"reference": run_loop, "fused": run_fused, "native": run_native}[name]


def _keeping_empty_rows(runner, cell, x, state, lengths, *rest):
    """Run `runner` where some rows have no step (chunked runs): they output zeros and keep their state."""
    empty = lengths == 0
    if not bool(empty.any()):
        return runner(cell, x, state, lengths, *rest)
    out, final = runner(cell, x, state, lengths.clamp(min=1), *rest)
    out = out * (~empty).to(out.dtype).view(1, -1, 1)  # (T, B, H)
    final = tuple(torch.where(empty.view(-1, 1), s, f) for s, f in zip(state, final))
    return out, final


def run_sequence(
    cell: RecurrentCell,
    x: Tensor,
    state: State,
    lengths: Tensor | None = None,
    recurrent_mask: Tensor | None = None,
    fast: str = "auto",
    *,
    zoneout_masks: tuple | None = None,
    weight_mask: Tensor | None = None,
) -> tuple[Tensor, State]:
    """Run `cell` over time-major `x` (T, B, I) from `state`: returns outputs (T, B, H_out), final state.

    zoneout_masks / weight_mask: pass them to fix the randomness (tests, recomputation); when None
    they are drawn from the cell's rates (training only for weight drop; zoneout uses its
    expectation in eval).
    """
    if zoneout_masks is None:
        zoneout_masks = cell.sample_zoneout(x.shape[0], x.shape[1], x, draw=mask_sampler())
    if weight_mask is None:
        weight_mask = cell.sample_weight_mask(x)
    name = select_runner(cell, fast, recurrent_mask, zoneout_masks, weight_mask, padded=lengths is not None,
                         needs_grad=wants_grad(cell, x, *state))
    if name == "compiled" and lengths is not None:
        return _keeping_empty_rows(_runner(name), cell, x, state, lengths, recurrent_mask, zoneout_masks, weight_mask)
    return _runner(name)(cell, x, state, lengths, recurrent_mask, zoneout_masks, weight_mask)


__all__ = ["run_sequence", "select_runner", "run_loop", "run_fused", "run_native", "run_native_stack",
           "native_unsupported", "compiled_unsupported", "mask_sampler", "wants_grad", "FAST_CHOICES", "check_fast"]
