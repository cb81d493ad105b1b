"""Optimisers and learning-rate schedules by name, all torch's own (`torch.optim`), and gradient clipping.

Optimisers: adam, adamw, rmsprop (Keras' defaults: rho 0.9, eps 1e-7), sgd (with momentum).
Schedules: step (decay by `gamma` every `step_size` epochs), cosine (to 0 over all epochs),
warmup (linear from 0 over `warmup_steps` optimizer steps, then constant), warmup_cosine, and
plateau (`ReduceLROnPlateau` on the validation loss, stepped once per epoch by the trainer).
Per-step schedules are stepped after every optimizer step, per-epoch ones at epoch end.
"""
from __future__ import annotations

import math
from typing import Iterable

import torch

from rnnkit.training.choices import DEFAULT_LR, OPTIMIZERS, SCHEDULES  # noqa: F401  (importable from here too)


def learning_rate(optimizer: str, lr: float | None) -> float:
    """`lr`, or the optimizer's default (DEFAULT_LR) when None."""
    return DEFAULT_LR[optimizer] if lr is None else lr  # not `lr or ...`: lr=0.0 is a valid choice (e.g. to freeze)


def make_optimizer(name: str, params: Iterable, lr: float | None = None, weight_decay: float | None = None,
                   momentum: float = 0.9) -> torch.optim.Optimizer:
    """weight_decay None: the optimizer's own default (AdamW 0.01, the others 0); 0.0 means none, for AdamW too."""
    name = name.lower()
    if name not in DEFAULT_LR:
        raise ValueError(f"optimizer={name!r} is not known; expected one of {', '.join(OPTIMIZERS)}")
    lr = learning_rate(name, lr)
    if name == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=0.01 if weight_decay is None else weight_decay)
    weight_decay = weight_decay or 0.0
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    if name == "rmsprop":  # Keras RMSprop: rho 0.9, epsilon 1e-7
        return torch.optim.RMSprop(params, lr=lr, alpha=0.9, eps=1e-7, weight_decay=weight_decay)
    return torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)


def clip_gradients(parameters: Iterable[torch.nn.Parameter], *, norm: float | None, value: float | None,
                   total_norm: float | None = None) -> None:
    """Clip each gradient element to [-value, value], then the global norm to `norm` (None: no clipping).
    `total_norm`: the gradients' global norm when the caller has it already (a second pass over every
    gradient is a few percent of a language model's step); ignored after value clipping changed it."""
    params = [p for p in parameters if p.grad is not None]
    if value is not None:
        torch.nn.utils.clip_grad_value_(params, value)
    if norm is None:
        return
    if value is None and total_norm is not None:
        torch.nn.utils.clip_grads_with_norm_(params, norm, torch.tensor(total_norm))
    else:
        torch.nn.utils.clip_grad_norm_(params, norm)


class Schedule:
    """A torch scheduler plus when to step it ('step', 'epoch' or 'plateau')."""

    def __init__(self, scheduler, every: str):
        self.scheduler, self.every = scheduler, every

    def after_step(self) -> None:
        """Called after every optimizer step: per-step schedules move on."""
        if self.every == "step":
            self.scheduler.step()

    def after_epoch(self, logs: dict[str, float]) -> None:
        """Called at each epoch end with its logs: per-epoch schedules move on, plateau watches the loss."""
        if self.every == "epoch":
            self.scheduler.step()
        elif self.every == "plateau":
            self.scheduler.step(logs.get("val_loss", logs["loss"]))

    def state_dict(self):
        return self.scheduler.state_dict()

    def load_state_dict(self, state):
        self.scheduler.load_state_dict(state)


def make_schedule(name: str | None, optimizer: torch.optim.Optimizer, *, epochs: int, steps_per_epoch: int,
                  warmup_steps: int = 0, step_size: int = 1, gamma: float = 0.5, patience: int = 2,
                  factor: float = 0.5, min_lr: float = 0.0) -> Schedule | None:
    if name in (None, "", "none", "constant"):
        return None
    total = max(1, epochs * steps_per_epoch)
    if name == "step":
        return Schedule(torch.optim.lr_scheduler.StepLR(optimizer, step_size=step_size, gamma=gamma), "epoch")
    if name == "cosine":
        return Schedule(torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total, eta_min=min_lr), "step")
    if name in ("warmup", "warmup_cosine"):
        warm = max(1, warmup_steps or steps_per_epoch)
        cosine = name == "warmup_cosine"

        def factor_at(step: int) -> float:
            if step < warm:
                return (step + 1) / warm
            if not cosine:
                return 1.0
            progress = min(1.0, (step - warm) / max(1, total - warm))
            return 0.5 * (1 + math.cos(math.pi * progress))

        return Schedule(torch.optim.lr_scheduler.LambdaLR(optimizer, factor_at), "step")
    if name == "plateau":
        return Schedule(torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=factor, patience=patience, min_lr=min_lr), "plateau")
    raise ValueError(f"schedule={name!r} is not known; expected one of {', '.join(SCHEDULES)}")
