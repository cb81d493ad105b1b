"""MiniRocket + a linear classifier: the series classifier a recurrent model must beat (Dempster, Schmidt &
Webb 2021, "MiniRocket: a very fast (almost) deterministic transform for time series classification").

aeon's `MiniRocket` turns each series (N, C, T) into about 10,000 features: the proportion of positive
values (PPV) of fixed length-9 kernels, over dilations and biases drawn from the training series. A
multinomial logistic regression on the standardised features then gives class probabilities (the paper
uses a ridge classifier, which gives none; probabilities are what a blend needs); its C is chosen on the
validation series by log loss when there are any. Inputs are padded arrays (N, T, C) as the recurrent
model reads them; MiniRocket reads every series at the training arrays' length (at least 9 steps, as aeon
asks): shorter ones zero-padded, longer ones (unequal-length files) cut to it.
"""
from __future__ import annotations

import warnings

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.preprocessing import StandardScaler

C_GRID = (0.01, 0.1, 1.0, 10.0)
MIN_STEPS = 9


def _channels_first(x: np.ndarray, steps: int | None = None) -> np.ndarray:
    """(N, T, C) -> (N, C, steps) float64: zero-padded at the end, or cut to `steps` (MiniRocket reads the
    length it was fitted on); `steps` None: max(T, 9)."""
    x = np.transpose(np.asarray(x, dtype=np.float64), (0, 2, 1))
    steps = max(x.shape[-1], MIN_STEPS) if steps is None else steps
    if x.shape[-1] < steps:
        x = np.pad(x, ((0, 0), (0, 0), (0, steps - x.shape[-1])))
    return np.ascontiguousarray(x[..., :steps])


def class_log_loss(y: np.ndarray, probs: np.ndarray, num_classes: int) -> float:
    with warnings.catch_warnings():  # near-certain probabilities sum to one within rounding only
        warnings.simplefilter("ignore", UserWarning)
        return log_loss(y, probs, labels=range(num_classes))


class MiniRocketLinear:
    """MiniRocket features -> standardisation -> logistic regression, for `num_classes` classes 0..K-1."""

    def __init__(self, num_classes: int, seed: int = 0):
        self.num_classes, self.seed = num_classes, seed
        self.C = 1.0

    def features(self, x: np.ndarray) -> np.ndarray:
        return self.scaler.transform(self.rocket.transform(_channels_first(x, self.steps)))

    def fit(self, x: np.ndarray, y: np.ndarray, x_valid: np.ndarray | None = None,
            y_valid: np.ndarray | None = None) -> "MiniRocketLinear":
        from aeon.transformations.collection.convolution_based import MiniRocket

        x3 = _channels_first(x)
        self.steps = x3.shape[-1]
        self.rocket = MiniRocket(random_state=self.seed).fit(x3)
        self.scaler = StandardScaler().fit(self.rocket.transform(x3))
        train = self.features(x)
        valid = self.features(x_valid) if x_valid is not None and len(x_valid) else None
        best = None
        for C in (C_GRID if valid is not None else (self.C,)):
            with warnings.catch_warnings():  # many classes of a few series each (UCR's PigCVP: 52 of 2) are
                warnings.filterwarnings("ignore", "The number of unique classes", UserWarning)  # classes, not a
                model = LogisticRegression(C=C, max_iter=1000).fit(train, y)  # regression target as it guesses
            loss = class_log_loss(y_valid, self._proba(model, valid), self.num_classes) if valid is not None else 0
            if best is None or loss < best[0]:
                best = (loss, model, C)
        _, self.linear, self.C = best
        return self

    def _proba(self, model, features: np.ndarray) -> np.ndarray:
        out = np.zeros((len(features), self.num_classes))
        out[:, model.classes_] = model.predict_proba(features)  # classes absent from training get 0
        return out

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """(N, K) class probabilities of padded series (N, T, C)."""
        return self._proba(self.linear, self.features(x))
