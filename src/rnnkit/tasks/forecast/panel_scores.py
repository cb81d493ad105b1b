"""A panel run's forecasters on every series' own validation and test windows, and the figures that mean something
across series of different scales.

Beside the global model: per series, the baselines a one-series run fits (naive, seasonal naive, ridge on the lags,
statsforecast's AutoETS and AutoARIMA: `fit_baselines`, on that series' training period), and the pooled ridge, one
ridge on the scaled lags of every series' training windows (the model's linear start, put back in each series'
units). A baseline that cannot be fitted on a series (a season longer than its training period, a statsforecast
failure) forecasts that series as naive does, and a note says on how many. The statistical ones are left out
of the whole panel where the first series' fit and roll, times the number of series, would take over
PANEL_STATISTICAL_BUDGET seconds.

The delivered forecast blends the model with one baseline at one weight for the panel,
ŷ_run = (1 - w) ŷ_model + w ŷ_partner in each series' units, both chosen on the pooled validation windows as a
one-series run chooses them (`choose_blend`'s rule), each series' errors divided by its scale (MASE's: the mean
absolute one-step change over its training period), so no one series' units choose for the others.

Scores: per series the test MAE (mean over windows and the horizon's steps); per forecaster the geometric mean
over series of its MAE relative to naive's on the same windows (below 1: better than naive), the mean MASE, and
on how many series it has the lowest MAE of the model and the baselines.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch

from rnnkit.data.panel import Panel, named_ids
from rnnkit.data.series import Series, split_points
from rnnkit.models.baselines import step_targets
from rnnkit.models.blend import best_weight, blend, pulled_weight
from rnnkit.models.statistical import STATISTICAL
from rnnkit.tasks.forecast.baselines import (BASELINES, FEW_RIDGE_WINDOWS, PRIOR_WINDOWS, FittedBaselines,
                                            fit_baselines)
from rnnkit.tasks.forecast.config import ForecastConfig
from rnnkit.tasks.forecast.data import lookback_seasons, naive_seasons_of, season_of
from rnnkit.tasks.forecast.model import lag_features, ridge_lag_candidates
from rnnkit.tasks.forecast.panel_windows import PanelWindows, pooled_ridge, with_drift
from rnnkit.training import predict as predict_outputs

POOLED_RIDGE = "pooled ridge"
PANEL_STATISTICAL_BUDGET = 600.0
"""Seconds the statistical baselines may take over the whole panel (estimated on TIMED_SERIES series): generous,
so that a load on the machine does not decide which baselines a panel of a few hundred short series is scored
beside (M1's 181 yearly series take about a minute on 2 cores); a panel of thousands leaves them out."""
TIMED_SERIES = 3
RELATIVE_FLOOR = 1e-6
"""The least MAE relative to naive's a geometric mean takes the log of (a series forecast exactly)."""


@dataclass
class PanelComparison:
    """Every forecaster on every series' validation and test windows, in the series' units."""

    actual: dict[str, dict[str, np.ndarray]]  # series -> split -> (N, horizon)
    forecasts: dict[str, dict[str, dict[str, np.ndarray]]]  # series -> split -> name -> (N, horizon)
    scale: dict[str, float]  # series -> its training period's mean absolute one-step change
    names: list[str]  # the baselines, in the order of the report
    notes: list[str]
    partner: str
    weight: float


def series_baselines(config: ForecastConfig, series: Series, valid_at: np.ndarray, names) -> FittedBaselines:
    """`fit_baselines` of one series of the panel, as a one-series run of it would fit them."""
    return fit_baselines(series.target.astype(np.float64), valid_at, config.lookback, config.horizon,
                         season_of(config, series), names=names, naive_seasons=naive_seasons_of(config, series),
                         ridge_lags=tuple(ridge_lag_candidates(config, len(series), lookback_seasons(config, series))))


def panel_baseline_names(config: ForecastConfig, panel: Panel, pw: PanelWindows) -> tuple[list[str], list[str]]:
    """(the per-series baselines the panel fits, notes): every one of BASELINES, the statistical ones left out when
    their fit and roll on TIMED_SERIES series after the first, times the number of series, would take over
    PANEL_STATISTICAL_BUDGET seconds."""
    def fit_and_roll(key: str, series: Series) -> None:
        at = pw.windows[key].at
        fitted = series_baselines(config, series, at["valid"], STATISTICAL)
        for name in fitted.names:
            fitted.forecast(name, series.target.astype(np.float64), np.concatenate([at["valid"], at["test"]]))

    first = next(iter(panel.series.items()))
    fit_and_roll(*first)  # untimed: statsforecast compiles its models (numba) on their first fit, seconds
    timed = list(panel.series.items())[1:TIMED_SERIES + 1] or [first]
    start = time.perf_counter()
    for key, series in timed:
        fit_and_roll(key, series)
    estimate = (time.perf_counter() - start) / len(timed) * len(panel.series)
    if estimate <= PANEL_STATISTICAL_BUDGET:
        return list(BASELINES), []
    return [n for n in BASELINES if n not in STATISTICAL], [
        f"{' and '.join(STATISTICAL)} left out: fitted and run on every series they would take about "
        f"{estimate / 60:.0f} min (over {PANEL_STATISTICAL_BUDGET:.0f} s)"]


def pooled_ridge_forecast(ridge, x: np.ndarray, lags: int, normalize: str) -> np.ndarray:
    """(N, horizon) scaled forecasts of the pooled ridge from windows x (N, L, F)."""
    z, mu, sigma = lag_features(x, lags, normalize)
    return mu.numpy() + sigma.numpy() * ridge.predict(z).reshape(len(x), -1)


def panel_model_forecast(model, x: np.ndarray, scaler, drift: float) -> np.ndarray:
    """`model_forecast` of windows x whose series' `drift` was taken out: put back before the scaler's inverse."""
    scaled = predict_outputs(model, torch.as_tensor(x)).numpy().astype(np.float64)
    return scaler.target_inverse(with_drift(scaled, drift))


def training_scale(target: np.ndarray) -> float:
    """MASE's scale of a series: the mean absolute one-step change over its training period (1 where it is 0)."""
    train = np.asarray(target[:split_points(len(target))[0]], dtype=np.float64)
    change = float(np.mean(np.abs(np.diff(train)))) if len(train) > 1 else 0.0
    return change if change > 0 else 1.0


def compare_panel(model, config: ForecastConfig, panel: Panel, pw: PanelWindows, names: list[str],
                  chosen: tuple[str, float] | None = None, ridge=None) -> PanelComparison:
    """The model, the per-series baselines `names` and the pooled ridge (`ridge`: a trained run's, else fitted on
    `pw`) on every series' validation and test windows; the blend chosen on the pooled validation windows, or a
    trained run's `chosen` (partner, weight)."""
    lags = config.ar_lags or config.lookback
    ridge = ridge if ridge is not None else pooled_ridge(pw.as_windows(), lags, config.normalize)[0]
    actual, forecasts, scale, missing = {}, {}, {}, {n: [] for n in names}
    for key, series in panel.series.items():
        w, y = pw.windows[key], series.target.astype(np.float64)
        fitted = series_baselines(config, series, w.at["valid"], names)
        for name in names:
            if name not in fitted.names:
                missing[name].append(key)
        by_split = {"valid": fitted, "test": fitted.refit(y, split_points(len(y))[1]) if config.refit_baselines
                    else fitted}
        actual[key], forecasts[key], scale[key] = {}, {}, training_scale(y)
        for split in ("valid", "test"):
            at, drift = w.at[split], pw.drifts[key]
            out = panel_model_forecast(model, w.x[split], w.scaler, drift)
            forecasts[key][split] = {
                "model": model.point(torch.as_tensor(out)).numpy().astype(np.float64),
                **{name: by_split[split].forecast_or_naive(name, y, at) for name in names},
                POOLED_RIDGE: w.scaler.target_inverse(with_drift(pooled_ridge_forecast(ridge, w.x[split], lags,
                                                                                       config.normalize), drift))}
            actual[key][split] = step_targets(y, at, config.horizon)
    notes = [f"{name}: could not be fitted on {len(keys)} series, forecast there as naive does: {named_ids(keys)}"
             for name, keys in missing.items() if keys]
    notes.append(f"{POOLED_RIDGE}: one scikit-learn Ridge on the last {lags} scaled target values of every series' "
                 f"training windows (normalize {config.normalize}, alpha chosen on the pooled validation windows), "
                 "each series' forecast put back in its units: the model's linear start")
    baselines = [*names, POOLED_RIDGE]
    comparison = PanelComparison(actual, forecasts, scale, baselines, notes, "", 0.0)
    if chosen is None:
        chosen = choose_panel_blend(comparison, notes)
    comparison.partner, comparison.weight = chosen
    if comparison.weight:
        for key in forecasts:
            for split, found in forecasts[key].items():
                found["run"] = blend(found["model"], found[comparison.partner], comparison.weight)
    return comparison


def scaled_mae(comparison: PanelComparison, split: str, forecast) -> float:
    """The mean over every series' `split` windows of |actual - forecast(series)| / the series' scale."""
    errors = [np.abs(comparison.actual[k][split] - forecast(k)).ravel() / comparison.scale[k]
              for k in comparison.actual]
    return float(np.mean(np.concatenate(errors)))


def choose_panel_blend(comparison: PanelComparison, notes: list[str]) -> tuple[str, float]:
    """(the baseline whose blend with the model has the lowest pooled scaled validation MAE, that blend's weight),
    each weight the one of lowest pooled scaled validation MAE pulled toward 0.5 by PRIOR_WINDOWS windows; the
    per-series ridge is no partner where the median series has fewer than FEW_RIDGE_WINDOWS validation windows (its
    lags and alpha were chosen on them). The partner is chosen by its blend, not by its own MAE as a one-series run
    chooses it: the panel's best baseline on validation is often the pooled ridge, the model's own linear start,
    whose blend with the model adds nothing where another one's would (M1 yearly: benchmarks/TASKS.md, Panels)."""
    found = comparison.forecasts
    median = float(np.median([len(a["valid"]) for a in comparison.actual.values()]))
    offered = [n for n in comparison.names if n != "ridge" or median >= FEW_RIDGE_WINDOWS]
    if len(offered) < len(comparison.names):
        notes.append(f"ridge is not offered as the blend's partner: the median series has {median:g} validation "
                     f"windows, fewer than {FEW_RIDGE_WINDOWS}, on which its lags and alpha were chosen")
    windows = sum(len(a["valid"]) for a in comparison.actual.values())

    def blended(partner: str, w: float) -> float:
        return scaled_mae(comparison, "valid", lambda k: blend(found[k]["valid"]["model"], found[k]["valid"][partner],
                                                               w))

    weights = {n: pulled_weight(best_weight(lambda w, n=n: blended(n, w)), windows, PRIOR_WINDOWS) for n in offered}
    partner = min(offered, key=lambda n: blended(n, weights[n]))
    return partner, weights[partner]


def series_maes(comparison: PanelComparison, split: str = "test") -> dict[str, dict[str, float]]:
    """{forecaster: {series: its MAE on the series' `split` windows}}."""
    names = comparison.forecasts[next(iter(comparison.forecasts))][split]
    return {name: {k: float(np.mean(np.abs(comparison.actual[k][split] - comparison.forecasts[k][split][name])))
                   for k in comparison.actual} for name in names}


def panel_summary(maes: dict[str, dict[str, float]], scale: dict[str, float]) -> dict[str, dict[str, float]]:
    """{forecaster: {"relative": geometric mean over series of MAE / naive's MAE, "mase": mean MAE / scale,
    "best": series where it has the lowest MAE of the model and the baselines}} (series that naive forecasts
    exactly have no relative MAE and are left out of its mean)."""
    keys = list(scale)
    naive = np.array([maes["naive"][k] for k in keys])
    rated = naive > 0
    contenders = [n for n in maes if n != "run"]
    best = [min(contenders, key=lambda n: maes[n][k]) for k in keys]
    out = {}
    for name, per in maes.items():
        mae = np.array([per[k] for k in keys])
        relative = np.maximum(mae[rated] / naive[rated], RELATIVE_FLOOR)
        out[name] = {"relative": float(np.exp(np.mean(np.log(relative)))) if rated.any() else float("nan"),
                     "mase": float(np.mean(mae / np.array([scale[k] for k in keys]))),
                     "best": best.count(name)}
    return out


def panel_metrics(summary: dict[str, dict[str, float]], weight: float, series: int) -> dict[str, float]:
    """The run's figures: test_relative_mae and test_mase of its prediction (the blend, or the model alone), and
    test_<forecaster>_relative_mae of each forecaster."""
    delivered = summary.get("run", summary["model"])
    out = {"test_relative_mae": delivered["relative"], "test_mase": delivered["mase"]}
    for name, figures in summary.items():
        if name != "run":
            out[f"test_{name.replace(' ', '_')}_relative_mae"] = figures["relative"]
    return {**out, "blend_weight": weight, "series": series}
