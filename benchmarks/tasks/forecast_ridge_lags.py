"""The ridge baseline with its own lags chosen on the validation windows against the ridge on the model's lookback
(what runs scored before): lags tried, the chosen ones, validation and test MAE of both; nothing is trained.
SERIES: a catalog name, or a JSON object of config fields (a file: {"data": "lynx.csv", "time_col": "year",
"target_col": "lynx"}). Example:

    python benchmarks/tasks/forecast_ridge_lags.py seattle-weather 1
"""
import sys

import numpy as np

from rnnkit.models.baselines import step_targets
from rnnkit.tasks.forecast.baselines import fit_baselines
from rnnkit.tasks.forecast.data import lookback_seasons
from rnnkit.tasks.forecast.model import ridge_lag_candidates

from forecast_setup import resolved_run  # benchmarks/tasks, beside this script

name, horizon = sys.argv[1], int(sys.argv[2])
config, series, windows = resolved_run(name, horizon)
y = series.target.astype(np.float64)
candidates = tuple(ridge_lag_candidates(config, len(series), lookback_seasons(config, series)))
for label, lags in (("model's lookback", None), ("own lags", candidates)):
    fitted = fit_baselines(y, windows.at["valid"], config.lookback, horizon, 1, names=("ridge",), ridge_lags=lags)
    errors = [np.mean(np.abs(step_targets(y, windows.at[s], horizon) - fitted.forecast("ridge", y, windows.at[s])))
              for s in ("valid", "test")]
    print(f"{name} h{horizon} lookback {config.lookback}: ridge on {label}: lags {fitted.ridge_lags} alpha "
          f"{fitted.ridge_alpha:.3g}; valid {errors[0]:.4g} test {errors[1]:.4g}; {fitted.notes['ridge']}", flush=True)
