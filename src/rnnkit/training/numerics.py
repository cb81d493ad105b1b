"""Watching the numbers of each training step: NaN/inf in the loss or the gradients, exploding gradients.

Every step, after the forward pass, the loss is checked; after the backward pass, the global gradient
norm ||g|| = sqrt(sum_p ||grad p||^2) of the raw gradients (before any clipping: value clipping would
turn an inf into a finite number). A non-finite loss or norm follows `on_nan`:

    "stop"  (default) training stops with one line naming the epoch and step (a `NonFiniteLossError`,
            a `UserError`: the CLI prints it and exits 2); no update is made from that step, so the
            weights in memory and every checkpoint written before it are intact.
    "skip"  the step makes no update (no optimizer or schedule step; its batch is left out of the
            epoch's loss and metrics) and training goes on; each skip is a line of report.md.

Exploding gradients (article 004; Pascanu, Mikolov & Bengio 2013): with no `clip_norm` set, a step
whose finite norm is over `EXPLODING` times the median norm of the last `WINDOW` steps is reported
once per run, with the norm and a hint: clip the norm near its usual size, as Pascanu et al. suggest
(a threshold from the average norm over many updates).
"""
from __future__ import annotations

import math
import statistics
from collections import deque
from typing import Callable, Iterable

import torch

from rnnkit.training import distributed as ddp
from rnnkit.training.choices import ON_NAN, OnNaN  # noqa: F401  (importable from here too)
from rnnkit.training.losses import NonFiniteLossError

WINDOW = 50  # the recent steps whose median norm is the usual size
MIN_STEPS = 10  # no explosion is called before this many norms are known
EXPLODING = 100.0  # a norm this many times the median is an explosion


def gradient_norm(parameters: Iterable[torch.nn.Parameter]) -> float:
    """The global L2 norm of the raw gradients (inf or NaN when any element is); 0.0 without gradients."""
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return 0.0
    return float(torch.nn.utils.get_total_norm(grads, 2.0))


def round_up(x: float) -> float:
    """x rounded up to two significant digits: a clip value a person would type."""
    scale = 10 ** (math.floor(math.log10(x)) - 1)
    return math.ceil(x / scale) * scale


class StepWatch:
    """The checks of one training run; `where` strings name the step ("epoch 2, step 3/10 (global step 13)")."""

    def __init__(self, on_nan: str = "stop", clip_norm: float | None = None):
        if on_nan not in ON_NAN:
            raise ValueError(f"on_nan={on_nan!r}; expected one of {ON_NAN}")
        self.on_nan, self.clip_norm = on_nan, clip_norm
        self.norms: deque[float] = deque(maxlen=WINDOW)
        self.notes: list[str] = []  # report.md's lines: skipped steps, the explosion
        self.exploded = False
        self.skipped = 0
        self._shown = 0  # notes already handed out by take_notes

    def loss_ok(self, loss: torch.Tensor, where: str, kept: Callable[[], str]) -> bool:
        """False when the step must be skipped; raises under "stop". `kept()` names the last good checkpoint."""
        bad = torch.tensor([0.0 if torch.isfinite(loss.detach()).all() else 1.0], dtype=torch.float64)
        if ddp.all_reduce_sum(bad).item() == 0:
            return True
        return self._non_finite(f"loss became {float(loss.detach().reshape(-1)[0])}", where, kept)

    def gradients_ok(self, norm: float, where: str, kept: Callable[[], str]) -> bool:
        """Check the gradient norm of a step (identical on every rank after DDP's all-reduce)."""
        if not math.isfinite(norm):
            return self._non_finite(f"gradients became non-finite (norm {norm})", where, kept)
        self._watch_explosion(norm, where)
        return True

    def _non_finite(self, what: str, where: str, kept: Callable[[], str]) -> bool:
        if self.on_nan == "stop":
            raise NonFiniteLossError(f"{what} at {where}{kept()}; try a lower learning rate or clip_norm, "
                                     "or on_nan=skip (--on-nan skip) to skip such steps")
        self.skipped += 1
        self.notes.append(f"{where}: {what}; the step was skipped (on_nan=skip)")
        return False

    def _watch_explosion(self, norm: float, where: str) -> None:
        if self.clip_norm is None and not self.exploded and len(self.norms) >= MIN_STEPS:
            usual = statistics.median(self.norms)
            if usual > 0 and norm > EXPLODING * usual:
                self.exploded = True
                self.notes.append(f"exploding gradients at {where}: norm {norm:.4g}, {norm / usual:.0f} times the "
                                  f"median {usual:.4g} of the last {len(self.norms)} steps; clip them with "
                                  f"clip_norm={round_up(usual):g} (--clip-norm {round_up(usual):g})")
        self.norms.append(norm)

    def take_notes(self) -> list[str]:
        """The notes since the last call (the trainer prints them as they come)."""
        notes, self._shown = self.notes[self._shown:], len(self.notes)
        return notes
