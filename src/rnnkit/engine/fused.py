"""The fused BPTT runner in pure torch: one `autograd.Function` for a whole sequence.

Forward: the input projections of all steps in ONE matmul (`cell.project_input`, left to autograd,
whose backward is again one large matmul over all steps for weight_ih, bias and any input layer norm),
then a loop doing only what the recurrence forces (the cell's `step`, then zoneout). Backward:
backpropagation through time written out (article 004), a reverse loop over the cell's hand-derived
`step_backward`; the recurrent parameters' gradients are summed over steps. Works for any cell that
follows the contract in `rnnkit.cells.base`, so it is the fallback fast path where no compiled kernel
exists. It follows the runners' contract (`rnnkit.engine.contract`): masks are inputs.
"""
from __future__ import annotations

import torch
from torch import Tensor

from ..cells.base import RecurrentCell, State
from .contract import keep_past_end, needs_grad
from .masks import NO_MASKS, Masks, alive_masks, zoneout, zoneout_at, zoneout_backward


class _FusedSequence(torch.autograd.Function):
    @staticmethod
    def forward(ctx, cell, xp, lengths, recurrent_mask, zoneout_masks, weight_mask, keep, n_state, *tensors):
        state = tuple(tensors[:n_state])
        weight_hh = cell.weight_hh if weight_mask is None else cell.weight_hh * weight_mask  # (G*H, R) DropConnect
        alive = alive_masks(lengths, xp.shape[0], xp)  # (T, B, 1) or None
        outputs, caches = [], []
        for t in range(xp.shape[0]):
            new, cache = cell.step(xp[t], state, recurrent_mask, weight_hh)
            d = zoneout_at(zoneout_masks, t)
            new = zoneout(new, state, d)
            if keep:
                caches.append((cache, d))
            state, output = keep_past_end(new, state, None if alive is None else alive[t])
            outputs.append(output)
        ctx.cell, ctx.caches, ctx.alive, ctx.weight_mask = cell, caches, alive, weight_mask
        ctx.shape = xp.shape
        return (torch.stack(outputs), *state)

    @staticmethod
    def backward(ctx, grad_outputs, *grad_final):
        cell, caches, alive = ctx.cell, ctx.caches, ctx.alive
        T, B = ctx.shape[0], ctx.shape[1]
        params = dict(cell.named_parameters())
        any_param = next(iter(params.values()))
        grad_state = tuple(g if g is not None else any_param.new_zeros(B, size) for g, size in zip(grad_final, cell.state_sizes))
        if grad_outputs is None:
            grad_outputs = any_param.new_zeros(T, B, cell.output_size)
        grad_xp = [None] * T
        grad_params: dict[str, Tensor] = {}
        for t in range(T - 1, -1, -1):
            if alive is not None:
                a = alive[t]  # (B, 1): padded steps pass the gradient straight to the previous state
                passthrough = tuple(g * (1 - a) for g in grad_state)
                into_step = ((grad_state[0] + grad_outputs[t]) * a, *(g * a for g in grad_state[1:]))
            else:
                into_step = (grad_state[0] + grad_outputs[t], *grad_state[1:])
            cache, d = caches[t]
            dxp, grad_prev, step_grads = zoneout_backward(cell.step_backward, cache, into_step, d)
            if alive is not None:
                grad_prev = tuple(g + p for g, p in zip(grad_prev, passthrough))
            grad_state = grad_prev
            grad_xp[t] = dxp
            for name, g in step_grads.items():
                grad_params[name] = grad_params[name] + g if name in grad_params else g
        if ctx.weight_mask is not None and "weight_hh" in grad_params:
            grad_params["weight_hh"] = grad_params["weight_hh"] * ctx.weight_mask  # chain rule through W ⊙ M
        grads = [grad_params.get(name) for name in params]
        return (None, torch.stack(grad_xp), None, None, None, None, None, None, *grad_state, *grads)


def run_fused(cell: RecurrentCell, x: Tensor, state: State, lengths: Tensor | None = None,
              masks: Masks = NO_MASKS) -> tuple[Tensor, State]:
    """Same contract as `run_loop`, with hand-written BPTT instead of autograd through each step."""
    keep = needs_grad(cell, x, *state)  # else no caches
    xp = cell.project_input(x)  # (T, B, G*H): one matmul for every step, differentiated by autograd
    params = [p for _, p in cell.named_parameters()]
    outputs, *final = _FusedSequence.apply(cell, xp, lengths, masks.recurrent, masks.zoneout, masks.weight, keep,
                                           len(state), *state, *params)
    return outputs, tuple(final)
