"""Each token's contribution to a classifier's prediction: gradient x input on the embeddings
(Simonyan et al. 2014; Shrikumar et al. 2016), the first-order share of each token in the score.

    contribution_t = sum_e  d score / d e_{t,e}  *  e_{t,e}

where e_t is token t's embedding and the score is the predicted class's logit (with one logit for two
classes: the logit, signed toward the predicted class). Positive: the token pushed toward the
prediction; negative: against it.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn


def contributions(model: nn.Module, embedding: nn.Module, *inputs, target: Tensor | None = None, **kwargs):
    """((B, T) contributions, (B,) the class each is toward), from `model(*inputs, **kwargs)` -> logits
    (B, K) or (B, 1); `embedding`: the module whose output (B, T, E) is the tokens' input to the model.
    target: the classes to explain (default: the predicted ones)."""
    kept: list[Tensor] = []

    def keep(module, args, output):
        output = output.detach().requires_grad_()  # the same values, now a leaf whose gradient we read
        kept.append(output)
        return output

    handle = embedding.register_forward_hook(keep)
    try:
        with torch.enable_grad():
            logits = model(*inputs, **kwargs)  # (B, K) or (B, 1)
            if logits.shape[-1] == 1:
                predicted = (logits[:, 0] > 0).long() if target is None else target
                score = torch.where(predicted == 1, logits[:, 0], -logits[:, 0])  # toward the class explained
            else:
                predicted = logits.argmax(-1) if target is None else target
                score = logits.gather(1, predicted.view(-1, 1))[:, 0]
            (grad,) = torch.autograd.grad(score.sum(), kept[0])
    finally:
        handle.remove()
    return (grad * kept[0]).sum(-1).detach(), predicted  # (B, T)
