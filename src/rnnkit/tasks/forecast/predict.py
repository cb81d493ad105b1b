"""Scoring a forecaster against its baselines on the test windows, predicting the next `horizon`
values from a recent file, and `rnnkit evaluate` of a run."""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from rnnkit.data.series import Series, read_series
from rnnkit.data.windows import Scaler, Windows, last_window, origins
from rnnkit.errors import UserError
from rnnkit.io.run import load
from rnnkit.models.baselines import fit_ridge_on_lags, forecast_errors, naive, ridge_forecast, seasonal_naive, step_targets
from rnnkit.tasks.forecast.data import load_series, series_windows
from rnnkit.tasks.task import Run
from rnnkit.training import predict as predict_outputs


def model_forecast(model, x: np.ndarray, scaler: Scaler) -> np.ndarray:
    """(N, horizon) point forecasts in the target's units; (N, horizon, Q) quantiles as `.quantiles`."""
    out = predict_outputs(model, torch.as_tensor(x))
    return scaler.target_inverse(out.numpy().astype(np.float64))


def test_forecasts(model, series: Series, windows: Windows, lookback: int, horizon: int, season: int):
    """(actual (N, horizon), {name: forecast (N, horizon)}, notes) on the test windows: the model, naive,
    seasonal naive (when a season fits before the test period) and ridge on `lookback` lags."""
    y = series.target.astype(np.float64)
    at = windows.at["test"]
    out = model_forecast(model, windows.x["test"], windows.scaler)
    forecasts = {"model": model.point(torch.as_tensor(out)).numpy(), "naive": naive(y, at, horizon)}
    notes = []
    if at.min() >= season:
        forecasts["seasonal naive"] = seasonal_naive(y, at, horizon, season)
        notes.append(f"seasonal naive: the value {season} steps ({season} x {series.freq}) before each forecast step")
    else:
        notes.append(f"seasonal naive left out: its period ({season} steps) reaches before the series starts")
    train_at = origins(0, windows.at["valid"].min(), lookback, horizon)
    ridge, alpha = fit_ridge_on_lags(y, train_at, windows.at["valid"], lookback, horizon)
    forecasts["ridge"] = ridge_forecast(ridge, y, at, lookback, horizon)
    notes.append(f"ridge: scikit-learn Ridge on the last {lookback} target values, alpha {alpha:.3g} chosen on the "
                 "validation windows")
    return step_targets(y, at, horizon), forecasts, notes


def scores(actual: np.ndarray, forecasts: dict[str, np.ndarray]) -> dict[str, dict[str, list[float]]]:
    """{name: {"mae": [per step], "rmse": [...], "mape": [...]}}"""
    return {name: forecast_errors(actual, f) for name, f in forecasts.items()}


def summary_metrics(table: dict[str, dict[str, list[float]]], prefix: str = "test_") -> dict[str, float]:
    """Means over the horizon's steps: test_mae, test_rmse, test_mape for the model, test_<baseline>_mae."""
    out = {f"{prefix}{k}": float(np.mean(v)) for k, v in table["model"].items()}
    for name, errors in table.items():
        if name != "model":
            out[f"{prefix}{name.replace(' ', '_')}_mae"] = float(np.mean(errors["mae"]))
    return out


def _run_series(run: Run, path: str | None) -> Series:
    series = load_series(run.config, path)
    facts = run.saved.get("data", {})
    if series.columns != facts.get("columns", series.columns):
        raise UserError(f"{series.source}: columns {series.columns}, but the run was trained on {facts['columns']}")
    return series


def evaluate(run: Run, data: str | None = None) -> dict[str, float]:
    """MAE/RMSE/MAPE (means over the horizon) of the run's model and baselines on the test period of
    the run's series, or of `data` (a file with the training file's columns)."""
    model = load(run.path)
    facts = run.saved.get("data", {})
    series = _run_series(run, data)
    windows = series_windows(run.config, series, facts.get("calendar"), Scaler.load(run.path))
    actual, forecasts, _ = test_forecasts(model, series, windows, run.config.steps_in, run.config.horizon,
                                          facts.get("season", 1))
    return summary_metrics(scores(actual, forecasts))


def predict(run: Run, inputs: str, options: None = None) -> list[dict[str, Any]]:
    """The next `horizon` values after the end of `inputs` (a file with the training columns and at
    least `lookback` rows), one record per step: its time stamp and the forecast (and quantiles)."""
    facts = run.saved.get("data", {})
    columns = facts["columns"]
    series = read_series(inputs, facts["time_col"], columns[0], columns[1:], run.config.fill)
    scaler = Scaler.load(run.path)
    model = load(run.path)
    x = last_window(series, run.config.steps_in, scaler, facts.get("calendar", []))
    out = model_forecast(model, x, scaler)[0]  # (horizon,) or (horizon, Q)
    records = []
    for step, when in enumerate(series.next_times(run.config.horizon)):
        if model.quantiles:
            record = {"time": when.isoformat(), columns[0]: float(model.point(torch.as_tensor(out[step:step + 1]))[0])}
            record.update({f"q{q:g}": float(v) for q, v in zip(model.quantiles, out[step])})
        else:
            record = {"time": when.isoformat(), columns[0]: float(out[step])}
        records.append(record)
    return records
