"""MiniRocket (or MultiRocket + Hydra) + a linear classifier: the series classifier a recurrent model must
beat (Dempster, Schmidt & Webb 2021, "MiniRocket: a very fast (almost) deterministic transform for time
series classification"; Tan et al. 2022, "MultiRocket: multiple pooling operators and transformations";
Dempster, Schmidt & Webb 2023, "Hydra: competing convolutional kernels for fast and accurate time series
classification").

aeon's `MiniRocket` turns each series (N, C, T) into about 10,000 features: the proportion of positive
values (PPV) of fixed length-9 kernels, over dilations and biases drawn from the training series.
`multirocket-hydra` joins aeon's `MultiRocket` (four pooling operators over the series and its first
difference, about 50,000 features) and `HydraTransformer` (counts of the kernel that matches best in each
group of random kernels), as aeon's MultiRocketHydraClassifier does. A multinomial logistic regression on
the standardised features then gives class probabilities (the papers use a ridge classifier, which gives
none; probabilities are what a blend needs); its C is chosen by log loss, either on validation series
(`fit`) or out of fold over the training series themselves (`choose_c`: k-fold cross-validation, each fold's
transform fitted on the other folds), and `refit` fits transform and classifier again on more series with that C. Inputs are
padded arrays (N, T, C) as the recurrent model reads them; the transform reads every series at the
training arrays' length (at least 9 steps, as aeon asks): shorter ones zero-padded, longer ones
(unequal-length files) cut to it.
"""
from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # scikit-learn is imported where it is used, as in models.baselines
    from sklearn.linear_model import LogisticRegression

C_GRID = (0.01, 0.1, 1.0, 10.0)
FOLDS = 5
MIN_STEPS = 9
TRANSFORMS = ("minirocket", "multirocket-hydra")


def _channels_first(x: np.ndarray, steps: int | None = None) -> np.ndarray:
    """(N, T, C) -> (N, C, steps) float64: zero-padded at the end, or cut to `steps` (the transform reads the
    length it was fitted on); `steps` None: max(T, 9)."""
    x = np.transpose(np.asarray(x, dtype=np.float64), (0, 2, 1))
    steps = max(x.shape[-1], MIN_STEPS) if steps is None else steps
    if x.shape[-1] < steps:
        x = np.pad(x, ((0, 0), (0, 0), (0, steps - x.shape[-1])))
    return np.ascontiguousarray(x[..., :steps])


def class_log_loss(y: np.ndarray, probs: np.ndarray, num_classes: int) -> float:
    from sklearn.metrics import log_loss

    with warnings.catch_warnings():  # near-certain probabilities sum to one within rounding only
        warnings.simplefilter("ignore", UserWarning)
        return log_loss(y, probs, labels=range(num_classes))


class SparseScaler:
    """Hydra's scaling of its counts (Dempster et al. 2023, as aeon's MultiRocketHydraClassifier applies it):
    x' = sqrt(max(x, 0)); standardised by the training mean and deviation (plus eps = (share of zeros)^4, so
    a feature that is mostly zero is not blown up), and zero counts kept at zero."""

    def fit(self, x: np.ndarray) -> "SparseScaler":
        root = np.sqrt(np.clip(x, 0, None))  # (N, F)
        self.mu = root.mean(0)
        self.sigma = root.std(0, ddof=1) + (root == 0).mean(0) ** 4 + 1e-8
        return self

    def transform(self, x: np.ndarray) -> np.ndarray:
        root = np.sqrt(np.clip(x, 0, None))
        return (root - self.mu) * (root != 0) / self.sigma


class RocketFeatures:
    """(N, C, T) series -> standardised features of `transform` (TRANSFORMS), seeded."""

    def __init__(self, transform: str = "minirocket", seed: int = 0):
        if transform not in TRANSFORMS:
            raise ValueError(f"transform {transform!r}: expected one of {', '.join(TRANSFORMS)}")
        self.transform_name, self.seed = transform, seed

    def fit(self, x3: np.ndarray) -> "RocketFeatures":
        import torch
        from aeon.transformations.collection.convolution_based import HydraTransformer, MiniRocket, MultiRocket
        from sklearn.preprocessing import StandardScaler

        if self.transform_name == "minirocket":
            self.parts = [(MiniRocket(random_state=self.seed), StandardScaler())]
        else:
            self.parts = [(HydraTransformer(random_state=self.seed, output_type="numpy"), SparseScaler()),
                          (MultiRocket(random_state=self.seed), StandardScaler())]
        threads = torch.get_num_threads()
        try:
            with torch.random.fork_rng():  # Hydra seeds torch's global generator and sets its thread count:
                for transform, scaler in self.parts:  # neither may leak into the recurrent model's training,
                    scaler.fit(transform.fit(x3).transform(x3))  # even when a transform fails
        finally:
            torch.set_num_threads(threads)
        return self

    def transform(self, x3: np.ndarray) -> np.ndarray:
        return np.concatenate([scaler.transform(transform.transform(x3)) for transform, scaler in self.parts], axis=1)


class RocketLinear:
    """`transform`'s features -> logistic regression, for `num_classes` classes 0..K-1."""

    def __init__(self, num_classes: int, seed: int = 0, transform: str = "minirocket"):
        self.num_classes, self.seed, self.transform = num_classes, seed, transform
        self.C = 1.0

    def features(self, x: np.ndarray) -> np.ndarray:
        return self.rocket.transform(_channels_first(x, self.steps))

    def _fit_transform(self, x: np.ndarray) -> np.ndarray:
        x3 = _channels_first(x)
        self.steps = x3.shape[-1]
        self.rocket = RocketFeatures(self.transform, self.seed).fit(x3)
        return self.features(x)

    def _linear(self, features: np.ndarray, y: np.ndarray, C: float) -> LogisticRegression:
        from sklearn.linear_model import LogisticRegression

        with warnings.catch_warnings():  # many classes of a few series each (UCR's PigCVP: 52 of 2) are
            warnings.filterwarnings("ignore", "The number of unique classes", UserWarning)  # classes, not a
            return LogisticRegression(C=C, max_iter=1000).fit(features, y)  # regression target as it guesses

    def fit(self, x: np.ndarray, y: np.ndarray, x_valid: np.ndarray | None = None,
            y_valid: np.ndarray | None = None) -> "RocketLinear":
        """Fit on (x, y); C of C_GRID by log loss on (x_valid, y_valid) when given, else the current C."""
        train = self._fit_transform(x)
        valid = self.features(x_valid) if x_valid is not None and len(x_valid) else None
        best = None
        for C in (C_GRID if valid is not None else (self.C,)):
            model = self._linear(train, y, C)
            loss = class_log_loss(y_valid, self._proba(model, valid), self.num_classes) if valid is not None else 0
            if best is None or loss < best[0]:
                best = (loss, model, C)
        _, self.linear, self.C = best
        return self

    def choose_c(self, x: np.ndarray, y: np.ndarray, tie: float = 0.0) -> "RocketLinear":
        """C of C_GRID by out-of-fold log loss over (x, y): FOLDS folds, stratified where every class present
        has FOLDS series, else shuffled (seeded either way); each fold scored by the transform and classifier
        fitted on the others. Of the Cs whose log loss is within `tie` of the lowest, the smallest (the most
        regularised): separable series keep lowering the loss as C grows, by amounts nothing can tell apart.
        Fewer than 2 series leave C as it is; a fold whose other series hold one class is left out (it costs
        every C the same). Sets self.C; fits nothing that stays."""
        from sklearn.model_selection import KFold, StratifiedKFold

        y = np.asarray(y)
        if len(y) < 2:
            return self
        counts = np.bincount(y)
        folds = min(FOLDS, len(y))
        split = (StratifiedKFold if counts[counts > 0].min() >= folds else KFold)(folds, shuffle=True,
                                                                                   random_state=self.seed)
        probs = np.zeros((len(C_GRID), len(y), self.num_classes))
        for rest, rows in split.split(x, y):
            if len(np.unique(y[rest])) < 2:  # nothing to fit (tiny files): these rows score 0 at every C alike
                continue
            fold = RocketLinear(self.num_classes, self.seed, self.transform)
            train, scored = fold._fit_transform(x[rest]), fold.features(x[rows])
            for i, C in enumerate(C_GRID):
                probs[i, rows] = fold._proba(fold._linear(train, y[rest], C), scored)
        losses = [class_log_loss(y, np.clip(p, 1e-12, 1), self.num_classes) for p in probs]
        self.C = min(C for C, loss in zip(C_GRID, losses) if loss <= min(losses) + tie)
        return self

    def refit(self, x: np.ndarray, y: np.ndarray) -> "RocketLinear":
        """Transform and classifier fitted again on (x, y) (all the training series, once C is chosen), C kept."""
        self.linear = self._linear(self._fit_transform(x), y, self.C)
        return self

    def _proba(self, model, features: np.ndarray) -> np.ndarray:
        out = np.zeros((len(features), self.num_classes))
        out[:, model.classes_] = model.predict_proba(features)  # classes absent from training get 0
        return out

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """(N, K) class probabilities of padded series (N, T, C)."""
        return self._proba(self.linear, self.features(x))
