"""The forecast task's baselines alone (no model) on the test windows a default run would score, with the
time they take: `python benchmarks/tasks/forecast_baselines.py taylor-electricity 1 48`."""
import sys
import time

import numpy as np

from rnnkit.models.baselines import step_targets
from rnnkit.tasks.config import make_config
from rnnkit.tasks.forecast.baselines import fit_baselines
from rnnkit.tasks.forecast.config import ForecastConfig
from rnnkit.tasks.forecast.data import load_series, series_facts, series_windows

dataset, horizons = sys.argv[1], [int(h) for h in sys.argv[2:]] or [1]
for horizon in horizons:
    t0 = time.perf_counter()
    config = make_config(ForecastConfig, {"dataset": dataset, "horizon": horizon})
    series = load_series(config)
    windows = series_windows(config, series)
    facts = series_facts(config, series, windows)
    season = facts["season"]
    y = series.target.astype(np.float64)
    fitted = fit_baselines(y, windows.at["valid"], config.lookback, horizon, season,
                           origins_to_forecast=len(windows.at["valid"]) + len(windows.at["test"]),
                           naive_seasons=tuple(facts["naive_seasons"]))
    actual = step_targets(y, windows.at["test"], horizon)
    maes = {n: round(float(np.mean(np.abs(actual - fitted.forecast(n, y, windows.at["test"])))), 4) for n in fitted.names}
    print(f"{dataset} horizon {horizon}, season {season}: test MAE {maes}; {time.perf_counter() - t0:.0f} s "
          "(fitting and the test windows)")
    for name, note in fitted.notes.items():
        print(f"  {note}")
