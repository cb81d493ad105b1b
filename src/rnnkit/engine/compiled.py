"""The compiled fused path: C++ per-sequence kernels with vectorised gate math, built just in time.

`csrc/` (one C++ file per cell family, shared helpers in `common.h`, the Python module in `bindings.cpp`)
holds one forward and one backward function per hot cell (LSTM with
peepholes, GRU reset-after and reset-before, SimpleRNN tanh/relu, and the layer-normalised LSTM and
GRU of haste's LayerNormLSTM), each with recurrent dropout, weight drop and zoneout (the masks of
`RecurrentCell.sample_zoneout`). Each runs a whole sequence: the input projections of all steps in one
GEMM, per step one GEMM with weight_hh and ONE vectorised pass over the gates (`at::vec::Vectorized`
exp/tanh, as torch's own CPU kernels; with layer norm the pass also holds the row reductions of LN),
and after the backward loop the weight gradients as single large GEMMs. Every kernel but the
reset-before GRU splits the batch over threads, each thread running the whole time loop on its rows
(batch rows never interact in the recurrence: no barrier per step), and calls oneDNN's brgemm
micro-kernel (`at::native::cpublas::brgemm`, float) for its per-step GEMMs; the LSTM kernels project
W_ih x_t per step too, so their inference keeps no (T, B, 4H) buffer. BLAS where brgemm is unavailable
or for float64. The layer-norm LSTM kernels
normalise W_ih x_t inside that per-step pass too (its backward and the gains' gradients inside the
backward pass); the layer-norm GRU hands its kernels the input projection `cell.project_input(x)`
(LN over all steps, one batched op before the loop, differentiated by autograd) instead of x. This module builds it with
`torch.utils.cpp_extension.load` on first use (about a minute, once), caches the build under
`$TORCH_EXTENSIONS_DIR` or `~/.cache/rnnkit/torch_extensions` in a folder named by torch's version,
the instruction set and a hash of the sources (an edited source builds afresh beside the old build,
which a running process may still have loaded; torch's file lock guards concurrent builds), and wraps
it in a `torch.autograd.Function` with the contract of `rnnkit.engine.bptt.run_fused`.

Where no compiler is present or the build fails, `available()` is False (logged once) and callers
fall back to the pure-torch fused path. `RNNKIT_NO_COMPILE=1` switches the compiled path off;
`RNNKIT_CPU_CAPABILITY=avx2|avx512|default` overrides the instruction set (default: torch's own).
"""
from __future__ import annotations

import hashlib
import logging
import os
import threading
from pathlib import Path

import torch
from torch import Tensor

from ..cells.base import RecurrentCell, State
from ..cells.base import bernoulli_masks as cell_bernoulli_masks
from ..cells.gru import GRUCell
from ..cells.lstm import LSTMCell
from ..cells.norm import EPS
from ..cells.simple import SimpleRNNCell

log = logging.getLogger(__name__)

CSRC = Path(__file__).with_name("csrc")
# One translation unit per cell family plus the bindings; the headers (common.h, kernels.h) only enter the digest.
SOURCES = [CSRC / name for name in ("lstm.cpp", "gru.cpp", "simple_rnn.cpp", "masks.cpp", "bindings.cpp")]

# Compiler flags per instruction set, as torch builds its own CPU kernels (aten/src/ATen/native/cpu).
CAPABILITY_FLAGS = {
    "avx512": ["-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq", "-mfma", "-DCPU_CAPABILITY=AVX512",
               "-DCPU_CAPABILITY_AVX512"],
    "avx2": ["-mavx2", "-mfma", "-mf16c", "-DCPU_CAPABILITY=AVX2", "-DCPU_CAPABILITY_AVX2"],
    "default": ["-DCPU_CAPABILITY=DEFAULT"],
}

_lock = threading.Lock()
_module = None
_failure: str | None = None


def cpu_capability() -> str:
    """The instruction set the kernels are built for: torch's choice unless RNNKIT_CPU_CAPABILITY says."""
    chosen = os.environ.get("RNNKIT_CPU_CAPABILITY") or torch.backends.cpu.get_cpu_capability()
    chosen = chosen.lower()
    return chosen if chosen in CAPABILITY_FLAGS else "default"


def source_digest() -> str:
    """A short hash of the C++ sources and headers: part of the build's name, so an edit never reuses a stale build."""
    digest = hashlib.sha256()
    for path in sorted(CSRC.glob("*.cpp")) + sorted(CSRC.glob("*.h")):  # every file, named: a rename rebuilds too
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def build_directory() -> Path:
    base = os.environ.get("TORCH_EXTENSIONS_DIR")
    root = Path(base) if base else Path.home() / ".cache" / "rnnkit" / "torch_extensions"
    tag = torch.__version__.split("+")[0].replace(".", "_")
    return root / f"rnnkit_kernels_torch{tag}_{cpu_capability()}_{source_digest()}"


def _build():
    from torch.utils import cpp_extension  # imported late: it is slow and needs setuptools

    cap = cpu_capability()
    directory = build_directory()
    directory.mkdir(parents=True, exist_ok=True)
    log.info("rnnkit: building the compiled RNN kernels (%s) in %s, once; this takes about a minute", cap, directory)
    return cpp_extension.load(
        name=f"rnnkit_kernels_{cap}_{source_digest()}",
        sources=[str(path) for path in SOURCES],
        extra_cflags=["-O3", "-fopenmp", *CAPABILITY_FLAGS[cap]],
        extra_ldflags=["-fopenmp"],
        build_directory=str(directory),
        verbose=False,
    )


def load():
    """The extension module, building it on first call; None (and a logged reason) if it cannot build."""
    global _module, _failure
    if _module is not None or _failure is not None:
        return _module
    with _lock:
        if _module is not None or _failure is not None:
            return _module
        if os.environ.get("RNNKIT_NO_COMPILE", "") not in ("", "0"):
            _failure = "switched off by RNNKIT_NO_COMPILE"
        else:
            try:
                _module = _build()
            except Exception as error:  # no compiler, no ninja, a failed build: fall back, say why once
                _failure = f"{type(error).__name__}: {str(error).strip().splitlines()[-1] if str(error).strip() else ''}"
                log.warning("rnnkit: compiled RNN kernels unavailable (%s); using the pure-torch fused path", _failure)
    return _module


def available() -> bool:
    """True if the compiled kernels are built (or build now) and loadable."""
    return load() is not None


def unavailable_reason() -> str | None:
    load()
    return _failure


# ---- which cells and options the kernels serve -------------------------------------------------------
# Options the kernels implement (any value) per cell class; every other option must be "off"
# (False, 0, None) for `supports` to say yes, so a new option never silently runs the wrong math.
SERVED_OPTIONS = {
    LSTMCell: {"input_size", "hidden_size", "peephole", "unit_forget_bias", "layer_norm", "weight_drop", "zoneout_h",
               "zoneout_c"},
    GRUCell: {"input_size", "hidden_size", "reset_after", "layer_norm", "weight_drop", "zoneout"},
    SimpleRNNCell: {"input_size", "hidden_size", "activation", "zoneout"},
}


def supports(cell: RecurrentCell) -> bool:
    """True if `run_compiled` can run this cell with exactly its math (and the kernels are built)."""
    served = SERVED_OPTIONS.get(type(cell))  # exact class: a subclass may change the step
    if served is None:
        return False
    for name, value in cell.get_config().items():
        if name not in served and value not in (False, 0, 0.0, None):
            return False
    if isinstance(cell, SimpleRNNCell) and cell.activation not in ("tanh", "relu"):
        return False
    w = cell.weight_ih
    if w.device.type != "cpu" or w.dtype not in (torch.float32, torch.float64):
        return False
    return available()


# ---- zoneout's masks -------------------------------------------------------------------------------
def bernoulli_masks(shape, rate: float, like: Tensor, generator: torch.Generator | None = None) -> Tensor:
    """`rnnkit.cells.base.bernoulli_masks` drawn by the kernels' counter-based generator (SplitMix64, in
    parallel): the same contract, about 4x faster on CPU. One seed comes from torch's generator, so
    `torch.manual_seed` / `generator` fix the masks; other devices fall back to torch."""
    ext = load()
    if ext is None or like.device.type != "cpu" or like.dtype not in (torch.float32, torch.float64):
        return cell_bernoulli_masks(shape, rate, like, generator)
    seed = int(torch.randint(0, 2**62, (), generator=generator))
    return ext.bernoulli_masks(torch.empty(shape, dtype=like.dtype), float(rate), seed)


# ---- the autograd.Function -------------------------------------------------------------------------
def _kind(cell: RecurrentCell) -> str:
    if isinstance(cell, LSTMCell):
        return "lstm_ln" if cell.layer_norm else "lstm"
    if isinstance(cell, GRUCell):
        return "gru_ln" if cell.layer_norm else "gru_after" if cell.reset_after else "gru_before"
    return "simple"


def _takes_projection(cell: RecurrentCell) -> bool:
    """The layer-norm GRU: its kernels take xp = cell.project_input(x) (its LN over all steps is one
    batched op before the loop, differentiated by autograd) instead of x, weight_ih and bias. (The
    layer-norm LSTM kernels take x and normalise W_ih x_t inside their per-step pass.)"""
    return isinstance(cell, GRUCell) and cell.layer_norm


class _CompiledSequence(torch.autograd.Function):
    @staticmethod
    def forward(ctx, cell, x, lengths, recurrent_mask, weight_mask, zoneout, keep, n_state, *tensors):
        """x: the input (T, B, I), or its projection (T, B, G*H) for the layer-norm GRU (`_takes_projection`);
        zoneout: one (T, B, size) mask or None per state tensor (see `_zoneout_inputs`); keep: save what
        backward needs (False: no gradient is wanted, and the LSTM kernels skip the per-step history)."""
        ext = load()
        kind = _kind(cell)
        zone = list(zoneout) if zoneout is not None else [None] * n_state
        state = [s.contiguous() for s in tensors[:n_state]]
        params = dict(zip([n for n, _ in cell.named_parameters()], tensors[n_state:]))
        w_hh = params["weight_hh"] if weight_mask is None else params["weight_hh"] * weight_mask  # DropConnect
        w_hh, w_ih, bias = w_hh.contiguous(), params["weight_ih"].contiguous(), params["bias"].contiguous()
        x = x.contiguous()
        if kind in ("lstm", "lstm_ln"):
            peep = torch.stack((params["weight_ci"], params["weight_cf"], params["weight_co"])) if cell.peephole else None
            ctx.peep = peep
        if kind == "lstm_ln":
            ctx.ln = {n: params[n].contiguous() for n in ("ln_ih_gain", "ln_hh_gain", "ln_c_gain", "ln_c_bias")}
            out, *saved = ext.lstm_ln_forward(x, state[0], state[1], w_ih, ctx.ln["ln_ih_gain"], bias, w_hh,
                                              ctx.ln["ln_hh_gain"], ctx.ln["ln_c_gain"], ctx.ln["ln_c_bias"], peep,
                                              lengths, recurrent_mask, zone[0], zone[1], EPS, keep)
            final = (saved[0][-1].clone(), saved[1][(x.shape[0] - 1) % saved[1].shape[0]].clone())  # C: ring if not keep
        elif kind == "gru_ln":
            out, *saved = ext.gru_ln_forward(x, state[0], w_hh, params["ln_hh_gain"].contiguous(),
                                             params["bias_hh"].contiguous(), lengths, recurrent_mask, zone[0], EPS, keep)
            final = (saved[0][-1].clone(),)
        elif kind == "lstm":
            out, *saved = ext.lstm_forward(x, state[0], state[1], w_ih, w_hh, bias, peep, lengths, recurrent_mask,
                                           zone[0], zone[1], keep)
            hs, cs = saved[0], saved[1]
            final = (hs[-1].clone(), cs[(x.shape[0] - 1) % cs.shape[0]].clone())  # C: a ring of two if not keep
        elif kind == "gru_after":
            out, *saved = ext.gru_after_forward(x, state[0], w_ih, w_hh, bias, params["bias_hh"].contiguous(), lengths,
                                                recurrent_mask, zone[0])
            final = (saved[0][-1].clone(),)
        elif kind == "gru_before":
            out, *saved = ext.gru_before_forward(x, state[0], w_ih, w_hh, bias, lengths, recurrent_mask, zone[0])
            final = (saved[0][-1].clone(),)
        else:
            out, *saved = ext.simple_forward(x, state[0], w_ih, w_hh, bias, cell.activation == "relu", lengths,
                                             recurrent_mask, zone[0])
            final = (saved[0][-1].clone(),)
        ctx.kind, ctx.cell, ctx.n_state = kind, cell, n_state
        ctx.ln_gains = tuple(params[n].contiguous() for n in ("ln_hh_gain", "ln_c_gain") if n in params)
        ctx.lengths, ctx.recurrent_mask, ctx.weight_mask, ctx.zone = lengths, recurrent_mask, weight_mask, zone
        ctx.param_names = list(params)
        if keep:
            ctx.save_for_backward(x, w_ih, w_hh, *state, *saved)
        return (out, *final)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_out, *grad_final):
        ext = load()
        x, w_ih, w_hh, *rest = ctx.saved_tensors
        state, saved = rest[: ctx.n_state], rest[ctx.n_state :]
        T, B = x.shape[0], x.shape[1]
        sizes = ctx.cell.state_sizes
        grad_out = x.new_zeros(T, B, sizes[0]) if grad_out is None else grad_out.contiguous()
        grad_final = [x.new_zeros(B, size) if g is None else g.contiguous() for g, size in zip(grad_final, sizes)]
        need_x = ctx.needs_input_grad[1]
        lengths, mask, zone = ctx.lengths, ctx.recurrent_mask, ctx.zone
        grads: dict[str, Tensor] = {}
        if ctx.kind == "lstm_ln":
            ln = ctx.ln
            (gx, gh0, gc0, grads["weight_ih"], grads["weight_hh"], grads["ln_ih_gain"], grads["bias"],
             grads["ln_hh_gain"], grads["ln_c_gain"], grads["ln_c_bias"], gpeep) = ext.lstm_ln_backward(
                x, state[0], state[1], w_ih, ln["ln_ih_gain"], w_hh, ln["ln_hh_gain"], ln["ln_c_gain"], ctx.peep,
                lengths, mask, *saved, zone[0], zone[1], grad_out, grad_final[0], grad_final[1], need_x)
            if gpeep is not None:
                grads["weight_ci"], grads["weight_cf"], grads["weight_co"] = gpeep.unbind(0)
            grad_state = (gh0, gc0)
        elif ctx.kind == "gru_ln":
            gx, gh0, grads["weight_hh"], grads["bias_hh"], grads["ln_hh_gain"] = ext.gru_ln_backward(
                state[0], w_hh, ctx.ln_gains[0], lengths, mask, *saved, zone[0], grad_out, grad_final[0])
            grad_state = (gh0,)
        elif ctx.kind == "lstm":
            hs, cs, gates, tcs, craw = saved
            gx, gh0, gc0, grads["weight_ih"], grads["weight_hh"], grads["bias"], gpeep = ext.lstm_backward(
                x, state[0], state[1], w_ih, w_hh, ctx.peep, lengths, mask, hs, cs, gates, tcs, zone[0], zone[1],
                craw, grad_out, grad_final[0], grad_final[1], need_x)
            if gpeep is not None:
                grads["weight_ci"], grads["weight_cf"], grads["weight_co"] = gpeep.unbind(0)
            grad_state = (gh0, gc0)
        elif ctx.kind == "gru_after":
            hs, gates, hn = saved
            gx, gh0, grads["weight_ih"], grads["weight_hh"], grads["bias"], grads["bias_hh"] = ext.gru_after_backward(
                x, state[0], w_ih, w_hh, lengths, mask, hs, gates, hn, zone[0], grad_out, grad_final[0], need_x)
            grad_state = (gh0,)
        elif ctx.kind == "gru_before":
            hs, gates, rh = saved
            gx, gh0, grads["weight_ih"], grads["weight_hh"], grads["bias"] = ext.gru_before_backward(
                x, state[0], w_ih, w_hh, lengths, mask, hs, gates, rh, zone[0], grad_out, grad_final[0], need_x)
            grad_state = (gh0,)
        else:
            hs, hraw = saved
            gx, gh0, grads["weight_ih"], grads["weight_hh"], grads["bias"] = ext.simple_backward(
                x, state[0], w_ih, w_hh, ctx.cell.activation == "relu", lengths, mask, hs, zone[0], hraw, grad_out,
                grad_final[0], need_x)
            grad_state = (gh0,)
        if ctx.weight_mask is not None:
            grads["weight_hh"] = grads["weight_hh"] * ctx.weight_mask  # chain rule through W ⊙ M
        return (None, gx, None, None, None, None, None, None, *grad_state, *(grads.get(n) for n in ctx.param_names))


def _zoneout_inputs(cell: RecurrentCell, zoneout_masks: tuple | None, x: Tensor) -> tuple | None:
    """The masks as the kernels read them: per state tensor None or a (T, B, size) tensor of x's dtype
    whose last dimension is contiguous or a broadcast constant (the eval expectation stays unexpanded)."""
    if zoneout_masks is None or all(m is None for m in zoneout_masks):
        return None
    sizes = cell.state_sizes
    if len(zoneout_masks) != len(sizes):
        raise ValueError(f"zoneout_masks must have one entry per state tensor ({len(sizes)}), got {len(zoneout_masks)}")
    masks = []
    for k, (m, size) in enumerate(zip(zoneout_masks, sizes)):
        if m is None:
            masks.append(None)
            continue
        if tuple(m.shape) != (x.shape[0], x.shape[1], size):
            raise ValueError(f"zoneout_masks[{k}] must have shape {(x.shape[0], x.shape[1], size)}, got {tuple(m.shape)}")
        m = m.to(device="cpu", dtype=x.dtype)
        masks.append(m if m.stride(-1) in (0, 1) else m.contiguous())  # (T, B, size)
    return tuple(masks)


def run_compiled(
    cell: RecurrentCell,
    x: Tensor,
    state: State,
    lengths: Tensor | None = None,
    recurrent_mask: Tensor | None = None,
    zoneout_masks: tuple | None = None,
    weight_mask: Tensor | None = None,
) -> tuple[Tensor, State]:
    """Run `cell` over time-major `x` (T, B, I) from `state` with the compiled kernels.

    The contract of `rnnkit.engine.bptt.run_fused`: returns outputs (T, B, H) and the final state;
    steps t >= lengths[b] keep the state and output zeros. Raises ValueError if `supports(cell)` is
    False (check it first, or use `run_sequence(fast="auto")`).
    """
    if not supports(cell):
        reason = unavailable_reason() or f"{type(cell).__name__} with {cell.get_config()} is not served"
        raise ValueError(f"the compiled path cannot run this cell: {reason}")
    zoneout = _zoneout_inputs(cell, zoneout_masks, x)
    if lengths is not None:
        lengths = lengths.to(device="cpu", dtype=torch.int64).contiguous()
    if recurrent_mask is not None:
        recurrent_mask = recurrent_mask.to(x.dtype).contiguous()  # (B, R)
    if _takes_projection(cell):
        x = cell.project_input(x)  # (T, B, G*H): LN(W_ih x) γ_ih + b for all steps, differentiated by autograd
    params = [p for _, p in cell.named_parameters()]
    keep = torch.is_grad_enabled() and any(t.requires_grad for t in (x, *state, *params))  # else no history
    outputs, *final = _CompiledSequence.apply(cell, x, lengths, recurrent_mask, weight_mask, zoneout, keep,
                                              len(state), *state, *params)
    return outputs, tuple(final)


__all__ = ["available", "supports", "run_compiled", "bernoulli_masks", "unavailable_reason", "cpu_capability"]
