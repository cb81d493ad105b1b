"""The linear start (the ridge on the lags, fitted on the training windows, α on the validation windows) on the
target as it is and on its log, under each normalisation "auto" chooses among, for positive series cut to their first
CUT (no test step): validation and held-out (the cut's last 15%) MAE in the target's units. No training.

    cd benchmarks/tasks && python forecast_log_probe.py 0.85 SERIES:H [SERIES:H ...]
"""
import dataclasses
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

from forecast_folds import cut
from forecast_lookback_rule import as_file
from rnnkit.data.windows import make_windows
from rnnkit.models.forecaster import window_levels
from rnnkit.tasks.config import make_config
from rnnkit.tasks.forecast.config import ForecastConfig
from rnnkit.tasks.forecast.data import load_series
from rnnkit.tasks.forecast.model import AUTO_NORMALIZE, ridge_on_levels
from rnnkit.tasks.forecast.train import resolve_windows


def scores(windows, lookback: int, normalize: str) -> dict[str, float]:
    ridge, _, _ = ridge_on_levels(windows, lookback, normalize)
    out = {}
    for split in ("valid", "test"):
        z, mu, sigma = window_levels(torch.as_tensor(windows.x[split][:, :, 0]), normalize)
        forecast = mu.numpy() + sigma.numpy() * ridge.predict(z[:, -lookback:].numpy()).reshape(windows.y[split].shape)
        actual = windows.scaler.target_inverse(windows.y[split].astype(np.float64))
        out[split] = float(np.mean(np.abs(windows.scaler.target_inverse(forecast) - actual)))
    return out


def main():
    fraction = float(sys.argv[1])
    with tempfile.TemporaryDirectory() as folder:
        for item in sys.argv[2:]:
            spec, horizon = item.rsplit(":", 1)
            base = {**as_file(spec, Path(folder)), "horizon": int(horizon), "target_transform": "none"}
            config = make_config(ForecastConfig, base)
            series = cut(load_series(config), fraction)
            if series.target.min() <= 0:
                print(f"{spec[:40]} h{horizon}: not positive")
                continue
            config, windows, _, _ = resolve_windows(config, series, lambda line: None)
            logged = make_windows(series, config.lookback, config.horizon, 1, windows.calendar, target_transform="log")
            line = []
            for how in AUTO_NORMALIZE:
                raw, log = scores(windows, config.lookback, how), scores(logged, config.lookback, how)
                line.append(f"{how}: as it is {raw['valid']:.4g} / {raw['test']:.4g}, log {log['valid']:.4g} / {log['test']:.4g}")
            print(f"{spec[:40]} h{horizon} cut {fraction:g} lookback {config.lookback}: valid / held-out " + "; ".join(line),
                  flush=True)


if __name__ == "__main__":
    main()
