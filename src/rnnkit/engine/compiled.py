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
(LN over all steps, one batched op before the loop, differentiated by autograd) instead of x. This module wraps
them in a `torch.autograd.Function` with the runners' contract (`rnnkit.engine.contract`) and says
which cells they serve; `rnnkit.engine.kernels` builds and loads them (where they cannot build, the
engine falls back to the pure-torch fused path).
"""
from __future__ import annotations

import torch
from torch import Tensor

from ..cells.base import RecurrentCell, State
from ..cells.base import bernoulli_masks as cell_bernoulli_masks
from ..cells.gru import GRUCell
from ..cells.lstm import LSTMCell
from ..cells.norm import EPS
from ..cells.simple import SimpleRNNCell
from .contract import as_lengths, needs_grad
from .kernels import available, load, unavailable_reason
from .masks import NO_MASKS, Masks


# ---- which cells and options the kernels serve -------------------------------------------------------
# Options the kernels implement (any value) per cell class; every other option must be "off"
# (False, 0, None) for `supports` to say yes, so a new option never silently runs the wrong math.
SERVED_OPTIONS = {
    LSTMCell: {"input_size", "hidden_size", "peephole", "unit_forget_bias", "layer_norm", "weight_drop", "zoneout_h",
               "zoneout_c"},
    GRUCell: {"input_size", "hidden_size", "reset_after", "layer_norm", "weight_drop", "zoneout"},
    SimpleRNNCell: {"input_size", "hidden_size", "activation", "zoneout"},
}


def unsupported(cell: RecurrentCell) -> str | None:
    """Why `run_compiled` cannot run this cell with exactly its math, or None when it can (built kernels)."""
    served = SERVED_OPTIONS.get(type(cell))  # exact class: a subclass may change the step
    if served is None:
        return f"the compiled kernels do not serve {type(cell).__name__}"
    for name, value in cell.get_config().items():
        if name not in served and value not in (False, 0, 0.0, None):
            return f"the compiled kernels do not implement {name}={value!r}"
    if isinstance(cell, SimpleRNNCell) and cell.activation not in ("tanh", "relu"):
        return f"the compiled kernels do not implement activation={cell.activation!r}"
    w = cell.weight_ih
    if w.device.type != "cpu" or w.dtype not in (torch.float32, torch.float64):
        return f"the compiled kernels run float32 and float64 on the CPU, not {w.dtype} on {w.device.type}"
    if not available():
        return f"the compiled kernels are not available ({unavailable_reason()})"
    return None


def supports(cell: RecurrentCell) -> bool:
    """True if `run_compiled` can run this cell with exactly its math (and the kernels are built)."""
    return unsupported(cell) is None


# ---- zoneout's masks -------------------------------------------------------------------------------
def bernoulli_masks(shape, rate: float, like: Tensor, generator: torch.Generator | None = None) -> Tensor:
    """`rnnkit.cells.base.bernoulli_masks` drawn by the kernels' counter-based generator (SplitMix64, in
    parallel): the same contract, faster on CPU. One seed comes from torch's generator, so
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


def run_compiled(cell: RecurrentCell, x: Tensor, state: State, lengths: Tensor | None = None,
                 masks: Masks = NO_MASKS) -> tuple[Tensor, State]:
    """Run `cell` over time-major `x` (T, B, I) from `state` with the compiled kernels.

    The runners' contract (`rnnkit.engine.contract`), lengths >= 1: returns outputs (T, B, H) and the
    final state; steps t >= lengths[b] keep the state and output zeros. Raises ValueError where
    `unsupported(cell)` gives a reason (check it first, or use `run_sequence(fast="auto")`).
    """
    reason = unsupported(cell)
    if reason:
        raise ValueError(f"the compiled path cannot run this cell: {reason}")
    return run_planned(cell, x, state, None if lengths is None else as_lengths(lengths), masks)


def run_planned(cell: RecurrentCell, x: Tensor, state: State, lengths: Tensor | None = None,
                masks: Masks = NO_MASKS) -> tuple[Tensor, State]:
    """`run_compiled` once `unsupported(cell)` has said None, lengths canonical (`as_lengths`) in [1, T]."""
    zoneout = _zoneout_inputs(cell, masks.zoneout, x)
    recurrent_mask = None if masks.recurrent is None else masks.recurrent.to(x.dtype).contiguous()  # (B, R)
    keep = needs_grad(cell, x, *state)  # else no history
    if _takes_projection(cell):
        x = cell.project_input(x)  # (T, B, G*H): LN(W_ih x) γ_ih + b for all steps, differentiated by autograd
    params = [p for _, p in cell.named_parameters()]
    outputs, *final = _CompiledSequence.apply(cell, x, lengths, recurrent_mask, masks.weight, zoneout, keep,
                                              len(state), *state, *params)
    return outputs, tuple(final)


__all__ = ["available", "supports", "unsupported", "run_compiled", "bernoulli_masks", "unavailable_reason"]
