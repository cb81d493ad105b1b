"""The Trainer: fit / evaluate / predict for any `nn.Module`, writing a run folder as it goes.

It knows nothing about the model beyond `model(inputs)` or `model(inputs, lengths=lengths)` returning
outputs (logits unless `from_logits=False`). One training step is: forward, loss, a NaN/inf check,
backward, a check of the gradient norm, gradient clipping (by norm and/or value), optimizer step,
per-step schedule. The checks (`numerics`): a NaN/inf loss or gradient stops training naming the
step, or with `on_nan="skip"` skips the step; exploding gradients are reported once with a clip
value. Epoch values of loss and metrics are exact sums over the epoch (all-reduced across DDP
ranks), not batch means.

With a `run_dir`, rank 0 writes `config.json` at the start, a resumable checkpoint every
`checkpoint_every` steps and at each epoch end, `metrics.jsonl` (every `log_every` steps and every
epoch), `model.safetensors`, `history.png` and `report.md` at the end. `fit(resume=True)` restores
model, optimizer, schedule, callbacks, RNG states and the position in the seeded batch order, so a
run killed with `kill -9` and resumed ends with the same numbers as one never interrupted
(what a checkpoint holds: `state`; the report: `report`). Ctrl-C stops at the next step boundary
after saving a checkpoint and says how to resume (`interrupt`). When a callback ends training early
(early stopping), the trainer says when and why: a line on screen, a "stop" line in metrics.jsonl,
`stop_reason`, and a line of report.md.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any, Iterable, Sequence

import torch
from torch import nn
from torch.utils.data import Dataset

from rnnkit.errors import UserError
from rnnkit.io.checkpoint import last_checkpoint, load_checkpoint, save_checkpoint
from rnnkit.io.run import RunDir
from rnnkit.training import distributed as ddp
from rnnkit.training.batches import (BatchDataset, as_dataset, eval_loader, fit_data, split_batch,
                                     steps_per_epoch, train_loader)
from rnnkit.training.callbacks import Callback, stop_message
from rnnkit.training.history import History
from rnnkit.training.interrupt import StopRequest, interrupted
from rnnkit.training.losses import get_loss, infer_loss
from rnnkit.training.metrics import Metric, get_metric
from rnnkit.training.numerics import StepWatch, gradient_norm
from rnnkit.training.optim import Schedule, clip_gradients, make_optimizer, make_schedule
from rnnkit.training.outputs import eval_mode, model_outputs, predict
from rnnkit.training.progress import Progress
from rnnkit.training.report import run_config, training_report
from rnnkit.training.state import restore_resume_state, resume_state
from rnnkit.training.totals import EpochTotals

DEFAULT_EVAL_BATCH = 256  # evaluate/predict before any fit has set a batch size
SHOWN_NOTES = 10  # numerics notes printed as they come; all of them go to report.md


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
                 forward_module: nn.Module | None = None, on_nan: str = "stop", write_report: bool = True):
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
        self.train_model = self._distributed(self.forward_module)
        self.from_logits = from_logits
        self.loss_name = loss if isinstance(loss, str) else getattr(loss, "__name__", "custom")
        self.loss_fn = None if loss == "auto" else get_loss(loss, from_logits)  # "auto": set by the first batch
        if isinstance(optimizer, torch.optim.Optimizer):
            self.optimizer, self.optimizer_name = optimizer, type(optimizer).__name__.lower()
        else:
            self.optimizer = make_optimizer(optimizer, model.parameters(), lr=lr, weight_decay=weight_decay)
            self.optimizer_name = optimizer
        self.metrics = [get_metric(m, from_logits) for m in metrics]
        self.schedule_name, self.schedule_options = schedule, dict(schedule_options or {})
        self.schedule: Schedule | None = None  # made by fit, which knows the steps per epoch
        self.clip_norm, self.clip_value = clip_norm, clip_value
        self.watch = StepWatch(on_nan, clip_norm)
        self.callbacks = list(callbacks)
        self.run = RunDir(run_dir) if run_dir is not None else None
        self.config = dict(config or {})
        self.seed, self.checkpoint_every, self.log_every = seed, checkpoint_every, log_every
        self.quiet, self.collate_fn = quiet or not self.is_main, collate_fn
        self.data_summary = dict(data_summary or {})
        self.write_report = write_report  # False: the caller writes report.md once, with its own sections
        # set by fit; global_step and train_seconds add up over successive fit calls
        self.epochs, self.epoch, self.batch_size = 0, 0, None
        self.global_step, self.train_seconds = 0, 0.0
        self.epoch_lr: float | None = None  # the rate of the last step, logged with its epoch
        self.step_loss = self.step_grad_norm = None  # the last step's loss (a tensor) and gradient norm, or None
        self.stop_training = False  # a callback sets it to end training after the current epoch
        self.stop_reason: dict[str, Any] | None = None  # ... and this to say why (callbacks.stop_message)
        self.stop_request = StopRequest(listen=False)  # fit listens for Ctrl-C (interrupt.StopRequest)
        self.history = History()
        self.records: list[dict[str, Any]] = []  # metrics.jsonl's lines
        self.final_logs: dict[str, float] = {}

    def _distributed(self, module: nn.Module) -> nn.Module:
        if self.world == 1:
            return module
        from torch.nn.parallel import DistributedDataParallel

        ids = [self.device.index] if self.device.type == "cuda" else None
        return DistributedDataParallel(module, device_ids=ids)

    @property
    def lr(self) -> float:
        return float(self.optimizer.param_groups[0]["lr"])

    def _unpack(self, batch: Any, what: str):
        """(inputs, lengths or None, targets on the device) of a batch that must have targets."""
        x, lengths, y = split_batch(batch)
        if y is None:
            raise UserError(f"{what} has no targets; give (x, y) or (x, lengths, y)")
        return x, lengths, y.to(self.device)

    def _loss(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if self.loss_fn is None:
            self.loss_name = infer_loss(output, target)
            self.loss_fn = get_loss(self.loss_name, self.from_logits)
        return self.loss_fn(output, target)

    # ------------------------------------------------------------------ fit
    def fit(self, train: Any, *, epochs: int = 1, batch_size: int = 32, validation_data: Any = None,
            validation_split: float = 0.0, shuffle: bool = True, resume: bool = False) -> History:
        if epochs < 1 or batch_size < 1:
            raise ValueError(f"epochs={epochs!r}, batch_size={batch_size!r}; expected >= 1")
        dataset, validation_data, batch_size, self.collate_fn = fit_data(train, batch_size, validation_data,
                                                                         validation_split, self.collate_fn)
        self._prepare(dataset, validation_data, epochs, batch_size)
        start_epoch, skip, totals = 0, 0, None
        self.history, self.records, self.stop_reason = History(), [], None
        if resume:
            start_epoch, skip, totals = self._restore(validation_split, shuffle)
            if self.stop_reason is not None:  # it had stopped early: nothing is left to train
                start_epoch = epochs
        elif self.run is not None and self.is_main:
            self.run.make()
            self.run.write_config(run_config(self, epochs, validation_split, shuffle))
        ddp.barrier()
        self.stop_training, t_start = False, time.perf_counter()
        for cb in self.callbacks:
            cb.on_train_begin(self)
        progress = Progress(epochs, self.quiet, self.log_every)
        logs: dict[str, float] = {}
        with StopRequest(listen=self.world == 1) as self.stop_request:
            try:
                for epoch in range(start_epoch, epochs):
                    totals = self._train_epoch(dataset, batch_size, shuffle, epoch, skip, totals, progress)
                    logs = self._end_epoch(epoch, totals, validation_data, batch_size, progress)
                    skip, totals = 0, None  # only the first epoch of a resumed run starts part way
                    self.train_seconds += time.perf_counter() - t_start
                    t_start = time.perf_counter()
                    if self.stop_training:
                        self._say_stop(epoch)
                    self._checkpoint(epoch + 1, 0, None)
                    self._stop_if_asked(f"epoch {epoch + 1}")
                    if self.stop_training:
                        break
            finally:
                progress.close()
        for cb in self.callbacks:
            cb.on_train_end(self, logs)
        self._finish(logs)
        return self.history

    def _prepare(self, dataset: Dataset, validation_data: Any, epochs: int, batch_size: int) -> None:
        """Settings that depend on the data: batch size, the schedule's length, the data summary."""
        self.epochs = epochs
        self.batch_size = dataset.batch_size if isinstance(dataset, BatchDataset) else batch_size
        if self.schedule_name:
            self.schedule = make_schedule(self.schedule_name, self.optimizer, epochs=epochs,
                                          steps_per_epoch=steps_per_epoch(dataset, batch_size, self.world),
                                          **self.schedule_options)
        self.data_summary.setdefault("train samples", len(dataset))
        if validation_data is not None:
            self.data_summary.setdefault("validation samples", len(as_dataset(validation_data)))

    def _train_epoch(self, dataset: Dataset, batch_size: int, shuffle: bool, epoch: int, skip: int,
                     totals: EpochTotals | None, progress: Progress) -> EpochTotals:
        """Train on `epoch`'s batches after the first `skip` (done before a resume, which gives their `totals`)."""
        self.epoch = epoch
        for cb in self.callbacks:
            cb.on_epoch_begin(self, epoch)
        loader, steps = train_loader(dataset, batch_size, epoch=epoch, seed=self.seed, shuffle=shuffle,
                                     skip_batches=skip, rank=self.rank, world=self.world, collate_fn=self.collate_fn)
        totals = totals if totals is not None else EpochTotals(self.metrics)
        progress.start_epoch(epoch, steps, skip)
        self.train_model.train()
        for i, batch in enumerate(loader, start=skip + 1):
            x, lengths, y = self._unpack(batch, "training batches")
            output, loss = self._train_step(x, lengths, y, where=(epoch, i, steps))
            if output is not None:  # None: a skipped step (on_nan="skip") adds nothing to the epoch's values
                totals.add(loss, output, y)
            self._after_step(epoch, i, int(y.shape[0]), totals, progress)
        return totals

    def _train_step(self, x, lengths, y: torch.Tensor, where: tuple[int, int, int]):
        """One optimizer step on a batch; returns (outputs, loss), or (None, None) for a skipped step."""
        output = model_outputs(self.train_model, x, lengths, self.device)
        loss = self._loss(output, y)
        ok = self.watch.loss_ok(loss, self._where(*where), self._kept)
        self.optimizer.zero_grad(set_to_none=True)
        grad_norm = self.step_loss = self.step_grad_norm = self.step_batch = None  # the step's own values, for step callbacks
        if ok:
            loss.backward()
            grad_norm = gradient_norm(self.model.parameters())
            ok = self.watch.gradients_ok(grad_norm, self._where(*where), self._kept)
        self._show_notes()
        self.global_step += 1  # a skipped step counts: its batch is used up, so a resume finds the same place
        if not ok:
            self.optimizer.zero_grad(set_to_none=True)
            return None, None
        clip_gradients(self.model.parameters(), norm=self.clip_norm, value=self.clip_value, total_norm=grad_norm)
        self.epoch_lr = self.lr  # logged: the rate of the epoch's last step
        self.step_loss, self.step_grad_norm = loss.detach(), grad_norm
        self.step_batch = (x, lengths)  # the step's inputs, for step callbacks (gate histograms)
        self.optimizer.step()
        if self.schedule is not None:
            self.schedule.after_step()
        return output, loss

    def _where(self, epoch: int, step: int, steps: int) -> str:
        return f"epoch {epoch + 1}, step {step}/{steps} (global step {self.global_step + 1})"

    def _kept(self) -> str:
        """What a stop leaves: the last good checkpoint, named in the stop's message."""
        if self.run is None:
            return ""
        ckpt = last_checkpoint(self.run.path)
        return f"; the last good checkpoint is kept in {ckpt}" if ckpt else "; no checkpoint was written yet"

    def _show_notes(self) -> None:
        for note in self.watch.take_notes():
            if not self.quiet and len(self.watch.notes) <= SHOWN_NOTES:
                print(f"warning: {note}", file=sys.stderr, flush=True)

    def _after_step(self, epoch: int, step: int, samples: int, totals: EpochTotals, progress: Progress) -> None:
        """Progress, batch callbacks, and the step's metrics line and checkpoint when they are due."""
        step_logs = {"loss": totals.mean_loss()}
        progress.update(step, samples, step_logs)
        for cb in self.callbacks:
            cb.on_batch_end(self, self.global_step, step_logs)
        if self.log_every and self.global_step % self.log_every == 0:
            self._record("step", epoch, {**totals.results(all_ranks=False), "lr": self.lr})
        if self.checkpoint_every and self.global_step % self.checkpoint_every == 0:
            self._checkpoint(epoch, step, totals)
        elif self.stop_request.requested:
            self._checkpoint(epoch, step, totals)
        self._stop_if_asked(f"epoch {epoch + 1}, step {step} (global step {self.global_step})")

    def _stop_if_asked(self, where: str) -> None:
        """After a Ctrl-C, at a step boundary whose checkpoint is written: stop, saying how to resume."""
        if not self.stop_request.requested:
            return
        if self.run is None:  # nothing to resume from: stop as Python would
            raise KeyboardInterrupt
        imports = (self.config.get("task_config") or {}).get("imports")  # a resume must be let import them
        raise interrupted(where, last_checkpoint(self.run.path), self.run.path, trust_imports=bool(imports))

    def _end_epoch(self, epoch: int, totals: EpochTotals, validation_data: Any, batch_size: int,
                   progress: Progress) -> dict[str, float]:
        """The epoch's logs (training, validation, lr), then the schedule, history and callbacks."""
        logs = totals.results(all_ranks=True)
        if validation_data is not None:
            logs.update(self.evaluate(validation_data, batch_size=batch_size, prefix="val_"))
        logs["lr"] = self.lr if self.epoch_lr is None else self.epoch_lr
        if self.schedule is not None:
            self.schedule.after_epoch(logs)
        self.history.append(epoch, logs)
        for cb in self.callbacks:
            cb.on_epoch_end(self, epoch, logs)
        self._record("epoch", epoch, logs)
        progress.end_epoch(logs)
        return logs

    def _say_stop(self, epoch: int) -> None:
        """A callback ends training after `epoch`: say so on screen and in metrics.jsonl (before the
        epoch's checkpoint, which keeps `stop_reason`, so a resumed run knows it is done)."""
        self.stop_reason = self.stop_reason or {"by": "a callback", "epoch": epoch + 1}
        self.records.append({"kind": "stop", "step": self.global_step, **self.stop_reason})
        if self.run is not None and self.is_main:
            self.run.write_metrics(self.records)
        if not self.quiet:
            print(stop_message(self.stop_reason), flush=True)

    # ------------------------------------------------------------------ evaluate / predict
    @torch.no_grad()
    def evaluate(self, data: Any, *, batch_size: int | None = None, prefix: str = "") -> dict[str, float]:
        """Loss and metrics over `data`, exact over all samples (and all ranks)."""
        loader = eval_loader(data, batch_size or self.batch_size or DEFAULT_EVAL_BATCH, self.rank, self.world,
                             self.collate_fn)
        totals = EpochTotals(self.metrics)
        with eval_mode(self.model):
            for batch in loader:
                x, lengths, y = self._unpack(batch, "evaluation data")
                output = model_outputs(self.forward_module, x, lengths, self.device)
                totals.add(self._loss(output, y), output, y)
        return totals.results(all_ranks=True, prefix=prefix)

    @torch.no_grad()
    def predict(self, data: Any, *, batch_size: int | None = None) -> torch.Tensor:
        """Model outputs for every sample of `data`, in order (on this process's shard under DDP)."""
        return predict(self.model, data, batch_size=batch_size or self.batch_size or DEFAULT_EVAL_BATCH,
                       device=self.device, collate_fn=self.collate_fn, rank=self.rank, world=self.world)

    # ------------------------------------------------------------------ run folder
    def _record(self, kind: str, epoch: int, logs: dict[str, float]) -> None:
        self.records.append({"kind": kind, "epoch": epoch + 1, "step": self.global_step, **logs})
        if self.run is not None and self.is_main:
            self.run.write_metrics(self.records)

    def _owns_model_file(self) -> bool:
        """Whether the run's model.safetensors is the trainer's to write (not a best-weights callback's)."""
        return not any(getattr(cb, "owns_model_file", False) for cb in self.callbacks)

    def _checkpoint(self, epoch: int, batch: int, totals: EpochTotals | None) -> None:
        if self.run is None or not self.is_main:
            return
        save_checkpoint(self.run.path, self.global_step, self.model, resume_state(self, epoch, batch, totals),
                        tag="" if totals is not None else "-epoch-end")
        if self._owns_model_file():
            self.run.save_model(self.model)

    def _restore(self, validation_split: float, shuffle: bool) -> tuple[int, int, EpochTotals | None]:
        if self.run is None:
            raise ValueError("resume=True needs a run_dir to resume from")
        ckpt = last_checkpoint(self.run.path)
        if ckpt is None:  # killed before its first checkpoint (e.g. a second model of a run): start it again
            if not self.quiet:
                print(f"warning: {self.run.path} has no checkpoint yet; training it from the start",
                      file=sys.stderr, flush=True)
            if self.is_main:
                self.run.make()
                self.run.write_config(run_config(self, self.epochs, validation_split, shuffle))
            return 0, 0, None
        return restore_resume_state(self, load_checkpoint(ckpt, self.model))

    def _finish(self, logs: dict[str, float]) -> None:
        if not logs and self.history.epoch:  # resumed after the last epoch had finished
            logs = {k: v[-1] for k, v in self.history.history.items()}
        self.final_logs = logs
        if self.run is None or not self.is_main:
            return
        if self._owns_model_file():
            self.run.save_model(self.model)
        if self.history.epoch:
            self.history.plot(self.run.file("history.png"))
        if self.write_report:
            self.run.write_report(self.report(logs))

    def report(self, logs: dict[str, float], title: str = "Training report") -> str:
        """report.md's markdown for `logs` (see `report.training_report`)."""
        return training_report(self, logs, title)
