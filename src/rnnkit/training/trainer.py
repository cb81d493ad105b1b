"""The Trainer: fit / evaluate / predict for any `nn.Module`, writing a run folder as it goes.

It knows nothing about the model beyond `model(inputs)` or `model(inputs, lengths=lengths)` returning
outputs (logits unless `from_logits=False`). One training step is: forward, loss, a NaN/inf check,
backward, gradient clipping (by norm and/or value), optimizer step, per-step schedule. Epoch values
of loss and metrics are exact sums over the epoch (all-reduced across DDP ranks), not batch means.

With a `run_dir`, rank 0 writes `config.json` at the start, a resumable checkpoint every
`checkpoint_every` steps and at each epoch end, `metrics.jsonl` (every `log_every` steps and every
epoch), `model.safetensors`, `history.png` and `report.md` at the end. `fit(resume=True)` restores
model, optimizer, schedule, callbacks, RNG states and the position in the seeded batch order, so a
run killed with `kill -9` and resumed ends with the same numbers as one never interrupted.
"""
from __future__ import annotations

import math
import random
import time
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import torch
from torch import nn

from rnnkit.errors import UserError
from rnnkit.io.checkpoint import last_checkpoint, load_checkpoint, save_checkpoint
from rnnkit.io.run import RunDir
from rnnkit.training import distributed as ddp
from rnnkit.training.batches import BatchDataset, as_dataset, eval_loader, split_batch, split_validation, train_loader
from rnnkit.training.callbacks import Callback
from rnnkit.training.history import History
from rnnkit.training.losses import get_loss, infer_loss
from rnnkit.training.metrics import Metric, get_metric
from rnnkit.training.optim import Schedule, make_optimizer, make_schedule
from rnnkit.training.progress import Progress


class NonFiniteLossError(UserError):
    """The loss became NaN or infinite; training stopped and the last good checkpoint is kept."""


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def rng_state() -> dict[str, Any]:
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


def _count(x: torch.Tensor) -> int:
    return int(x.shape[0])


class Trainer:
    """Train, evaluate and predict with `model`; see the module docstring."""

    def __init__(self, model: nn.Module, *, loss: Any = "auto", optimizer: str | torch.optim.Optimizer = "adam",
                 lr: float | None = None, weight_decay: float | None = None, metrics: Sequence[str | Metric] = ("acc",),
                 from_logits: bool = True, schedule: str | None = None, schedule_options: dict | None = None,
                 clip_norm: float | None = None, clip_value: float | None = None,
                 callbacks: Iterable[Callback] = (), run_dir: str | Path | None = None,
                 config: dict[str, Any] | None = None, seed: int = 0, checkpoint_every: int = 0,
                 log_every: int = 0, quiet: bool = False, device: str | torch.device | None = None,
                 collate_fn=None, data_summary: dict[str, Any] | None = None,
                 forward_module: nn.Module | None = None):
        for name, value in (("clip_norm", clip_norm), ("clip_value", clip_value)):
            if value is not None and not value > 0:
                raise ValueError(f"{name}={value!r}; expected a positive number or None")
        if checkpoint_every < 0 or log_every < 0:
            raise ValueError(f"checkpoint_every={checkpoint_every!r}, log_every={log_every!r}; expected >= 0")
        self.rank, self.world = ddp.rank(), ddp.world_size()
        self.is_main = self.rank == 0
        if device is None:
            device = f"cuda:{torch.cuda.current_device()}" if torch.cuda.is_available() else "cpu"
        self.device = torch.device(device)
        self.model = model.to(self.device)  # what is saved and rebuilt
        # what computes the outputs fed to loss and metrics: the model itself, or a view of it
        # (the Keras facade passes one returning the logits under a final sigmoid/softmax)
        self.forward_module = (forward_module or model).to(self.device)
        self.train_model = self.forward_module
        if self.world > 1:
            from torch.nn.parallel import DistributedDataParallel

            ids = [self.device.index] if self.device.type == "cuda" else None
            self.train_model = DistributedDataParallel(self.forward_module, device_ids=ids)
        self.from_logits = from_logits
        self.loss_name = loss if isinstance(loss, str) else getattr(loss, "__name__", "custom")
        self.loss_fn = None if loss == "auto" else get_loss(loss, from_logits)
        if isinstance(optimizer, torch.optim.Optimizer):
            self.optimizer, self.optimizer_name = optimizer, type(optimizer).__name__.lower()
        else:
            self.optimizer = make_optimizer(optimizer, model.parameters(), lr=lr, weight_decay=weight_decay)
            self.optimizer_name = optimizer
        self.metrics = [get_metric(m, from_logits) for m in metrics]
        self.schedule_name, self.schedule_options = schedule, dict(schedule_options or {})
        self.schedule: Schedule | None = None
        self.clip_norm, self.clip_value = clip_norm, clip_value
        self.callbacks = list(callbacks)
        self.run = RunDir(run_dir) if run_dir is not None else None
        self.config = dict(config or {})
        self.seed, self.checkpoint_every, self.log_every = seed, checkpoint_every, log_every
        self.quiet, self.collate_fn = quiet or not self.is_main, collate_fn
        self.data_summary = dict(data_summary or {})
        self.stop_training = False
        self.history = History()
        self.records: list[dict[str, Any]] = []
        self.global_step = 0

    # ------------------------------------------------------------------ forward and loss
    def _forward(self, model: nn.Module, x, lengths):
        x = x.to(self.device)
        out = model(x) if lengths is None else model(x, lengths=lengths)
        return out[0] if isinstance(out, tuple) else out

    def _loss(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if self.loss_fn is None:
            self.loss_name = infer_loss(output, target)
            self.loss_fn = get_loss(self.loss_name, self.from_logits)
        return self.loss_fn(output, target)

    def _empty_sums(self) -> list[torch.Tensor | None]:
        return [torch.zeros(2, dtype=torch.float64)] + [None] * len(self.metrics)

    def _accumulate(self, sums, loss: torch.Tensor, output, target) -> None:
        n = _count(target)
        sums[0] += torch.tensor([float(loss.detach()) * n, n], dtype=torch.float64)
        with torch.no_grad():
            for i, metric in enumerate(self.metrics, 1):
                s = metric.batch_state(output.detach().cpu(), target.detach().cpu())
                sums[i] = s if sums[i] is None else sums[i] + s

    def _results(self, sums, reduce: bool, prefix: str = "") -> dict[str, float]:
        if reduce and self.world > 1:
            sums = [ddp.all_reduce_sum(s) if s is not None else None for s in sums]
        logs = {f"{prefix}loss": float(sums[0][0] / sums[0][1]) if sums[0][1] > 0 else float("nan")}
        for metric, s in zip(self.metrics, sums[1:]):
            if s is not None:
                logs[f"{prefix}{metric.name}"] = metric.result(s)
        return logs

    # ------------------------------------------------------------------ fit
    def fit(self, train: Any, *, epochs: int = 1, batch_size: int = 32, validation_data: Any = None,
            validation_split: float = 0.0, shuffle: bool = True, resume: bool = False) -> History:
        if epochs < 1 or batch_size < 1:
            raise ValueError(f"epochs={epochs!r}, batch_size={batch_size!r}; expected >= 1")
        if isinstance(train, torch.utils.data.DataLoader):
            # a loader gives its dataset, batch size and collate function; the order is the trainer's
            # own seeded one (needed for exact resume), not the loader's sampler
            self.collate_fn = self.collate_fn or train.collate_fn
            batch_size, train = train.batch_size or batch_size, train.dataset
        dataset = as_dataset(train)
        if validation_split:
            if validation_data is not None:
                raise ValueError("give validation_data or validation_split, not both")
            dataset, validation_data = split_validation(dataset, validation_split)
        if len(dataset) == 0:
            raise UserError("the training data is empty")
        self.epochs = epochs
        self.batch_size = dataset.batch_size if isinstance(dataset, BatchDataset) else batch_size
        items_per_step = 1 if isinstance(dataset, BatchDataset) else batch_size
        steps_per_epoch = -(-math.ceil(len(dataset) / self.world) // items_per_step)
        if self.schedule_name:
            self.schedule = make_schedule(self.schedule_name, self.optimizer, epochs=epochs,
                                          steps_per_epoch=steps_per_epoch, **self.schedule_options)
        self.data_summary.setdefault("train samples", len(dataset))
        if validation_data is not None:
            self.data_summary.setdefault("validation samples", len(as_dataset(validation_data)))
        start_epoch, skip, sums = 0, 0, None
        self.history, self.records = History(), []
        if resume:
            start_epoch, skip, sums = self._restore()
        elif self.run is not None and self.is_main:
            self.run.make()
            self.run.write_config(self._run_config(self.batch_size, epochs, validation_split, shuffle))
        ddp.barrier()
        self.stop_training, t_start = False, time.perf_counter()
        self.train_seconds = getattr(self, "train_seconds", 0.0)
        for cb in self.callbacks:
            cb.on_train_begin(self)
        progress = Progress(epochs, self.quiet, self.log_every)
        logs: dict[str, float] = {}
        for epoch in range(start_epoch, epochs):
            self.epoch = epoch
            for cb in self.callbacks:
                cb.on_epoch_begin(self, epoch)
            loader, steps = train_loader(dataset, batch_size, epoch=epoch, seed=self.seed, shuffle=shuffle,
                                         skip_batches=skip, rank=self.rank, world=self.world,
                                         collate_fn=self.collate_fn)
            sums = sums if sums is not None else self._empty_sums()
            progress.start_epoch(epoch, steps, skip)
            self.train_model.train()
            for i, batch in enumerate(loader, start=skip + 1):
                x, lengths, y = split_batch(batch)
                if y is None:
                    raise UserError("training batches have no targets; give (x, y) or (x, lengths, y)")
                y = y.to(self.device)
                output = self._forward(self.train_model, x, lengths)
                loss = self._loss(output, y)
                self._check_finite(loss, epoch, i, steps)
                self.optimizer.zero_grad(set_to_none=True)
                loss.backward()
                self._clip()
                self.epoch_lr = self.lr  # logged: the rate of the epoch's last step
                self.optimizer.step()
                if self.schedule is not None and self.schedule.every == "step":
                    self.schedule.scheduler.step()
                self.global_step += 1
                self._accumulate(sums, loss, output, y)
                step_logs = {"loss": float(sums[0][0] / sums[0][1])}
                progress.update(i, _count(y), step_logs)
                for cb in self.callbacks:
                    cb.on_batch_end(self, self.global_step, step_logs)
                if self.log_every and self.global_step % self.log_every == 0:
                    self._record("step", epoch, {**self._results(sums, reduce=False), "lr": self.lr})
                if self.checkpoint_every and self.global_step % self.checkpoint_every == 0:
                    self._checkpoint(epoch, i, sums)
            logs = self._results(sums, reduce=True)
            if validation_data is not None:
                logs.update(self.evaluate(validation_data, batch_size=batch_size, prefix="val_"))
            logs["lr"] = getattr(self, "epoch_lr", self.lr)
            self._epoch_schedule(logs)
            self.history.append(epoch, logs)
            for cb in self.callbacks:
                cb.on_epoch_end(self, epoch, logs)
            self._record("epoch", epoch, logs)
            progress.end_epoch(logs)
            skip, sums = 0, None
            self.train_seconds += time.perf_counter() - t_start
            t_start = time.perf_counter()
            self._checkpoint(epoch + 1, 0, None)
            if self.stop_training:
                break
        progress.close()
        for cb in self.callbacks:
            cb.on_train_end(self, logs)
        self._finish(logs)
        return self.history

    @property
    def lr(self) -> float:
        return float(self.optimizer.param_groups[0]["lr"])

    def _check_finite(self, loss: torch.Tensor, epoch: int, step: int, steps: int) -> None:
        bad = torch.tensor([0.0 if torch.isfinite(loss.detach()).all() else 1.0], dtype=torch.float64)
        if ddp.all_reduce_sum(bad).item() == 0:
            return
        where = f"epoch {epoch + 1}, step {step}/{steps} (global step {self.global_step + 1})"
        kept = ""
        if self.run is not None:
            ckpt = last_checkpoint(self.run.path)
            kept = f"; the last good checkpoint is kept in {ckpt}" if ckpt else "; no checkpoint was written yet"
        raise NonFiniteLossError(f"loss became {float(loss.detach().reshape(-1)[0])} at {where}{kept}; "
                                 "try a lower learning rate or clip_norm")

    def _clip(self) -> None:
        params = [p for p in self.model.parameters() if p.grad is not None]
        if self.clip_value is not None:
            torch.nn.utils.clip_grad_value_(params, self.clip_value)
        if self.clip_norm is not None:
            torch.nn.utils.clip_grad_norm_(params, self.clip_norm)

    def _epoch_schedule(self, logs: dict[str, float]) -> None:
        if self.schedule is None:
            return
        if self.schedule.every == "epoch":
            self.schedule.scheduler.step()
        elif self.schedule.every == "plateau":
            self.schedule.scheduler.step(logs.get("val_loss", logs["loss"]))

    # ------------------------------------------------------------------ evaluate / predict
    @torch.no_grad()
    def evaluate(self, data: Any, *, batch_size: int | None = None, prefix: str = "") -> dict[str, float]:
        """Loss and metrics over `data`, exact over all samples (and all ranks)."""
        loader = eval_loader(data, batch_size or getattr(self, "batch_size", 256), self.rank, self.world,
                             self.collate_fn)
        was_training = self.model.training
        self.model.eval()
        sums = self._empty_sums()
        for batch in loader:
            x, lengths, y = split_batch(batch)
            if y is None:
                raise UserError("evaluation data has no targets; give (x, y) or (x, lengths, y)")
            y = y.to(self.device)
            output = self._forward(self.forward_module, x, lengths)
            self._accumulate(sums, self._loss(output, y), output, y)
        self.model.train(was_training)
        return self._results(sums, reduce=True, prefix=prefix)

    @torch.no_grad()
    def predict(self, data: Any, *, batch_size: int | None = None) -> torch.Tensor:
        """Model outputs for every sample of `data`, in order (on this process's shard under DDP)."""
        return predict(self.model, data, batch_size=batch_size or getattr(self, "batch_size", 256),
                       device=self.device, collate_fn=self.collate_fn, rank=self.rank, world=self.world)

    # ------------------------------------------------------------------ run folder
    def _run_config(self, batch_size, epochs, validation_split, shuffle) -> dict[str, Any]:
        from rnnkit import __version__

        try:
            from rnnkit.models.registry import model_config

            model_cfg = model_config(self.model)
        except ValueError:
            model_cfg = None  # an unregistered model trains fine; `load(run_dir)` then needs the class
        training = {"loss": self.loss_name, "optimizer": self.optimizer_name, "lr": self.lr,
                    "metrics": [m.name for m in self.metrics], "from_logits": self.from_logits,
                    "schedule": self.schedule_name, "clip_norm": self.clip_norm, "clip_value": self.clip_value,
                    "seed": self.seed, "epochs": epochs, "batch_size": batch_size,
                    "validation_split": validation_split, "shuffle": shuffle, "world_size": self.world}
        return {"rnnkit_version": __version__, **self.config, "model": model_cfg, "training": training}

    def _record(self, kind: str, epoch: int, logs: dict[str, float]) -> None:
        self.records.append({"kind": kind, "epoch": epoch + 1, "step": self.global_step, **logs})
        if self.run is not None and self.is_main:
            self.run.write_metrics(self.records)

    def _state(self, epoch: int, batch: int, sums) -> dict[str, Any]:
        return {
            "epoch": epoch, "batch": batch, "global_step": self.global_step,
            "train_seconds": float(getattr(self, "train_seconds", 0.0)),
            "sums": [s for s in sums] if sums is not None else None,
            "metric_present": [s is not None for s in sums] if sums is not None else None,
            "optimizer": self.optimizer.state_dict(),
            "schedule": self.schedule.state_dict() if self.schedule is not None else None,
            "callbacks": [cb.state_dict() for cb in self.callbacks],
            "history": self.history.state_dict(), "records": self.records,
            "loss_name": self.loss_name, "rng": rng_state(), "epoch_lr": getattr(self, "epoch_lr", self.lr),
        }

    def _checkpoint(self, epoch: int, batch: int, sums) -> None:
        if self.run is None or not self.is_main:
            return
        if sums is not None:
            sums = [s if s is not None else torch.zeros(0, dtype=torch.float64) for s in sums]
        save_checkpoint(self.run.path, self.global_step, self.model, self._state(epoch, batch, sums),
                        tag="" if sums is not None else "-epoch-end")
        if not any(getattr(cb, "owns_model_file", False) for cb in self.callbacks):
            self.run.save_model(self.model)

    def _restore(self) -> tuple[int, int, list | None]:
        if self.run is None:
            raise ValueError("resume=True needs a run_dir to resume from")
        ckpt = last_checkpoint(self.run.path)
        if ckpt is None:
            raise UserError(f"{self.run.path}: no checkpoint to resume from")
        state = load_checkpoint(ckpt, self.model)
        self.optimizer.load_state_dict(state["optimizer"])
        if self.schedule is not None and state["schedule"] is not None:
            self.schedule.load_state_dict(state["schedule"])
        for cb, cb_state in zip(self.callbacks, state["callbacks"]):
            cb.load_state_dict(cb_state)
        self.history = History(state["history"]["history"], state["history"]["epoch"])
        self.records, self.global_step = state["records"], state["global_step"]
        self.train_seconds = state["train_seconds"]
        if state["loss_name"] != "auto" and self.loss_fn is None:
            self.loss_name = state["loss_name"]
            self.loss_fn = get_loss(self.loss_name, self.from_logits)
        self.epoch_lr = state["epoch_lr"]
        set_rng_state(state["rng"])
        sums = None
        if state["sums"] is not None:
            sums = [s if present else None for s, present in zip(state["sums"], state["metric_present"])]
        return state["epoch"], state["batch"], sums

    def _finish(self, logs: dict[str, float]) -> None:
        if not logs and self.history.epoch:  # resumed after the last epoch had finished
            logs = {k: v[-1] for k, v in self.history.history.items()}
        self.final_logs = logs
        if self.run is None or not self.is_main:
            return
        if not any(getattr(cb, "owns_model_file", False) for cb in self.callbacks):
            self.run.save_model(self.model)
        if self.history.epoch:
            self.history.plot(self.run.file("history.png"))
        self.run.write_report(self.report(logs))

    def report(self, logs: dict[str, float], title: str = "Training report") -> str:
        n_params = sum(p.numel() for p in self.model.parameters())
        seconds = float(getattr(self, "train_seconds", 0.0))
        epochs_done = len(self.history.epoch)
        samples = self.data_summary.get("train samples", 0) * epochs_done
        lines = [f"# {title}", "", "## Final metrics", "", "| metric | value |", "|---|---|"]
        lines += [f"| {k} | {v:.6g} |" for k, v in logs.items()]
        lines += ["", "## Data", ""] + [f"- {k}: {v}" for k, v in self.data_summary.items()]
        lines += ["", "## Model", "", f"- class: {type(self.model).__name__}", f"- parameters: {n_params:,}"]
        lines += ["", "## Training", "", f"- epochs run: {epochs_done}", f"- optimizer steps: {self.global_step}",
                  f"- batch size: {getattr(self, 'batch_size', '?')}", f"- optimizer: {self.optimizer_name}",
                  f"- loss: {self.loss_name}", f"- processes: {self.world}",
                  f"- wall time: {seconds:.1f} s ({seconds / max(1, epochs_done):.1f} s/epoch, "
                  f"{samples / max(seconds, 1e-9):.0f} samples/s)", ""]
        return "\n".join(lines)


@torch.no_grad()
def predict(model: nn.Module, data: Any, *, batch_size: int = 256, device: str | torch.device = "cpu",
            collate_fn=None, rank: int = 0, world: int = 1) -> torch.Tensor:
    """Outputs of `model` over `data` (x alone, (x, y), (x, lengths, y) or a dict), concatenated."""
    loader = eval_loader(data, batch_size, rank, world, collate_fn)
    was_training = model.training
    model.eval()
    outs = []
    for batch in loader:
        x, lengths, _ = split_batch(batch)
        x = x.to(device)
        out = model(x) if lengths is None else model(x, lengths=lengths)
        outs.append((out[0] if isinstance(out, tuple) else out).cpu())
    model.train(was_training)
    return torch.cat(outs) if outs else torch.empty(0)
