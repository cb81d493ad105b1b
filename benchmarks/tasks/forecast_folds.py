"""Does a choice made on one validation stretch (a lookback, any config field) hold up on others? The series cut
at several points (the first CUT of its steps, e.g. 0.85: its training and validation periods, no test step), each
cut split 70/15/15 as a run splits it, and for each VARIANT (config fields changed from the default) the model
trained as a run trains it (`forecast_variants.trained`) on the cut's training period: its MAE on the cut's
validation windows (where its epoch was kept) and on the cut's last 15% (held out from every choice), the ridge
baseline's (its lags tuned on the cut's validation windows as a run tunes them) beside, and the average of the
variants' forecasts. A cut of 1 is the full series: its "test" is the real test period, printed and never used to
choose.

    cd benchmarks/tasks
    python forecast_folds.py seattle-weather 1 '[{"lookback": 30}, {"lookback": 365}]' 1,0.85,0.75,0.65 [SEEDS]
"""
import dataclasses
import json
import sys

import numpy as np

from forecast_variants import trained
from rnnkit.models.baselines import step_targets
from rnnkit.tasks.config import make_config
from rnnkit.tasks.forecast.baselines import fit_baselines, mae
from rnnkit.tasks.forecast.config import ForecastConfig
from rnnkit.tasks.forecast.data import load_series, lookback_seasons
from rnnkit.tasks.forecast.model import ridge_lag_candidates
from rnnkit.tasks.forecast.predict import model_forecast
from rnnkit.tasks.forecast.train import resolve_windows

SPLITS = ("valid", "test")


def cut(series, fraction: float):
    """The first `fraction` of `series`' steps."""
    m = int(round(fraction * len(series)))
    return dataclasses.replace(series, times=series.times[:m], values=series.values[:m])


def main():
    name, horizon = sys.argv[1], int(sys.argv[2])
    variants, cuts = json.loads(sys.argv[3]), [float(v) for v in sys.argv[4].split(",")]
    seeds = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    base = {**(json.loads(name) if name.startswith("{") else {"dataset": name}), "horizon": horizon}
    full = load_series(make_config(ForecastConfig, base))
    for fraction in cuts:
        series = cut(full, fraction)
        y = series.target.astype(np.float64)
        forecasts, actual = {}, None
        for number, variant in enumerate(variants):
            config = make_config(ForecastConfig, {**base, **variant})
            config, windows, fits, _ = resolve_windows(config, series, lambda line: None)
            actual = {s: step_targets(y, windows.at[s], horizon) for s in SPLITS}
            ridge = fit_baselines(y, windows.at["valid"], config.lookback, horizon, 1, names=("ridge",), ridge_lags=tuple(
                ridge_lag_candidates(config, len(series), lookback_seasons(config, series))))
            runs = [trained(config, windows, fits, seed)[0] for seed in range(seeds)]
            forecasts[number] = {s: np.mean([model_forecast(m, windows.x[s], windows.scaler) for m in runs], 0)
                                   for s in SPLITS}
            print(f"cut {fraction:g} ({len(series)} steps, windows valid/test {len(actual['valid'])}/"
                  f"{len(actual['test'])}) {json.dumps(variant)} (lookback {config.lookback}, {config.normalize}): model valid/test "
                  + " / ".join(f"{mae(actual[s], forecasts[number][s]):.4f}" for s in SPLITS)
                  + f" | ridge on {ridge.ridge_lags} lags " + " / ".join(
                      f"{mae(actual[s], ridge.forecast('ridge', y, windows.at[s])):.4f}" for s in SPLITS), flush=True)
        # every variant's windows end at the same origins (the splits hold the targets): average them
        print(f"cut {fraction:g} average of the variants: valid/test " + " / ".join(
            f"{mae(actual[s], np.mean([f[s] for f in forecasts.values()], 0)):.4f}" for s in SPLITS), flush=True)


if __name__ == "__main__":
    main()
