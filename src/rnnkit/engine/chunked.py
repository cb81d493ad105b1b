"""Long sequences: truncated BPTT and checkpointed chunks (article 004: "more than 1000 time steps").

`run_long_sequence` runs a sequence in chunks of `chunk` steps, carrying the state from chunk to chunk
(the forward values are exactly those of one `run_sequence` call, up to the random masks). Two
independent options decide what the backward pass costs:

    truncate=True    truncated BPTT (Williams & Peng 1990): the carried state is detached at every
                     chunk boundary, so gradients flow back at most `chunk` steps (to the start of
                     their chunk). This holds for every row, also for sequences that already ended
                     (their final-state gradient stops at the last boundary). The initial state gets
                     its gradient through the first chunk only.
    checkpoint=True  activation checkpointing (Chen et al. 2016): the forward pass keeps only the
                     outputs and each chunk's starting state; backward recomputes one chunk at a time,
                     so the memory for activations is one chunk's, not the whole sequence's. Gradients
                     are exact (with truncate=False) at the price of a second forward pass.

With both, a T = 100,000 LSTM keeps only its (T, B, H) outputs and one chunk of activations
(`benchmarks/long_sequence.py` measures it). Weight drop draws one mask for the whole sequence;
zoneout masks are drawn per chunk from a seed stored for the recomputation.
"""
from __future__ import annotations

import torch
from torch import Tensor

from ..cells.base import RecurrentCell, State
from ..validation import check_positive
from . import compiled
from .dispatch import run_sequence
from .masks import Masks


def chunk_lengths(lengths: Tensor | None, start: int, stop: int) -> Tensor | None:
    """Each row's number of real steps within [start, stop) (0 for rows that already ended)."""
    if lengths is None:
        return None
    inside = (lengths - start).clamp(0, stop - start)
    return None if int(inside.min()) == stop - start else inside


def _run_chunk(cell, xs, state, lengths, masks: Masks, start, stop, fast, seed):
    """Steps [start, stop) of the sequence, `xs` being x[start:stop]; `masks` those of the whole pass."""
    if seed is not None:  # the same zoneout masks again when the chunk is recomputed
        generator = torch.Generator(device=xs.device).manual_seed(seed)
        masks = masks._replace(zoneout=cell.sample_zoneout(stop - start, xs.shape[1], xs, generator=generator,
                                                           draw=compiled.bernoulli_masks))
    return run_sequence(cell, xs, state, chunk_lengths(lengths, start, stop), masks, fast)


class _CheckpointedChunks(torch.autograd.Function):
    @staticmethod
    def forward(ctx, cell, x, lengths, masks, chunk, truncate, fast, n_state, *tensors):
        state = tuple(tensors[:n_state])
        T = x.shape[0]
        starts = list(range(0, T, chunk))
        draw = cell.has_zoneout and cell.training
        seeds = [int(torch.randint(2**62, ())) if draw else None for _ in starts]
        boundaries, out = [], None
        for start, seed in zip(starts, seeds):
            stop = min(start + chunk, T)
            boundaries.append(state)
            o, state = _run_chunk(cell, x[start:stop], state, lengths, masks, start, stop, fast, seed)
            if out is None:
                out = o.new_empty(T, *o.shape[1:])  # (T, B, H): the only per-step tensor kept
            out[start:stop] = o
        ctx.save_for_backward(x, *(s for b in boundaries for s in b))
        ctx.args = (cell, lengths, masks, chunk, truncate, fast, n_state, starts, seeds)
        return (out, *state)

    @staticmethod
    def backward(ctx, grad_out, *grad_final):
        cell, lengths, masks, chunk, truncate, fast, n_state, starts, seeds = ctx.args
        x, *flat = ctx.saved_tensors
        boundaries = [tuple(flat[k:k + n_state]) for k in range(0, len(flat), n_state)]
        params = list(cell.parameters())
        trainable = [p for p in params if p.requires_grad]
        grad_params = {id(p): None for p in trainable}
        need_x = ctx.needs_input_grad[1]
        grad_x = torch.zeros_like(x) if need_x else None
        grad_state = tuple(grad_final)
        for c in range(len(starts) - 1, -1, -1):
            start, stop = starts[c], min(starts[c] + chunk, x.shape[0])
            with torch.enable_grad():
                xs = x[start:stop].detach().requires_grad_(need_x)
                st = tuple(s.detach().requires_grad_() for s in boundaries[c])
                o, fin = _run_chunk(cell, xs, st, lengths, masks, start, stop, fast, seeds[c])
                inputs = ([xs] if need_x else []) + list(st) + trainable
                grads = torch.autograd.grad((o, *fin), inputs, (grad_out[start:stop], *grad_state), allow_unused=True)
            if need_x:
                grad_x[start:stop] = grads[0] if grads[0] is not None else 0
                grads = grads[1:]
            grad_state = tuple(g if g is not None else torch.zeros_like(s) for g, s in zip(grads[:n_state], st))
            for p, g in zip(trainable, grads[n_state:]):
                if g is not None:
                    grad_params[id(p)] = g if grad_params[id(p)] is None else grad_params[id(p)] + g
            if truncate and c > 0:
                grad_state = tuple(torch.zeros_like(g) for g in grad_state)  # cut at the boundary
        return (None, grad_x, None, None, None, None, None, None, *grad_state,
                *(grad_params.get(id(p)) for p in params))


def run_long_sequence(
    cell: RecurrentCell,
    x: Tensor,
    state: State,
    lengths: Tensor | None = None,
    recurrent_mask: Tensor | None = None,
    fast: str = "auto",
    *,
    chunk: int,
    truncate: bool = True,
    checkpoint: bool = False,
) -> tuple[Tensor, State]:
    """`run_sequence` in chunks of `chunk` steps (see the module docstring for truncate / checkpoint)."""
    check_positive("chunk", chunk)
    masks = Masks(recurrent_mask, weight=cell.sample_weight_mask(x))  # one DropConnect mask for the whole pass
    if checkpoint and torch.is_grad_enabled():
        params = list(cell.parameters())
        out, *final = _CheckpointedChunks.apply(cell, x, lengths, masks, chunk, truncate, fast, len(state), *state,
                                                *params)
        return out, tuple(final)
    outputs = []
    T = x.shape[0]
    for start in range(0, T, chunk):
        stop = min(start + chunk, T)
        if truncate and start > 0:
            state = tuple(s.detach() for s in state)  # truncated BPTT: no gradient across the boundary
        o, state = run_sequence(cell, x[start:stop], state, chunk_lengths(lengths, start, stop), masks, fast)
        outputs.append(o)
    return torch.cat(outputs), state  # (T, B, H)
