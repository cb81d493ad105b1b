"""The linear start (the ridge on the lags out of the window's level) fitted on its lags as they are (the rule) or
on lags standardised to unit variance first (sklearn's usual pipeline), judged on a stretch held out from every
choice: the series cut to its first CUT, split 70/15/15, the lookback and `normalize` resolved on the cut as a run
resolves them, α chosen on the cut's validation windows, scored on the cut's last 15% (target units).

    cd benchmarks/tasks && python forecast_start_scaling.py 0.85 SERIES:H [SERIES:H ...]
"""
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

from forecast_lookback_rule import cut_series
from rnnkit.models.baselines import fit_ridge
from rnnkit.models.forecaster import window_levels
from rnnkit.tasks.forecast.train import resolve_windows


def levels(windows, split, normalize):
    z, mu, sigma = window_levels(torch.as_tensor(windows.x[split][:, :, 0]), normalize)
    return z.numpy(), mu.numpy(), sigma.numpy()


def main():
    fraction = float(sys.argv[1])
    with tempfile.TemporaryDirectory() as folder:
        for spec, horizon, config, series in cut_series(sys.argv[2:], fraction, Path(folder)):
            config, windows, _, _ = resolve_windows(config, series, lambda line: None)
            z = {s: levels(windows, s, config.normalize) for s in ("train", "valid", "test")}
            target = {s: (windows.y[s] - z[s][1]) / z[s][2] for s in z}
            line = []
            for standardize in (False, True):
                ridge, alpha = fit_ridge(z["train"][0], target["train"], z["valid"][0], target["valid"],
                                         standardize=standardize)
                errors = {s: np.mean(np.abs(z[s][1] + z[s][2] * ridge.predict(z[s][0]).reshape(windows.y[s].shape)
                                            - windows.y[s])) * windows.scaler.std[0] for s in ("valid", "test")}
                line.append(f"{'standardised' if standardize else 'as they are'} {errors['valid']:.4g} / {errors['test']:.4g}")
            print(f"{spec[:40]} h{horizon} cut {fraction:g} lookback {config.lookback} {config.normalize}: valid / held-out "
                  + "; ".join(line), flush=True)


if __name__ == "__main__":
    main()
