"""A run's delivered prediction: its model blended with its baseline, (1 - w) model + w baseline.

Text, series-classification and forecast runs all deliver this blend, with w chosen on the validation
split from the same grid, so a run is never worse than its baseline there; each task says what "best"
means for it (text: log loss of the Platt-scaled blend; series: accuracy, then log loss; forecasts: MAE).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

WEIGHTS = tuple(round(0.05 * i, 2) for i in range(21))
"""The baseline weights tried: 0, 0.05, ..., 1."""


def blend(model: np.ndarray, baseline: np.ndarray, weight: float) -> np.ndarray:
    """(1 - weight) model + weight baseline; the model's own array where the weight is 0."""
    return model if weight == 0 else (1 - weight) * model + weight * baseline


def accuracy(probs: np.ndarray, labels: np.ndarray) -> float:
    """The share of rows whose most probable class (N, K) is their label."""
    return float(np.mean(probs.argmax(1) == np.asarray(labels)))


def log_loss(probs: np.ndarray, labels: np.ndarray) -> float:
    """Mean negative log-probability of the true labels (probabilities clipped at 1e-12)."""
    return float(np.mean(log_losses(probs, labels)))


def log_losses(probs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Each row's negative log-probability of its true label (probabilities clipped at 1e-12)."""
    picked = probs[np.arange(len(labels)), np.asarray(labels)]
    return -np.log(np.clip(picked, 1e-12, None))


def clear_gain(gain: np.ndarray, standard_errors: float) -> tuple[bool, float, float]:
    """Whether the mean of the per-case `gain` (a paired difference, positive where the candidate is better)
    exceeds `standard_errors` of its standard errors; and the mean and the standard error. One case, or
    none, is never clear."""
    gain = np.asarray(gain, dtype=float)
    if len(gain) < 2:
        return False, float(gain.mean()) if len(gain) else 0.0, float("inf")
    se = float(gain.std(ddof=1) / np.sqrt(len(gain)))
    return bool(gain.mean() > standard_errors * se), float(gain.mean()), se


def best_weight(loss: Callable[[float], object]) -> float:
    """The weight of WEIGHTS with the lowest `loss(weight)` (any comparable value), the smallest of equals."""
    return min(WEIGHTS, key=lambda w: (loss(w), w))


def pulled_weight(chosen: float, n: int, prior: float) -> float:
    """A weight chosen on n validation cases pulled toward the equal average by `prior` cases: the grid's weight
    nearest (n chosen + prior 0.5) / (n + prior), the nearer 0.5 of two. Few cases choose a weight by chance
    (series classification's few validation series, a short series' few forecast windows); many barely move it."""
    pulled = (n * chosen + prior * 0.5) / (n + prior)
    return min(WEIGHTS, key=lambda w: (round(abs(w - pulled), 9), abs(w - 0.5)))
