"""Platt scaling of class probabilities (Platt 1999), in the multi-class form that shares one scale between
the classes and gives each class a bias (Guo et al. 2017 call its relatives temperature and vector scaling):

    q(y | x) = softmax_y(a log p(y | x) + c_y),   c_0 = 0

with a and c fitted by log loss on held-out texts. a is 1 / T of temperature scaling: a > 1 sharpens
underconfident probabilities, a < 1 flattens overconfident ones; c moves the decision boundary toward the
classes that p under-predicts. The fit is a MAP estimate under a standard normal prior on log a and on each
c_y, so a handful of held-out texts leaves the scaling near the identity (a = 1, c = 0), which returns p
itself, untouched; and a class bias is fitted only when every class has MIN_PER_CLASS held-out examples (a
bias learnt from one or two texts of a class says nothing about it), else the scale alone.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize
from scipy.special import log_softmax

FLOOR = 1e-12
"""probabilities are clipped here before the log, as the log loss clips them"""
MIN_PER_CLASS = 10
"""the fewest held-out examples of any class for the class biases to be fitted"""


@dataclass(frozen=True)
class Scaling:
    scale: float = 1.0
    """a: 1 / temperature"""
    bias: tuple[float, ...] = field(default_factory=tuple)
    """c_1 ... c_{K-1} (c_0 = 0); empty: no bias"""

    @property
    def identity(self) -> bool:
        return self.scale == 1.0 and not any(self.bias)

    def apply(self, probs: np.ndarray) -> np.ndarray:
        """q = softmax(a log p + c); p itself, the same array, when the scaling is the identity."""
        if self.identity:
            return probs
        return np.exp(log_softmax(self.logits(probs), axis=1))

    def logits(self, probs: np.ndarray) -> np.ndarray:
        bias = np.r_[0.0, self.bias] if self.bias else 0.0
        return self.scale * np.log(np.clip(probs, FLOOR, None)) + bias

    def to_json(self) -> dict:
        return {"scale": self.scale, "bias": list(self.bias)}

    @classmethod
    def from_json(cls, record: dict | None) -> "Scaling":
        """The saved scaling; the identity for runs saved before there was one (record None)."""
        record = record or {}
        return cls(float(record.get("scale", 1.0)), tuple(float(b) for b in record.get("bias", ())))


def fit_scaling(probs: np.ndarray, labels: np.ndarray, biases: bool = True) -> tuple[Scaling, float]:
    """The MAP Platt scaling of (N, K) `probs` for integer `labels`, and its mean log loss on them (the
    prior's penalty not included); the scale alone when a class has fewer than MIN_PER_CLASS labels or
    `biases` is False (a scaling that keeps each text's most probable class)."""
    labels = np.asarray(labels)
    n, k = probs.shape
    biased = biases and np.bincount(labels, minlength=k).min() >= MIN_PER_CLASS
    logp = np.log(np.clip(probs, FLOOR, None))
    onehot = np.eye(k)[labels]

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        # theta = (log a, c_1 ... c_{K-1}); the prior's -log density, divided by n like the mean log loss
        a = np.exp(theta[0])
        logq = log_softmax(a * logp + np.r_[0.0, theta[1:]], axis=1)
        residual = np.exp(logq) - onehot  # d(mean NLL)/d logits, times n
        loss = -np.sum(logq * onehot) / n + 0.5 * np.sum(theta ** 2) / n
        grad = np.r_[a * np.sum(residual * logp) / n, residual[:, 1:].sum(0)[:len(theta) - 1] / n] + theta / n
        return loss, grad

    theta = minimize(objective, np.zeros(k if biased else 1), jac=True, method="L-BFGS-B").x
    scaling = Scaling(float(np.exp(theta[0])), tuple(float(c) for c in theta[1:]))
    picked = log_softmax(scaling.logits(probs), axis=1)[np.arange(n), labels]
    return scaling, float(-np.mean(picked))
