"""Losses by Keras name, over model outputs and targets.

`binary_crossentropy` follows Keras: when the model already ends in a sigmoid (Keras'
`Dense(1, activation='sigmoid')`), the outputs are probabilities and the loss clamps them to
[eps, 1 - eps] with Keras' eps = 1e-7 before taking logs, so it never returns inf or NaN. When the
model returns logits (`from_logits=True`, the default for rnnkit's own task models) it uses torch's
`binary_cross_entropy_with_logits`, which is stable for any logit. The same split holds for the
categorical losses (softmax probabilities vs logits).
"""
from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F

from rnnkit.errors import UserError

EPSILON = 1e-7  # keras.backend.epsilon()

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


class NonFiniteLossError(UserError):
    """The loss became NaN or infinite; training stopped (the Trainer keeps its last good checkpoint)."""


def _as_binary_target(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    target = target.to(output.dtype)
    if target.shape != output.shape and target.numel() == output.numel():
        target = target.reshape(output.shape)  # (B,) labels against (B, 1) outputs
    return target


def binary_crossentropy(output, target, from_logits: bool = False):
    target = _as_binary_target(output, target)
    if from_logits:
        return F.binary_cross_entropy_with_logits(output, target)
    p = output.clamp(EPSILON, 1 - EPSILON)
    return -(target * p.log() + (1 - target) * (1 - p).log()).mean()


def sparse_categorical_crossentropy(output, target, from_logits: bool = False):
    # output (B, C) or (B, T, C); target (B,) or (B, T) of class ids
    logp = F.log_softmax(output, dim=-1) if from_logits else output.clamp(EPSILON, 1 - EPSILON).log()
    return F.nll_loss(logp.reshape(-1, logp.shape[-1]), target.reshape(-1).long())


def categorical_crossentropy(output, target, from_logits: bool = False):
    # target one-hot / soft (B, C)
    logp = F.log_softmax(output, dim=-1) if from_logits else output.clamp(EPSILON, 1 - EPSILON).log()
    return -(target.to(logp.dtype) * logp).sum(-1).mean()


def mse(output, target, from_logits: bool = False):
    return F.mse_loss(output, _as_binary_target(output, target))


def mae(output, target, from_logits: bool = False):
    return F.l1_loss(output, _as_binary_target(output, target))


LOSSES = {
    "binary_crossentropy": binary_crossentropy,
    "categorical_crossentropy": categorical_crossentropy,
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
    "mse": mse,
    "mean_squared_error": mse,
    "mae": mae,
    "mean_absolute_error": mae,
}


def named_loss(name: str, fn: LossFn) -> LossFn:
    """`fn` under `name`, the name the trainer logs and config.json records (a bound method's own
    `__name__` would say only "loss")."""

    def loss(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return fn(output, target)

    loss.__name__ = name
    return loss


def get_loss(loss: str | LossFn, from_logits: bool = True) -> LossFn:
    """A `loss(output, target)` callable; strings are Keras loss names."""
    if callable(loss):
        return loss
    if loss not in LOSSES:
        raise ValueError(f"loss={loss!r} is not known; expected one of {sorted(LOSSES)} or a callable")
    fn = LOSSES[loss]
    return lambda output, target: fn(output, target, from_logits=from_logits)


def infer_loss(output: torch.Tensor, target: torch.Tensor) -> str:
    """`loss="auto"`: class ids with >1 output column -> sparse CE; one column -> binary; floats -> MSE."""
    if target.dtype in (torch.int64, torch.int32, torch.int16, torch.uint8, torch.bool):
        return "binary_crossentropy" if output.shape[-1] == 1 or output.dim() == target.dim() else "sparse_categorical_crossentropy"
    return "mse"
