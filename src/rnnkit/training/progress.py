"""Training progress: a live rich bar per epoch on a terminal, one line per epoch otherwise (CI, pipes,
log files), as Keras' `verbose=2` does.

The bar shows loss, samples/s and the ETA while the epoch runs; every epoch then ends with one line,
`epoch 3/30 done in 2.1s: loss=0.41 acc=0.87 val_loss=0.45 ...`, the same on a terminal and in a log.
Off a terminal, step lines are printed only when asked for (`log_every` N > 0: one every N steps, as the
metrics.jsonl lines). `quiet` prints nothing.
"""
from __future__ import annotations

import sys
import time


def _fmt(logs: dict[str, float]) -> str:
    return " ".join(f"{k}={v:.4g}" for k, v in logs.items() if k not in ("epoch", "step"))


class Progress:
    def __init__(self, epochs: int, quiet: bool = False, log_every: int = 0, stream=None):
        self.epochs, self.quiet, self.log_every = epochs, quiet, log_every
        self.stream = stream or sys.stdout
        self.live = not quiet and hasattr(self.stream, "isatty") and self.stream.isatty()
        # the epoch in progress, set by start_epoch
        self.epoch, self.steps, self.t0, self.samples = 0, 0, time.perf_counter(), 0
        self._bar = self._task = None  # the live bar and its task id

    def start_epoch(self, epoch: int, steps: int, done: int = 0) -> None:
        self.epoch, self.steps, self.t0, self.samples = epoch, steps, time.perf_counter(), 0
        if self.live:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress as Bar, TextColumn, TimeRemainingColumn

            self._bar = Bar(TextColumn(f"epoch {epoch + 1}/{self.epochs}"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("{task.fields[info]}"), TimeRemainingColumn(), transient=False,
                            console=Console(file=self.stream, force_terminal=True))
            self._bar.start()
            self._task = self._bar.add_task("train", total=steps, completed=done, info="")

    def update(self, step_in_epoch: int, batch_samples: int, logs: dict[str, float]) -> None:
        self.samples += batch_samples
        if self.quiet:
            return
        speed = self.samples / max(1e-9, time.perf_counter() - self.t0)
        if self._bar is not None:
            self._bar.update(self._task, completed=step_in_epoch, info=f"{_fmt(logs)} {speed:.0f} samples/s")
        elif self.log_every and step_in_epoch % self.log_every == 0 and step_in_epoch < self.steps:
            print(f"epoch {self.epoch + 1}/{self.epochs} step {step_in_epoch}/{self.steps} {_fmt(logs)} "
                  f"{speed:.0f} samples/s", file=self.stream, flush=True)

    def end_epoch(self, logs: dict[str, float]) -> None:
        seconds = time.perf_counter() - self.t0
        self.close()
        if not self.quiet:
            print(f"epoch {self.epoch + 1}/{self.epochs} done in {seconds:.1f}s: {_fmt(logs)}", file=self.stream,
                  flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
