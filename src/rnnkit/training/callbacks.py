"""Callbacks: a small protocol (Keras' hook names) and the usual ones.

A callback may define any of `on_train_begin(trainer)`, `on_epoch_begin(trainer, epoch)`,
`on_batch_end(trainer, step, logs)`, `on_epoch_end(trainer, epoch, logs)` and
`on_train_end(trainer, logs)`; `logs` holds the epoch's metrics ('loss', 'acc', 'val_loss', ...).
Setting `trainer.stop_training = True` ends training after the current epoch; setting
`trainer.stop_reason` too (a JSON-able dict, as `EarlyStopping.reason` makes) lets the trainer say why:
a line on screen, a "stop" line in metrics.jsonl and report.md (`stop_message`). Callbacks that keep
state across epochs expose `state_dict()`/`load_state_dict()` so a resumed run continues them.
"""
from __future__ import annotations

import copy
import math
from typing import Any

import torch


class Callback:
    def on_train_begin(self, trainer) -> None: ...
    def on_epoch_begin(self, trainer, epoch: int) -> None: ...
    def on_batch_end(self, trainer, step: int, logs: dict[str, float]) -> None: ...
    def on_epoch_end(self, trainer, epoch: int, logs: dict[str, float]) -> None: ...
    def on_train_end(self, trainer, logs: dict[str, float]) -> None: ...

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        pass


def _lower_is_better(monitor: str, mode: str) -> bool:
    if mode == "min":
        return True
    if mode == "max":
        return False
    if mode != "auto":
        raise ValueError(f"mode={mode!r}; expected 'auto', 'min' or 'max'")
    base = monitor.removeprefix("val_")
    return base in ("loss", "mae", "rmse", "perplexity") or base.endswith("loss")


class _Monitor(Callback):
    """Shared bookkeeping: the best value of `monitor` seen so far and epochs since it improved."""

    def __init__(self, monitor: str, mode: str, min_delta: float):
        self.monitor, self.min_delta = monitor, abs(min_delta)
        self.lower = _lower_is_better(monitor, mode)
        self.best = math.inf if self.lower else -math.inf
        self.wait = 0

    def _improved(self, logs: dict[str, float]) -> bool | None:
        value = logs.get(self.monitor)
        if value is None or math.isnan(value):
            return None
        better = value < self.best - self.min_delta if self.lower else value > self.best + self.min_delta
        if better:
            self.best, self.wait = value, 0
        else:
            self.wait += 1
        return better

    def state_dict(self):
        return {"best": self.best, "wait": self.wait}

    def load_state_dict(self, state):
        self.best, self.wait = state["best"], state["wait"]


class EarlyStopping(_Monitor):
    """Stop when `monitor` has not improved for `patience` epochs; optionally restore the best weights."""

    def __init__(self, monitor: str = "val_loss", patience: int = 3, min_delta: float = 0.0, mode: str = "auto",
                 restore_best_weights: bool = False):
        super().__init__(monitor, mode, min_delta)
        if patience < 0:
            raise ValueError(f"patience={patience!r}; expected >= 0")
        self.patience, self.restore_best_weights = patience, restore_best_weights
        self.best_weights: dict[str, torch.Tensor] | None = None
        self.stopped_epoch: int | None = None
        self.best_epoch: int | None = None

    def on_epoch_end(self, trainer, epoch, logs):
        improved = self._improved(logs)
        if improved:
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = copy.deepcopy(trainer.model.state_dict())
        if improved is False and self.wait >= self.patience:
            self.stopped_epoch = epoch
            trainer.stop_training = True
            trainer.stop_reason = self.reason(epoch)

    def reason(self, epoch: int) -> dict[str, Any]:
        """Why training stops after `epoch` (0-based), as a JSON-able record; epochs in it count from 1."""
        return {"by": "early_stopping", "epoch": epoch + 1, "monitor": self.monitor, "best": self.best,
                "best_epoch": None if self.best_epoch is None else self.best_epoch + 1, "wait": self.wait,
                "patience": self.patience, "min_delta": self.min_delta,
                "restore_best_weights": self.restore_best_weights}

    def on_train_end(self, trainer, logs):
        if self.restore_best_weights and self.best_weights is not None:
            trainer.model.load_state_dict(self.best_weights)

    def state_dict(self):
        state = {**super().state_dict(), "best_epoch": self.best_epoch}
        if self.best_weights is not None:  # a resumed run that never improves again still restores them
            state["best_weights"] = self.best_weights
        return state

    def load_state_dict(self, state):
        super().load_state_dict(state)
        self.best_epoch = state.get("best_epoch")  # absent from checkpoints written before it was kept
        self.best_weights = state.get("best_weights")


def stop_message(reason: dict[str, Any]) -> str:
    """One line saying when and why training stopped, from a `trainer.stop_reason` record."""
    if reason.get("by") != "early_stopping":
        return f"training stopped after epoch {reason['epoch']} by {reason.get('by') or 'a callback'}"
    by = f" by more than {reason['min_delta']:.4g}" if reason.get("min_delta") else ""
    best = f"{reason['best']:.4g}" + (f" (epoch {reason['best_epoch']})" if reason.get("best_epoch") else "")
    line = (f"early stopping after epoch {reason['epoch']}: {reason['monitor']} has not improved{by} on its best "
            f"{best} for {reason['wait']} epoch{'s' * (reason['wait'] != 1)} (patience {reason['patience']})")
    if reason.get("restore_best_weights") and reason.get("best_epoch"):
        line += f"; the weights of epoch {reason['best_epoch']} are restored"
    return line


class ModelCheckpoint(_Monitor):
    """Keep the best weights by `monitor`: in memory, and as the run folder's `model.safetensors`."""

    owns_model_file = True

    def __init__(self, monitor: str = "val_loss", mode: str = "auto", min_delta: float = 0.0):
        super().__init__(monitor, mode, min_delta)
        self.best_epoch: int | None = None

    def on_epoch_end(self, trainer, epoch, logs):
        improved = self._improved(logs)
        if improved or improved is None:  # None: nothing to monitor (no validation), keep the latest
            self.best_epoch = epoch
            if trainer.run is not None and trainer.is_main:
                trainer.run.save_model(trainer.model)

    def state_dict(self):
        return {**super().state_dict(), "best_epoch": self.best_epoch}

    def load_state_dict(self, state):
        super().load_state_dict(state)
        self.best_epoch = state.get("best_epoch")


class ReduceLROnPlateau(_Monitor):
    """Multiply every learning rate by `factor` after `patience` epochs without improvement."""

    def __init__(self, monitor: str = "val_loss", factor: float = 0.5, patience: int = 2, min_lr: float = 0.0,
                 mode: str = "auto", min_delta: float = 1e-4):
        super().__init__(monitor, mode, min_delta)
        if not 0 < factor < 1:
            raise ValueError(f"factor={factor!r}; expected 0 < factor < 1")
        self.factor, self.patience, self.min_lr = factor, patience, min_lr

    def on_epoch_end(self, trainer, epoch, logs):
        if self._improved(logs) is False and self.wait >= self.patience:
            for group in trainer.optimizer.param_groups:
                group["lr"] = max(self.min_lr, group["lr"] * self.factor)
            self.wait = 0


class LambdaCallback(Callback):
    """Callbacks from plain functions: `LambdaCallback(on_epoch_end=lambda trainer, epoch, logs: ...)`."""

    def __init__(self, **hooks):
        for name, fn in hooks.items():
            if not hasattr(Callback, name):
                raise ValueError(f"{name!r} is not a callback hook")
            setattr(self, name, fn)
