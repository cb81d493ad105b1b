"""Training state beyond the weights: the random generators, and what a resumable checkpoint holds.

A resumed run must draw the same dropout masks and see the same batches as an uninterrupted one, so
a checkpoint keeps every generator's state (torch, CUDA, NumPy, Python) next to the optimizer, the
schedule, the callbacks, the history, the metric sums of the epoch in progress and the position in
the seeded batch order. `resume_state` packs all of it from a Trainer into one nested dict of tensors
and plain values (what `rnnkit.io.checkpoint` stores), `restore_resume_state` puts it back.
The key names are the checkpoint format: run folders written earlier must still resume.
"""
from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from rnnkit.training.history import History
from rnnkit.training.losses import get_loss
from rnnkit.training.totals import EpochTotals

if TYPE_CHECKING:
    from rnnkit.training.trainer import Trainer


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def rng_state() -> dict[str, Any]:
    """Every generator's state as tensors and JSON-able values (NumPy's keys as an int64 tensor)."""
    np_state = np.random.get_state()
    state = {
        "torch": torch.get_rng_state(),
        "numpy_keys": torch.from_numpy(np_state[1].astype(np.int64)),
        "numpy_rest": [np_state[0], int(np_state[2]), int(np_state[3]), float(np_state[4])],
        "python": [random.getstate()[0], list(random.getstate()[1]), random.getstate()[2]],
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    name, pos, has_gauss, cached = state["numpy_rest"]
    np.random.set_state((name, state["numpy_keys"].numpy().astype(np.uint32), pos, has_gauss, cached))
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def resume_state(trainer: Trainer, epoch: int, batch: int, totals: EpochTotals | None) -> dict[str, Any]:
    """Everything `fit(resume=True)` needs to continue after `batch` steps of `epoch`.

    `totals` is the epoch in progress (None at an epoch's end). A metric with no sums yet is stored
    as an empty tensor, since safetensors holds no None; `metric_present` tells them apart."""
    sums = present = None
    if totals is not None:
        sums = [s if s is not None else torch.zeros(0, dtype=torch.float64) for s in totals.sums]
        present = [s is not None for s in totals.sums]
    return {
        "epoch": epoch, "batch": batch, "global_step": trainer.global_step,
        "train_seconds": float(trainer.train_seconds),
        "sums": sums, "metric_present": present,
        "optimizer": trainer.optimizer.state_dict(),
        "schedule": trainer.schedule.state_dict() if trainer.schedule is not None else None,
        "callbacks": [cb.state_dict() for cb in trainer.callbacks],
        "history": trainer.history.state_dict(), "records": trainer.records,
        "loss_name": trainer.loss_name, "rng": rng_state(),
        "epoch_lr": trainer.lr if trainer.epoch_lr is None else trainer.epoch_lr,
        "numerics": {"notes": trainer.watch.notes, "skipped": trainer.watch.skipped, "exploded": trainer.watch.exploded},
        "stop_reason": trainer.stop_reason,
    }


def restore_resume_state(trainer: Trainer, state: dict[str, Any]) -> tuple[int, int, EpochTotals | None]:
    """Put `state` back into `trainer` (its schedule already made); returns (epoch, batch, totals).

    The generators are restored last, after everything else that is loaded, as they were saved."""
    trainer.optimizer.load_state_dict(state["optimizer"])
    if trainer.schedule is not None and state["schedule"] is not None:
        trainer.schedule.load_state_dict(state["schedule"])
    for cb, cb_state in zip(trainer.callbacks, state["callbacks"]):
        cb.load_state_dict(cb_state)
    trainer.history = History(state["history"]["history"], state["history"]["epoch"])
    trainer.records, trainer.global_step = state["records"], state["global_step"]
    trainer.train_seconds = state["train_seconds"]
    if state["loss_name"] != "auto" and trainer.loss_fn is None:
        trainer.loss_name = state["loss_name"]
        trainer.loss_fn = get_loss(trainer.loss_name, trainer.from_logits)
    trainer.epoch_lr = state["epoch_lr"]
    numerics = state.get("numerics")  # absent from checkpoints written before the numerics checks
    if numerics:
        watch = trainer.watch
        watch.notes, watch.skipped, watch.exploded = list(numerics["notes"]), numerics["skipped"], numerics["exploded"]
        watch._shown = len(watch.notes)
    trainer.stop_reason = state.get("stop_reason")  # absent from checkpoints written before it was kept
    set_rng_state(state["rng"])
    totals = None
    if state["sums"] is not None:
        sums = [s if present else None for s, present in zip(state["sums"], state["metric_present"])]
        totals = EpochTotals(trainer.metrics, sums)
    return state["epoch"], state["batch"], totals
