"""Layer normalisation (Ba et al. 2016) written out with its hand-derived gradient.

Used inside layer-normalised cells (haste's LayerNormLSTM): the forward is plain torch ops so that
autograd through `step` is the reference, and `layer_norm_backward` is the gradient the fused path uses.
"""
from __future__ import annotations

import torch
from torch import Tensor

EPS = 1e-5


def layer_norm(a: Tensor, eps: float = EPS) -> tuple[Tensor, Tensor]:
    """Normalise over the last dimension: returns â = (a - mean) / sqrt(var + eps) and 1 / sqrt(var + eps)."""
    var, mean = torch.var_mean(a, -1, unbiased=False, keepdim=True)  # (B, 1) each
    inv_std = torch.rsqrt(var + eps)
    return (a - mean) * inv_std, inv_std


def layer_norm_backward(grad_hat: Tensor, a_hat: Tensor, inv_std: Tensor) -> Tensor:
    """dLoss/da from dLoss/dâ: inv_std * (g - mean(g) - â * mean(g ⊙ â))."""
    mean_g = grad_hat.mean(-1, keepdim=True)
    mean_ga = (grad_hat * a_hat).mean(-1, keepdim=True)
    return inv_std * (grad_hat - mean_g - a_hat * mean_ga)
