"""An epoch's exact totals of the loss and the metrics, added batch by batch.

The loss total is (sum of loss * batch samples, samples); each metric adds its own small float64
state vector (see `metrics`). The epoch's values come from the totals, all-reduced across DDP
ranks, not from a mean of batch means: exact, and the same on one process and on N.
"""
from __future__ import annotations

from typing import Sequence

import torch

from rnnkit.training import distributed as ddp
from rnnkit.training.metrics import Metric


class EpochTotals:
    """`sums[0]` is the loss total, `sums[i]` metric i's state (None until its first batch)."""

    def __init__(self, metrics: Sequence[Metric], sums: list[torch.Tensor | None] | None = None):
        self.metrics = list(metrics)
        self.sums = sums if sums is not None else [torch.zeros(2, dtype=torch.float64)] + [None] * len(self.metrics)

    def add(self, loss: torch.Tensor, output: torch.Tensor, target: torch.Tensor) -> None:
        n = int(target.shape[0])
        self.sums[0] += torch.tensor([float(loss.detach()) * n, n], dtype=torch.float64)
        with torch.no_grad():
            for i, metric in enumerate(self.metrics, 1):
                s = metric.batch_state(output.detach().cpu(), target.detach().cpu())
                self.sums[i] = s if self.sums[i] is None else self.sums[i] + s

    def mean_loss(self) -> float:
        """The loss so far on this process (the running value a progress line shows)."""
        return float(self.sums[0][0] / self.sums[0][1])

    def results(self, *, all_ranks: bool, prefix: str = "") -> dict[str, float]:
        """{prefix + "loss": ..., prefix + metric name: ...}; `all_ranks` sums over DDP ranks first."""
        sums = self.sums
        if all_ranks and ddp.world_size() > 1:
            sums = [ddp.all_reduce_sum(s) if s is not None else None for s in sums]
        logs = {f"{prefix}loss": float(sums[0][0] / sums[0][1]) if sums[0][1] > 0 else float("nan")}
        for metric, s in zip(self.metrics, sums[1:]):
            if s is not None:
                logs[f"{prefix}{metric.name}"] = metric.result(s)
        return logs
