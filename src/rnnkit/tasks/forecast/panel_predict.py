"""`rnnkit evaluate` and `rnnkit predict` of a panel run: the series the run kept (`panel.parquet`, each
series' scaler in `scalers.json`), or a long file of the same series, forecast by the run's global model and
its blend."""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from rnnkit.data.panel import Panel, named_ids, read_panel
from rnnkit.data.series import split_points
from rnnkit.data.windows import Scaler, last_window, origins
from rnnkit.errors import UserError
from rnnkit.io.run import load
from rnnkit.models.blend import blend
from rnnkit.tasks.forecast.baselines import load_blend
from rnnkit.tasks.forecast.panel_scores import (POOLED_RIDGE, compare_panel, panel_metrics, panel_model_forecast,
                                               panel_summary, pooled_ridge_forecast, series_baselines, series_maes)
from rnnkit.tasks.forecast.panel_windows import (detrended, long_enough, panel_windows, pooled_ridge, saved_drifts,
                                                saved_panel, saved_scalers, with_drift)
from rnnkit.tasks.forecast.predict import forecast_after, step_records
from rnnkit.tasks.task import Run


def _panel(run: Run, path: str | None, scalers: dict[str, Scaler]) -> Panel:
    """The run's own panel, or `path`'s series (a long file with the run's id, time and target columns), each one
    the run was trained on (its scaler is that series' own) or left out as too short (skipped again)."""
    facts = run.saved["data"]
    if path is None:
        return saved_panel(run.path, facts["freq"])
    panel = read_panel(path, facts["id_col"], facts["time_col"], facts["columns"][0], run.config.fill)
    panel = panel.keeping(k for k in panel.ids if k not in facts.get("left_out", []))
    unknown = [k for k in panel.ids if k not in scalers]
    if unknown:
        raise UserError(f"{path}: {len(unknown)} series the run was not trained on ({named_ids(unknown)}); each "
                        f"series is read in the scale of its own training period: give series of {facts['id_col']!r} "
                        f"{named_ids(list(scalers))}")
    if panel.freq != facts["freq"]:
        raise UserError(f"{path}: its series are steps of {panel.freq}; the run was trained on steps of "
                        f"{facts['freq']}")
    return panel


def evaluate_panel(run: Run, data: str | None = None, backtest: int | None = None,
                   series_id: str | None = None) -> dict[str, Any]:
    """The run's test figures (`panel_metrics`) on the test windows of every series of its panel, or of `data`'s;
    with `series_id`, that series' alone, with each forecaster's test MAE in its units (`test_<name>_mae`)."""
    if backtest is not None:
        raise UserError("--backtest: a panel run is scored on every series' own test windows; the backtest is for "
                        "a run of one series")
    facts, scalers, drifts = run.saved["data"], saved_scalers(run.path), saved_drifts(run.path)
    own = saved_panel(run.path, facts["freq"])
    panel = own if data is None else long_enough(run.config, _panel(run, data, scalers))[0]
    panel = one_series(run, panel, series_id, data)
    pw = panel_windows(run.config, panel, facts["calendar"], scalers, drifts)
    found = compare_panel(load(run.path), run.config, panel, pw, facts["baselines"], chosen=load_blend(run.path),
                          ridge=own_pooled_ridge(run, own, scalers, drifts))
    maes = series_maes(found)
    metrics = panel_metrics(panel_summary(maes, found.scale), found.weight, len(panel.series))
    if series_id is None:
        return metrics
    delivered = maes.get("run", maes["model"])[series_id]
    return {"series_id": series_id, **metrics, "test_mae": delivered,
            **{f"test_{name.replace(' ', '_')}_mae": per[series_id] for name, per in maes.items() if name != "run"}}


def one_series(run: Run, panel: Panel, series_id: str | None, path: str | None) -> Panel:
    """`panel` with series `series_id` alone (all of it without one); an id the run was not trained on, or that
    `path` does not hold, ends in one line naming it and some of those it knows."""
    if series_id is None:
        return panel
    facts = run.saved["data"]
    if series_id in facts.get("left_out", []):
        raise UserError(f"--series {series_id}: the run left that series out (too short for its lookback "
                        f"{run.config.lookback} and horizon {run.config.horizon}); it has no forecast")
    if series_id not in facts["ids"]:
        raise UserError(f"--series {series_id}: no series of {facts['id_col']!r} {series_id!r} in the run; it was "
                        f"trained on {len(facts['ids'])}: {named_ids(facts['ids'])}")
    if series_id not in panel.series:
        raise UserError(f"{path}: no rows of series {series_id!r} (column {facts['id_col']!r}) long enough to "
                        f"forecast from")
    return panel.keeping([series_id])


def own_pooled_ridge(run: Run, own: Panel, scalers: dict[str, Scaler], drifts: dict[str, float]):
    """The pooled ridge as the run fitted it: on the windows of its own series."""
    config = run.config
    return pooled_ridge(panel_windows(config, own, run.saved["data"]["calendar"], scalers, drifts).as_windows(),
                        config.ar_lags or config.lookback, config.normalize)[0]


def predict_panel(run: Run, inputs: str | None, series_id: str | None = None) -> list[dict[str, Any]]:
    """The next `horizon` values of every series (or of series `series_id` alone), one record per series and step:
    its id, time stamp and the run's forecast (and the model's alone where the run blends)."""
    facts, config, scalers, drifts = run.saved["data"], run.config, saved_scalers(run.path), saved_drifts(run.path)
    own = saved_panel(run.path, facts["freq"])
    panel = one_series(run, own if inputs is None else _panel(run, inputs, scalers), series_id, inputs)
    model = load(run.path)
    partner, weight = load_blend(run.path)
    lags = config.ar_lags or config.lookback
    ridge = own_pooled_ridge(run, own, scalers, drifts) if weight and partner == POOLED_RIDGE else None
    records = []
    for key, series in panel.series.items():
        drift = drifts.get(key, 0.0)
        x = detrended(last_window(series, config.lookback, scalers[key], facts["calendar"]), drift)
        out = panel_model_forecast(model, x, scalers[key], drift)[0]
        point = model.point(torch.as_tensor(out[None])).numpy()[0].astype(np.float64)
        if not weight:
            delivered = point
        elif ridge is not None:
            ridged = with_drift(pooled_ridge_forecast(ridge, x, lags, config.normalize), drift)
            delivered = blend(point, scalers[key].target_inverse(ridged)[0], weight)
        else:
            delivered = blend(point, partner_forecast(run, own, key, partner, series), weight)
        records += step_records(series.next_times(config.horizon), facts["columns"][0], delivered,
                                point if weight else None, out, model.quantiles, {facts["id_col"]: key})
    return records


def partner_forecast(run: Run, own: Panel, key: str, partner: str, series) -> np.ndarray:
    """(horizon,): series `key`'s blend partner, fitted on the run's own series as for its test period,
    forecasting the steps after the end of `series`."""
    config, trained = run.config, own.series[key]
    valid_start, test_start = split_points(len(trained))
    fitted = series_baselines(config, trained, origins(valid_start, test_start, config.lookback, config.horizon),
                              (partner,))
    if config.refit_baselines:
        fitted = fitted.refit(trained.target.astype(np.float64), test_start)
    return forecast_after(fitted, partner, trained, series)
