"""Model outputs over data: the forward call the trainer and `predict` share.

A model is called as `model(x)`, or `model(x, lengths=lengths)` when the batch has lengths; a model
returning a tuple (outputs, state) contributes its first element.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

import torch
from torch import nn

from rnnkit.training.batches import eval_loader, split_batch


def model_outputs(model: nn.Module, x: torch.Tensor, lengths: torch.Tensor | None,
                  device: str | torch.device) -> torch.Tensor:
    x = x.to(device)
    out = model(x) if lengths is None else model(x, lengths=lengths)
    return out[0] if isinstance(out, tuple) else out


@contextmanager
def eval_mode(model: nn.Module) -> Iterator[nn.Module]:
    """`model` in eval mode inside the block, back in the mode it was in after it."""
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)


@torch.no_grad()
def predict(model: nn.Module, data: Any, *, batch_size: int = 256, device: str | torch.device = "cpu",
            collate_fn=None, rank: int = 0, world: int = 1) -> torch.Tensor:
    """Outputs of `model` over `data` (x alone, (x, y), (x, lengths, y) or a dict), concatenated."""
    loader = eval_loader(data, batch_size, rank, world, collate_fn)
    outs = []
    with eval_mode(model):
        for batch in loader:
            x, lengths, _ = split_batch(batch)
            outs.append(model_outputs(model, x, lengths, device).cpu())
    return torch.cat(outs) if outs else torch.empty(0)
