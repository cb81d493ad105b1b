"""The fused BPTT runner in pure torch: one `autograd.Function` for a whole sequence.

Forward: the input projections of all steps in ONE matmul, then a loop doing only what the
recurrence forces (the cell's `step_with_cache`). Backward: backpropagation through time written
out (article 004), a reverse loop over the cell's hand-derived `step_backward`, then the gradients of
weight_ih and bias as single large matmuls over all steps. Works for any cell that follows the
contract in `rnnkit.cells.base`, so it is the fallback fast path where no compiled kernel exists.
"""
from __future__ import annotations

import torch
from torch import Tensor
from torch.autograd.function import once_differentiable

from ..cells.base import RecurrentCell, State
from .loop import alive_masks


class _FusedSequence(torch.autograd.Function):
    @staticmethod
    def forward(ctx, cell, x, lengths, recurrent_mask, n_state, *tensors):
        state = tuple(tensors[:n_state])
        xp = cell.project_input(x)  # (T, B, G*H)
        alive = alive_masks(lengths, x.shape[0], x)  # (T, B, 1) or None
        outputs, caches = [], []
        for t in range(x.shape[0]):
            new, cache = cell.step_with_cache(xp[t], state, recurrent_mask)
            caches.append(cache)
            if alive is not None:
                a = alive[t]
                new = tuple(torch.lerp(s, n, a) for n, s in zip(new, state))  # keep state past the end
                outputs.append(new[0] * a)
            else:
                outputs.append(new[0])
            state = new
        ctx.cell, ctx.caches, ctx.alive, ctx.n_state = cell, caches, alive, n_state
        ctx.save_for_backward(x)
        return (torch.stack(outputs), *state)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_outputs, *grad_final):
        cell, caches, alive = ctx.cell, ctx.caches, ctx.alive
        (x,) = ctx.saved_tensors
        params = dict(cell.named_parameters())
        grad_state = tuple(g if g is not None else torch.zeros(x.shape[1], size, dtype=x.dtype, device=x.device)
                           for g, size in zip(grad_final, cell.state_sizes))
        if grad_outputs is None:
            grad_outputs = torch.zeros(x.shape[0], x.shape[1], cell.output_size, dtype=x.dtype, device=x.device)
        grad_xp = []
        grad_params = {}
        for t in range(x.shape[0] - 1, -1, -1):
            if alive is not None:
                a = alive[t]  # (B, 1): padded steps pass the gradient straight to the previous state
                passthrough = tuple(g * (1 - a) for g in grad_state)
                into_step = (grad_state[0] * a + grad_outputs[t] * a, *(g * a for g in grad_state[1:]))
            else:
                into_step = (grad_state[0] + grad_outputs[t], *grad_state[1:])
            dxp, grad_prev, step_grads = cell.step_backward(caches[t], into_step)
            if alive is not None:
                grad_prev = tuple(g + p for g, p in zip(grad_prev, passthrough))
            grad_state = grad_prev
            grad_xp.append(dxp)
            for name, g in step_grads.items():
                grad_params[name] = grad_params[name] + g if name in grad_params else g
        grad_xp = torch.stack(grad_xp[::-1])  # (T, B, G*H)
        flat = grad_xp.reshape(-1, grad_xp.shape[-1])  # (T*B, G*H)
        grad_params["weight_ih"] = flat.t() @ x.reshape(-1, x.shape[-1])  # (G*H, I): one GEMM over all steps
        grad_params["bias"] = flat.sum(0)
        grad_x = grad_xp @ cell.weight_ih  # (T, B, I)
        grads = [grad_params.get(name) for name in params]
        return (None, grad_x, None, None, None, *grad_state, *grads)


def run_fused(
    cell: RecurrentCell,
    x: Tensor,
    state: State,
    lengths: Tensor | None = None,
    recurrent_mask: Tensor | None = None,
) -> tuple[Tensor, State]:
    """Same contract as `run_loop`, with hand-written BPTT instead of autograd through each step."""
    params = [p for _, p in cell.named_parameters()]
    outputs, *final = _FusedSequence.apply(cell, x, lengths, recurrent_mask, len(state), *state, *params)
    return outputs, tuple(final)
