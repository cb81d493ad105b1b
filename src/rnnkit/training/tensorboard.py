"""`TensorBoard`: the run's curves as TensorBoard event files under RUN/tensorboard, beside metrics.jsonl
(which stays the run's record; `--tensorboard` in every task, off by default).

    train/loss, train/grad_norm, train/lr      every optimizer step (the step's own loss, the global
                                               gradient norm before clipping, the rate the step used)
    epoch/<name>                               every value an epoch logs: loss and metrics, their val_
                                               twins, lr (at the global step the epoch ended on)
    gates/<layer>/<cell>/<quantity>            with `histograms` (--tensorboard-histograms): per epoch, the
                                               distribution of every gate, candidate and state of every
                                               recurrent layer over the epoch's last training batch
                                               (`rnnkit.inspect.trace`, the model in eval mode), so a
                                               forget gate that saturates shows as it happens

Written through `torch.utils.tensorboard.SummaryWriter` (the `tensorboard` package), by the main process
only; a resumed run drops the events after its checkpoint's step (`purge_step`), so the curves do not
double back. `tensorboard --logdir RUN/tensorboard` shows them.
"""
from __future__ import annotations

import math
from pathlib import Path

import torch

from rnnkit.training.callbacks import Callback
from rnnkit.training.outputs import eval_mode

FOLDER = "tensorboard"


class TensorBoard(Callback):
    """Event files in `log_dir`, or in the trainer's run folder's tensorboard/ (no run folder: nothing)."""

    def __init__(self, log_dir: str | Path | None = None, histograms: bool = False):
        self.log_dir = log_dir
        self.histograms = histograms
        self.writer = None
        self.probe = None  # the last step's inputs, traced at the epoch's end

    def on_train_begin(self, trainer) -> None:
        if not trainer.is_main or (self.log_dir is None and trainer.run is None):
            return
        from torch.utils.tensorboard import SummaryWriter  # imported when asked for: it pulls in tensorboard

        folder = Path(self.log_dir) if self.log_dir is not None else trainer.run.path / FOLDER
        # a resumed run: the events of the steps after its checkpoint were lost with them, and are written again
        self.writer = SummaryWriter(str(folder), purge_step=trainer.global_step + 1 if trainer.global_step else None)

    def on_batch_end(self, trainer, step: int, logs: dict[str, float]) -> None:
        if self.writer is None or trainer.step_loss is None:  # None: a skipped step (on_nan="skip")
            return
        self._scalar("train/loss", float(trainer.step_loss), step)
        if trainer.step_grad_norm is not None:
            self._scalar("train/grad_norm", float(trainer.step_grad_norm), step)
        self._scalar("train/lr", trainer.epoch_lr if trainer.epoch_lr is not None else trainer.lr, step)
        if self.histograms and trainer.step_batch is not None:
            self.probe = trainer.step_batch

    def on_epoch_end(self, trainer, epoch: int, logs: dict[str, float]) -> None:
        if self.writer is None:
            return
        for name, value in logs.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                self._scalar(f"epoch/{name}", float(value), trainer.global_step)
        if self.probe is not None:
            self._gate_histograms(trainer)
        self.writer.flush()

    def on_train_end(self, trainer, logs: dict[str, float]) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    def _gate_histograms(self, trainer) -> None:
        from rnnkit.inspect import trace  # imported when asked for: tracing re-runs the layers step by step

        x, lengths = self.probe
        self.probe = None
        kwargs = {} if lengths is None else {"lengths": lengths}
        with torch.no_grad(), eval_mode(trainer.model) as model:
            traced = trace(model, x.to(trainer.device), **kwargs)
        for layer in traced.layers:
            for cell in layer.cells:
                for quantity, values in cell.values.items():
                    values = values[~torch.isnan(values)]  # padded steps are NaN
                    if values.numel():
                        tag = f"gates/{layer.name}/{cell.label}/{quantity}".replace(" ", "_")
                        self.writer.add_histogram(tag, values, trainer.global_step)

    def _scalar(self, tag: str, value: float, step: int) -> None:
        if math.isfinite(value):
            self.writer.add_scalar(tag, value, step)
