"""Baselines refitted on every value before the period they forecast, against fitted on the training period
alone: validation first (fitted on the first 55% of the series, the 15% before validation choosing ridge's α,
against refitted on the first 70%, scored on the validation windows), then the test windows as a run scores
them (fitted on the first 70%, against refitted on the first 85%). SERIES as in forecast_variants.py:

    python benchmarks/tasks/forecast_refit.py airline 12
    python benchmarks/tasks/forecast_refit.py '{"data": "lynx.csv", "time_col": "year", "target_col": "lynx"}' 1
"""
import sys
import time

import numpy as np

from rnnkit.data.series import split_points
from rnnkit.data.windows import origins
from rnnkit.models.baselines import step_targets
from rnnkit.tasks.forecast.baselines import fit_baselines
from rnnkit.tasks.forecast.data import naive_seasons_of, season_of

from forecast_setup import resolved_run  # benchmarks/tasks, beside this script

name, horizon = sys.argv[1], int(sys.argv[2])
config, series, windows = resolved_run(name, horizon)
y = series.target.astype(np.float64)
valid_start, test_start = split_points(len(y))
lookback, season = config.lookback, season_of(config, series)
blocks = {"valid": (origins(valid_start - (test_start - valid_start), valid_start, lookback, horizon), valid_start,
                    windows.at["valid"]),
          "test": (windows.at["valid"], test_start, windows.at["test"])}
t0 = time.perf_counter()
for split, (choose_at, end, at) in blocks.items():
    fitted = fit_baselines(y, choose_at, lookback, horizon, season, naive_seasons=naive_seasons_of(config, series))
    refitted = fitted.refit(y, end)
    actual = step_targets(y, at, horizon)
    row = {n: (np.mean(np.abs(actual - fitted.forecast(n, y, at))), np.mean(np.abs(actual - refitted.forecast(n, y, at))))
           for n in fitted.names if n in ("ridge", "AutoETS", "AutoARIMA")}
    print(f"{name} h{horizon} {split} ({len(at)} windows): " + ", ".join(
        f"{n} {a:.4g} -> {b:.4g} ({100 * (b / a - 1):+.1f}%)" for n, (a, b) in row.items()), flush=True)
print(f"  {time.perf_counter() - t0:.0f} s", flush=True)
