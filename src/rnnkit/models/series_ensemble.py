"""An ensemble of series classifiers that differ only in their seed, their class probabilities averaged, as
InceptionTime averages its five networks (Ismail Fawaz et al. 2020, "InceptionTime: Finding AlexNet for
time series classification").

Each member is trained on its own (the ensemble itself is never trained); the ensemble is what a run
folder keeps and `predict` reads. Its output is a logit whose softmax (or sigmoid, for two classes) is the
members' mean probability, so the trainer's cross-entropy and accuracy score the average unchanged:

    p(k | x) = 1/M sum_m p_m(k | x)
    K > 2:  z_k = log p(k | x) = logsumexp_m log_softmax(z_m)_k - log M
    K = 2:  z = log p(1 | x) - log p(0 | x), each log mean over members of logsigmoid(+-z_m)
"""
from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .registry import build_model, model_config, register


@register("series_ensemble")
class SeriesEnsemble(nn.Module):
    """`count` copies of the model `member` describes ({"name": ..., **its config}), averaged."""

    def __init__(self, num_classes: int, member: dict[str, Any], count: int):
        super().__init__()
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValueError(f"count must be an integer >= 1, got {count!r}")
        if not isinstance(member, dict) or member.get("num_classes") != num_classes:
            raise ValueError(f"member must be a model config of num_classes={num_classes}, got {member!r}")
        self.num_classes, self.count = num_classes, count
        self.members = nn.ModuleList(build_model(member) for _ in range(count))

    @classmethod
    def of(cls, models: list[nn.Module]) -> "SeriesEnsemble":
        """The ensemble of trained `models` (of one config), their weights copied in."""
        ensemble = cls(models[0].num_classes, model_config(models[0]), len(models))
        for mine, trained in zip(ensemble.members, models):
            mine.load_state_dict(trained.state_dict())
        return ensemble.eval()

    @property
    def longest(self) -> int | None:
        return getattr(self.members[0], "longest", None)

    @property
    def output_activation(self) -> str:
        return self.members[0].output_activation

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        logits = torch.stack([m(x, lengths) for m in self.members])  # (M, B, K) or (M, B, 1)
        if self.num_classes == 2:
            def log_mean(z: Tensor) -> Tensor:
                return torch.logsumexp(F.logsigmoid(z), 0) - math.log(self.count)  # (B, 1)
            return log_mean(logits) - log_mean(-logits)  # (B, 1): the mean probability's logit
        return torch.logsumexp(F.log_softmax(logits, -1), 0) - math.log(self.count)  # (B, K)

    def predict_proba(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        """(B, K) the members' mean class probabilities."""
        return torch.stack([m.predict_proba(x, lengths) for m in self.members]).mean(0)

    def get_config(self) -> dict[str, Any]:
        return dict(num_classes=self.num_classes, member=model_config(self.members[0]), count=self.count)
