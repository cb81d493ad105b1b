"""The forecast task's model: a `Forecaster` built from the config."""
from __future__ import annotations

import numpy as np
import torch

from dataclasses import replace

from rnnkit.data.series import Series
from rnnkit.data.windows import Windows, split_points
from rnnkit.models.baselines import RIDGE_ALPHAS, fit_ridge
from rnnkit.models.forecaster import Forecaster, window_levels
from rnnkit.tasks.forecast.config import FILE_LOOKBACK, LONGEST_AUTO_LOOKBACK, ForecastConfig
from rnnkit.tasks.forecast.data import series_windows
from rnnkit.training import predict as predict_outputs

MODEL_FIELDS = ("cell", "hidden_size", "num_layers", "dropout", "recurrent_dropout", "conv_filters", "conv_kernel",
                "conv_pool", "ar_lags", "quantiles", "normalize", "fast")
"""Config fields that are the model's constructor arguments of the same name."""
AUTO_NORMALIZE = ("none", "last")
"""What normalize "auto" chooses among, on the validation windows. "window" (RevIN) is left out: trained, it
was never the best on validation in benchmarks/TASKS.md's measurements, while its ridge sometimes was."""
FEW_NORMALIZE_WINDOWS = 20
"""On fewer validation windows than this, normalize "auto" is "last" without choosing: a handful of windows choose
by chance, and a short series' trend takes it past every level of its training period, which a model of the
levels ("none") cannot reach and one of the changes can (M1's yearly series: benchmarks/TASKS.md, "M1 yearly")."""


def build_model(config: ForecastConfig, input_size: int) -> Forecaster:
    return Forecaster(input_size, config.horizon, **{name: getattr(config, name) for name in MODEL_FIELDS})


def start_from_ridge(model: Forecaster, windows: Windows, fits: "LinearFits | None" = None) -> float:
    """The linear skip and bias from a ridge regression on the scaled windows' last `ar_lags` target
    values, taken out of their window's level as the model takes them (α chosen on the validation
    windows; the one `fits` already made, if given); returns α."""
    fit = fits.ridge(windows.lookback, model.ar_lags, model.normalize) if fits is not None else \
        ridge_on_levels(windows, model.ar_lags, model.normalize)
    ridge, alpha, _ = fit
    model.start_linear(ridge.coef_, ridge.intercept_)
    return alpha


COUPLED_DECAY = ("adam", "rmsprop", "sgd")
"""Optimizers whose weight decay adds λ w to the gradient, the gradient of the penalty (λ / 2) ||w||^2."""


def ridge_penalty_optimizer(model: Forecaster, config: ForecastConfig, alpha: float, train_targets: int):
    """The run's optimizer with the ridge's own penalty on the linear skip A: ridge minimises
    Σ (y - ŷ)^2 + α ||A||^2 over the training windows' `train_targets` values, so the mean squared error the
    network trains on gets (α / train_targets) ||A||^2, i.e. a weight decay 2 α / train_targets on A alone
    (exact for normalize none and last; with window the loss is on the window's scale). Its linear start is
    then where the penalised loss is flat in A, and training moves A only where the network's part makes that
    pay, instead of undoing the shrinkage α that validation chose (on a small series the unpenalised steps
    drift toward least squares, which the validation windows score worse). None (the config's optimizer as
    it is) for optimizers whose decay is not that penalty (adamw)."""
    if config.optimizer not in COUPLED_DECAY or model.ar is None:
        return None
    from rnnkit.training.optim import make_optimizer

    rest = [p for name, p in model.named_parameters() if name != "ar.weight"]
    groups = [{"params": [model.ar.weight], "weight_decay": 2 * alpha / train_targets}, {"params": rest}]
    return make_optimizer(config.optimizer, groups, lr=config.lr, weight_decay=config.weight_decay)


def keep_better_of(model: Forecaster, start: dict, windows: Windows) -> tuple[bool, float, float]:
    """Put the linear start's weights `start` (a state dict) back into the trained `model` where they have the
    lower validation MAE: training then added nothing the validation windows confirm (a tiny series' network
    is the ridge itself). (whether the start was kept, the start's and the trained model's validation MAE,
    scaled units); point forecasts only."""
    x, y = torch.as_tensor(windows.x["valid"]), windows.y["valid"]
    trained = float(np.mean(np.abs(predict_outputs(model, x).numpy() - y)))
    kept = {k: v.clone() for k, v in model.state_dict().items()}
    model.load_state_dict(start)
    linear = float(np.mean(np.abs(predict_outputs(model, x).numpy() - y)))
    if linear >= trained:
        model.load_state_dict(kept)
    return linear < trained, linear, trained


def ridge_on_levels(windows: Windows, lags: int, normalize: str, alphas=RIDGE_ALPHAS, covariates: tuple[int, ...] = ()):
    """(ridge, α, validation MAE in scaled units): `fit_ridge` (α of `alphas`) from the last `lags` target
    values of the training windows (and of the input features `covariates`, as the windows hold them) to their
    targets, the target's out of the window's level as `normalize` says, scored on the validation windows back at
    their level."""
    return ridge_between(windows.x["train"], windows.y["train"], windows.x["valid"], windows.y["valid"], lags,
                         normalize, alphas, covariates)


def ridge_between(x_fit: np.ndarray, y_fit: np.ndarray, x_score: np.ndarray, y_score: np.ndarray, lags: int,
                  normalize: str, alphas=RIDGE_ALPHAS, covariates: tuple[int, ...] = ()):
    """`ridge_on_levels` of any two sets of windows: fitted on (`x_fit`, `y_fit`), α chosen and the MAE taken on
    (`x_score`, `y_score`) (x (N, L, F), y (N, horizon), scaled)."""
    z, y, level = {}, {}, {}
    for split, (xs, ys) in {"fit": (x_fit, y_fit), "score": (x_score, y_score)}.items():
        z[split], mu, sigma = lag_features(xs, lags, normalize, covariates)
        y[split], level[split] = ((torch.as_tensor(ys) - mu) / sigma).numpy(), (mu.numpy(), sigma.numpy())
    ridge, alpha = fit_ridge(z["fit"], y["fit"], z["score"], y["score"], standardize=False, alphas=alphas)
    mu, sigma = level["score"]
    forecast = mu + sigma * ridge.predict(z["score"]).reshape(y["score"].shape)  # (N, horizon), back at the level
    return ridge, alpha, float(np.mean(np.abs(forecast - y_score)))


def lag_features(x: np.ndarray, lags: int, normalize: str, covariates: tuple[int, ...] = ()):
    """(z (N, lags * (1 + C)), μ (N, 1), σ (N, 1)): the ridge's inputs from windows x (N, L, F), the last `lags`
    target values out of their window's level as `normalize` says and those of the C input features `covariates`
    as the windows hold them (z-scores, as the model reads them); a forecast z' is put back as μ + σ z'."""
    target = torch.as_tensor(x[:, :, 0])  # (N, L)
    levels, mu, sigma = window_levels(target, normalize)  # (N, L), (N, 1), (N, 1)
    others = x[:, -lags:, list(covariates)].reshape(len(x), -1)  # (N, lags * C)
    return np.concatenate([levels[:, -lags:].numpy(), others], 1), mu, sigma


class LinearFits:
    """One series' windows of each lookback tried and its ridges on the lags (`ridge_on_levels`), each made
    once: choosing a file's lookback, choosing `normalize`, choosing its covariates and starting the model's linear
    skip read the same fits. `windows`: those of `config.lookback`, when already made."""

    def __init__(self, config: ForecastConfig, series: Series, windows: Windows | None = None):
        self.config, self.series = config, series
        self._windows = {windows.lookback: windows} if windows is not None else {}
        self._ridges = {}

    def windows(self, lookback: int) -> Windows:
        if lookback not in self._windows:
            self._windows[lookback] = series_windows(replace(self.config, lookback=lookback), self.series)
        return self._windows[lookback]

    def ridge(self, lookback: int, lags: int, normalize: str, covariates: tuple[str, ...] = ()):
        """`ridge_on_levels` of the windows of `lookback`, on the lags of the target and of the columns
        `covariates`: (ridge, α, validation MAE in scaled units)."""
        key = (lookback, lags, normalize, tuple(covariates))
        if key not in self._ridges:
            features = tuple(self.series.columns.index(name) for name in covariates)
            self._ridges[key] = ridge_on_levels(self.windows(lookback), lags, normalize, covariates=features)
        return self._ridges[key]

    def keeping(self, config: ForecastConfig, series: Series) -> "LinearFits":
        """These fits for `series`, the same one with fewer covariate columns, under `config`: the target's ridges
        carry over (its scaled values do not change), the windows are made again."""
        fits = LinearFits(config, series)
        fits._ridges = {key: fit for key, fit in self._ridges.items() if not key[3]}
        return fits


def choose_normalize(config: ForecastConfig, fits: LinearFits) -> tuple[str, dict[str, float]]:
    """The `normalize` in effect: the config's, or for "auto" the one of AUTO_NORMALIZE whose ridge on the
    lags of the config's lookback (the model's linear start) has the lowest validation MAE, except on fewer than
    FEW_NORMALIZE_WINDOWS validation windows, where it is "last"; and those MAEs (scaled units)."""
    if config.normalize != "auto":
        return config.normalize, {}
    lags = config.ar_lags or config.lookback
    scores = {name: fits.ridge(config.lookback, lags, name)[2] for name in AUTO_NORMALIZE}
    if len(fits.windows(config.lookback).at["valid"]) < FEW_NORMALIZE_WINDOWS:
        return "last", scores
    return min(scores, key=scores.get), scores


def choose_lookback(config: ForecastConfig, fits: LinearFits, seasons: tuple[int, ...]) -> tuple[int, dict[int, float]]:
    """A file's lookback when none is given: of `lookback_candidates`, the one whose ridge on the lags (under
    each normalize "auto" may choose) has the lowest validation MAE; and those MAEs (scaled units). The ridge
    costs no training."""
    fits_in = lookback_candidates(config.horizon, len(fits.series), seasons, config.ar_lags or 0)
    if len(fits_in) < 2:
        return fits_in[0], {}
    normalizations = AUTO_NORMALIZE if config.normalize == "auto" else (config.normalize,)
    scores = {n: min(fits.ridge(n, config.ar_lags or n, how)[2] for how in normalizations) for n in fits_in}
    return min(scores, key=scores.get), scores


def lookback_candidates(horizon: int, steps: int, seasons: tuple[int, ...], at_least: int = 0) -> list[int]:
    """The lookbacks a file's run compares (and the ridge baseline's lags, with the model's own): FILE_LOOKBACK
    and, for each season S of `seasons` (the first the shortest), S and S plus the shortest season, those that
    leave at least two training windows per lag. A weekly series with a yearly cycle needs its last year in
    view, which 24 weeks do not give; a daily one its last year (365 days, `lookback_seasons`), which a week or
    two do not; half-hourly demand needs last week's same half hour AND the steps around it (the week-ago change
    from one step to the next, Taylor 2003's double season), which a window of exactly a week cuts off. None is
    longer than LONGEST_AUTO_LOOKBACK (a minute series' day of 1,440 steps is not tried). A series too short for
    any of them (36 months: 25 training steps) compares the longest lookback that leaves two training windows
    per lag and half of it. None shorter than `at_least` (a given `ar_lags`) unless none is longer."""
    valid_start = split_points(steps)[0]
    longest = max(1, (valid_start - horizon + 1) // 3)  # valid_start - n - horizon + 1 >= 2 n
    shortest = seasons[0]
    candidates = {FILE_LOOKBACK} | ({n for s in seasons for n in (s, s + shortest)} if shortest > 1 else set())
    top = min(longest, LONGEST_AUTO_LOOKBACK)
    fits_in = [n for n in sorted(candidates) if n <= top and at_least <= n]
    if not fits_in:
        fits_in = [n for n in sorted({max(1, longest // 2), longest}) if at_least <= n] or [longest]
    return fits_in


def ridge_lag_candidates(config: ForecastConfig, steps: int, seasons: tuple[int, ...]) -> list[int]:
    """The lags the ridge baseline chooses among on validation: the model's lookback and every shorter lookback a
    file's run would compare (`lookback_candidates`), so the baseline is tuned as a user would tune it instead of
    being handed the model's window. None longer than the model's: the run's blend forecasts from the rows the
    model reads (`predict` asks for `lookback` of them)."""
    shorter = [n for n in lookback_candidates(config.horizon, steps, seasons) if n < config.lookback]
    return [*shorter, config.lookback]


def describe(config: ForecastConfig) -> str:
    """`rnnkit summary` of a config: the model it would build (the input features come from the data)."""
    front = (f"Conv1D({config.conv_filters}, {config.conv_kernel}) + MaxPool({config.conv_pool}) -> "
             if config.conv_filters else "")
    steps = config.lookback or "the lookback chosen on validation"
    return (f"Forecaster: {steps} steps -> {front}{config.cell} {config.hidden_size} x {config.num_layers} "
            f"-> Dense({config.horizon}{' x ' + str(len(config.quantiles)) if config.quantiles else ''})"
            f"{f' + linear skip over {config.ar_lags} lags' if config.ar_lags else ''}")
