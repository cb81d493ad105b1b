"""Scoring a forecaster against its baselines on the test windows, predicting the next `horizon`
values from a recent file, and `rnnkit evaluate` of a run."""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from rnnkit.data.series import Series, read_series, split_points
from rnnkit.data.windows import Scaler, Windows, last_window, origins
from rnnkit.errors import UserError
from rnnkit.io.run import load
from rnnkit.models.baselines import forecast_errors, step_targets
from rnnkit.tasks.forecast.baselines import (FEW_RIDGE_WINDOWS, FEW_WINDOWS, blend, choose_blend, earlier_blocks,
                                            fit_baselines, load_blend, partner_note, ridge_left_out)
from rnnkit.tasks.forecast.config import ForecastPredictOptions
from rnnkit.tasks.forecast.data import keep_columns, load_series, saved_series, series_windows
from rnnkit.tasks.task import Run
from rnnkit.training import predict as predict_outputs


def model_forecast(model, x: np.ndarray, scaler: Scaler) -> np.ndarray:
    """(N, horizon) point forecasts in the target's units; (N, horizon, Q) quantiles as `.quantiles`."""
    out = predict_outputs(model, torch.as_tensor(x))
    return scaler.target_inverse(out.numpy().astype(np.float64))


@dataclass
class Comparison:
    """Model, baselines and the delivered blend on the same validation and test windows."""

    actual: dict[str, np.ndarray]  # split -> (N, horizon)
    forecasts: dict[str, dict[str, np.ndarray]]  # split -> {"model", baseline names..., "run"} -> (N, horizon)
    notes: list[str]
    partner: str | None  # the baseline blended in (the best on validation)
    weight: float  # its weight in the run's prediction


def compare(model, series: Series, windows: Windows, lookback: int, horizon: int, season: int,
            chosen: tuple[str | None, float] | None = None, naive_seasons: tuple[int, ...] | None = None,
            refit: bool = False, ridge_lags: tuple[int, ...] | None = None) -> Comparison:
    """Every baseline beside the model on the validation and test windows, and the run's prediction: the
    model blended with the best baseline on validation, at the weight of best validation MAE (or, for
    a trained run, `chosen`: its (partner, weight)). The baselines forecast the validation windows fitted
    on the training period and, with `refit`, the test windows fitted again on the training and validation
    periods (`FittedBaselines.refit`). `naive_seasons`, `ridge_lags`: the seasonal naive's seasons and the ridge's
    lags, each chosen among on the validation windows (default: `season`, `lookback`)."""
    y = series.target.astype(np.float64)
    test_start = split_points(len(y))[1]
    baselines = fit_baselines(y, windows.at["valid"], lookback, horizon, season,
                              origins_to_forecast=len(windows.at["valid"]) + len(windows.at["test"]),
                              naive_seasons=naive_seasons, ridge_lags=ridge_lags)
    fitted = {"valid": baselines, "test": baselines.refit(y, test_start) if refit else baselines}
    forecasts, actual = {}, {}
    for split in ("valid", "test"):
        at = windows.at[split]
        out = model_forecast(model, windows.x[split], windows.scaler)
        forecasts[split] = {"model": model.point(torch.as_tensor(out)).numpy().astype(np.float64),
                            **{name: fitted[split].forecast(name, y, at) for name in baselines.names}}
        actual[split] = step_targets(y, at, horizon)
    notes = list(fitted["test"].notes.values())
    if chosen is None:
        earlier = []
        if len(windows.at["valid"]) < FEW_WINDOWS:
            earlier = earlier_blocks(y, windows.at["valid"], test_start, lookback, horizon, season,
                                     baselines.names, naive_seasons=naive_seasons, ridge_lags=ridge_lags)
            if earlier:
                notes.append(partner_note(len(windows.at["valid"]), earlier))
        if "ridge" in baselines.names and ridge_left_out(len(windows.at["valid"])):
            notes.append(f"ridge is not offered as the blend's partner: its lags and alpha were chosen on the "
                         f"{len(windows.at['valid'])} validation windows, fewer than {FEW_RIDGE_WINDOWS}, so its MAE "
                         "there flatters it")
        partner, weight = choose_blend(actual["valid"], forecasts["valid"]["model"],
                                       {n: forecasts["valid"][n] for n in baselines.names}, earlier)
    elif chosen[0] is not None and chosen[0] not in baselines.names:
        partner, weight = None, 0.0
        notes.append(f"the run blends {chosen[0]}, which could not be fitted here: the model alone is scored")
    else:
        partner, weight = chosen
    if weight:
        for split in forecasts:
            forecasts[split]["run"] = blend(forecasts[split]["model"], forecasts[split][partner], weight)
    return Comparison(actual, forecasts, notes, partner, weight)


def scores(actual: np.ndarray, forecasts: dict[str, np.ndarray]) -> dict[str, dict[str, list[float]]]:
    """{name: {"mae": [per step], "rmse": [...], "mape": [...]}}"""
    return {name: forecast_errors(actual, f) for name, f in forecasts.items()}


def summary_metrics(table: dict[str, dict[str, list[float]]], weight: float = 0.0, prefix: str = "test_") -> dict[str, float]:
    """Means over the horizon's steps: test_mae, test_rmse, test_mape of the run's prediction (the blend,
    or the model alone), test_model_mae of the model alone, test_<baseline>_mae, and blend_weight."""
    delivered = table.get("run", table["model"])
    out = {f"{prefix}{k}": float(np.mean(v)) for k, v in delivered.items()}
    for name, errors in table.items():
        if name != "run":
            out[f"{prefix}{name.replace(' ', '_')}_mae"] = float(np.mean(errors["mae"]))
    return {**out, "blend_weight": weight}


def _run_series(run: Run, path: str | None) -> Series:
    """The run's series (as it trained on it: `saved_series`), or `path`'s, with the columns the run was trained on
    (its data facts: a folder written before --value-cols auto has null there, which then meant every numeric
    column)."""
    facts = run.saved.get("data", {})
    saved = saved_series(run.path, facts.get("freq", "")) if path is None else None
    if saved is not None:
        return saved
    columns = facts.get("columns")
    series = load_series(replace(run.config, value_cols=columns[1:] or None) if columns else run.config, path)
    if series.columns != facts.get("columns", series.columns):
        raise UserError(f"{series.source}: columns {series.columns}, but the run was trained on {facts['columns']}")
    return series


def evaluate(run: Run, data: str | None = None, backtest: int | None = None, series: str | None = None
             ) -> dict[str, Any]:
    """MAE/RMSE/MAPE (means over the horizon) of the run's prediction, its model alone and every baseline
    on the test period of the run's series, or of `data` (a file with the training file's columns).
    `backtest` N: instead, a rolling-origin backtest over the last N x horizon steps (see `backtest_scores`). A panel
    run: `panel_predict.evaluate_panel` (`series`: one series' scores)."""
    if run.saved.get("data", {}).get("panel"):
        from rnnkit.tasks.forecast.panel_predict import evaluate_panel  # it builds on this module's helpers

        return evaluate_panel(run, data, backtest, series)
    one_series_only(series)
    model = load(run.path)
    facts = run.saved.get("data", {})
    series = _run_series(run, data)
    windows = series_windows(run.config, series, facts.get("calendar"), Scaler.load(run.path))
    found = compare(model, series, windows, run.config.lookback, run.config.horizon, facts.get("season", 1),
                    chosen=load_blend(run.path), naive_seasons=facts.get("naive_seasons"),
                    refit=run.config.refit_baselines, ridge_lags=facts.get("ridge_lags"))
    if backtest is not None:
        return backtest_scores(found, windows.at["test"], len(series), run.config.horizon, backtest)
    return summary_metrics(scores(found.actual["test"], found.forecasts["test"]), found.weight)


def backtest_scores(found: Comparison, test_at: np.ndarray, steps: int, horizon: int, folds: int) -> dict[str, Any]:
    """A rolling-origin backtest as Darts' `historical_forecasts(retrain=False, stride=horizon)` and
    `backtest` give: `folds` consecutive forecasts of `horizon` steps, from origins `horizon` apart, that
    end at the series' last step, every forecaster from the same origins with the run's fitted weights and
    baselines (nothing refitted). {"backtest_folds", "backtest_<name>_mae" (mean over folds), and the
    per-fold MAEs}; the folds must lie in the test period."""
    if folds < 1:
        raise UserError(f"--backtest {folds}: expected a number of folds >= 1")
    first = steps - folds * horizon
    if first < test_at[0]:
        raise UserError(f"--backtest {folds}: {folds} folds of {horizon} steps reach before the test period; "
                        f"at most {(steps - int(test_at[0])) // horizon}")
    rows = first + horizon * np.arange(folds) - int(test_at[0])  # the folds' origins, as rows of the test windows
    out: dict[str, Any] = {"backtest_folds": folds}
    for name, forecast in found.forecasts["test"].items():
        per_fold = np.mean(np.abs(found.actual["test"][rows] - forecast[rows]), axis=1)  # (folds,)
        key = "backtest_" + name.replace(" ", "_")
        out[f"{key}_mae"] = float(per_fold.mean())
        out[f"{key}_mae_per_fold"] = [round(float(v), 6) for v in per_fold]
    return out


def partner_forecast(run: Run, partner: str, series: Series, own: Series | None = None) -> np.ndarray:
    """(horizon,): the run's blend partner, fitted on the run's own series (`own`, else the one its folder keeps) as
    for its test period (on the training and validation periods, or the training one without `refit_baselines`),
    forecasting the steps after the end of `series`."""
    facts, config = run.saved.get("data", {}), run.config
    try:
        own = own or saved_series(run.path, facts.get("freq", ""))
        if own is None:  # a run folder written before the series was kept in it
            own = load_series(config)
    except UserError as err:
        raise UserError(f"the run blends its forecasts with {partner}, fitted on its training series: {err}") from None
    valid_start, test_start = split_points(len(own))
    valid_at = origins(valid_start, test_start, config.lookback, config.horizon)
    fitted = fit_baselines(own.target, valid_at, config.lookback, config.horizon, facts.get("season", 1),
                           names=(partner,), naive_seasons=facts.get("naive_seasons"), ridge_lags=facts.get("ridge_lags"))
    if config.refit_baselines:
        fitted = fitted.refit(own.target, test_start)
    if partner not in fitted.names:
        raise UserError(f"the run blends its forecasts with {partner}, which cannot be fitted now: {fitted.notes[partner]}")
    return forecast_after(fitted, partner, own, series)


def forecast_after(fitted, name: str, trained: Series, series: Series) -> np.ndarray:
    """(horizon,): baseline `name` of `fitted` (fitted on `trained`; naive's where it could not be), forecasting the
    steps after the end of `series`, whose first step is placed on `trained`'s time line."""
    if name == "seasonal naive" and len(series) < fitted.naive_season:
        raise UserError(f"{series.source}: {len(series)} steps; the run's seasonal naive part reads one season back, "
                        f"give at least {fitted.naive_season}")
    return fitted.forecast_or_naive(name, series.target.astype(np.float64), np.array([len(series)]),
                                    steps_between(trained.times[0], series.times[0], trained.freq))[0]


def steps_between(start: pd.Timestamp, when: pd.Timestamp, freq: str) -> int:
    """Steps of `freq` from `start` to `when` (negative when `when` comes first)."""
    first, last = sorted((start, when))
    steps = len(pd.date_range(first, last, freq=freq)) - 1
    return steps if when >= start else -steps


def predict(run: Run, inputs: str | None, options: ForecastPredictOptions | None = None) -> list[dict[str, Any]]:
    """The next `horizon` values after the end of `inputs` (a file with the training columns and at
    least `lookback` rows; None: the run's own series, its --data or named dataset), one record per step: its
    time stamp and the run's forecast (the model's blended with the baseline the run chose, beside the model's
    alone), and the model's quantiles. A panel run: every series' (`panel_predict.predict_panel`), or the one
    `options.series` names."""
    series_id = options.series if options is not None else None
    if run.saved.get("data", {}).get("panel"):
        from rnnkit.tasks.forecast.panel_predict import predict_panel  # it builds on this module's helpers

        return predict_panel(run, inputs, series_id)
    one_series_only(series_id)
    facts = run.saved.get("data", {})
    columns = facts["columns"]
    kept = None  # the series the run folder keeps, where it is the input: read once, for the partner too
    if inputs is not None:
        series = read_series(inputs, facts["time_col"], columns[0], columns[1:], run.config.fill)
    elif run.config.data is None or Path(run.config.data).is_file():  # the file as it is now: rows may have come
        series = keep_columns(load_series(run.config), columns[1:])
    else:  # the file moved or went: the series as the run read it
        series = kept = saved_series(run.path, facts["freq"])
        if series is None:
            raise UserError(f"{run.path}: its series {run.config.data} is not found from here: give --input FILE (its "
                            f"columns {', '.join(columns)} and the time column {facts['time_col']!r})")
    scaler = Scaler.load(run.path)
    model = load(run.path)
    x = last_window(series, run.config.lookback, scaler, facts.get("calendar", []))
    out = model_forecast(model, x, scaler)[0]  # (horizon,) or (horizon, Q)
    point = model.point(torch.as_tensor(out[None])).numpy()[0].astype(np.float64)  # (horizon,)
    partner, weight = load_blend(run.path)
    delivered = blend(point, partner_forecast(run, partner, series, kept), weight) if weight else point
    return step_records(series.next_times(run.config.horizon), columns[0], delivered, point if weight else None, out,
                        model.quantiles)


def one_series_only(series_id: str | None) -> None:
    """--series is a panel run's: a run of one series refuses it."""
    if series_id is not None:
        raise UserError(f"--series {series_id}: the run was trained on one series; --series picks a series of a "
                        "panel run (a file of several series stacked)")


def step_records(times, target: str, delivered: np.ndarray, model_alone: np.ndarray | None, out: np.ndarray,
                 quantiles, first: dict | None = None) -> list[dict[str, Any]]:
    """One record per forecast step: `first` (a panel's series id), its time stamp, the run's forecast under the
    target's name, the model's alone where the run blends, and the model's quantiles."""
    records = []
    for step, when in enumerate(times):
        record = {**(first or {}), "time": when.isoformat(), target: float(delivered[step])}
        if model_alone is not None:
            record["model"] = float(model_alone[step])
        if quantiles:
            record.update({f"q{q:g}": float(v) for q, v in zip(quantiles, out[step])})
        records.append(record)
    return records
