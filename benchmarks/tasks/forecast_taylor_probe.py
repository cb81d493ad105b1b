"""What limits a one-step forecast of Taylor's half-hourly demand, probed with linear models (no training): the
linear start's errors (the ridge on the 432 lags under normalize last, fitted on the training windows, α on the
validation windows) by hour of day and weekday, and ridges given what a recurrent model could add: the calendar
of the step, lags gated by the hour, the lags standardised, a prior of the last value plus the week-ago or day-ago
change, all on the demand as it is (not its log). Validation MAE chooses; test printed beside.

    python benchmarks/tasks/forecast_taylor_probe.py
"""
import numpy as np
import torch

from rnnkit.models.baselines import fit_ridge
from rnnkit.models.forecaster import window_levels
from rnnkit.tasks.config import make_config
from rnnkit.tasks.forecast.config import ForecastConfig
from rnnkit.tasks.forecast.data import load_series, series_windows
from rnnkit.tasks.forecast.model import ridge_on_levels

SPLITS = ("train", "valid", "test")
config = make_config(ForecastConfig, {"dataset": "taylor-electricity", "lookback": 432, "target_transform": "none"})
series = load_series(config)
windows = series_windows(config, series)
scale = windows.scaler.std[0]
x = {s: windows.x[s][:, :, 0] for s in SPLITS}  # (N, 432) scaled demand
y = {s: windows.y[s][:, 0] for s in SPLITS}
hour = {s: series.times[windows.at[s]].hour.values for s in SPLITS}

ridge, alpha, _ = ridge_on_levels(windows, 432, "last")
print(f"inputs per step {windows.x['train'].shape[-1]}: demand + calendar {windows.calendar}; linear start alpha {alpha:.3g}")
for s in SPLITS:
    z, mu, _ = window_levels(torch.as_tensor(x[s]), "last")
    error = np.abs(y[s] - mu.numpy()[:, 0] - ridge.predict(z.numpy())) * scale
    by_hour = np.array([error[hour[s] == h].mean() for h in range(24)])
    evening = np.isin(hour[s], (20, 21))
    rest = error[~evening].mean()
    print(f"{s}: MAE {error.mean():.1f}; by hour " + " ".join(f"{v:.0f}" for v in by_hour)
          + f"; hours 20-21 carry {100 * error[evening].sum() / error.sum():.0f}% of the error on "
          f"{100 * evening.mean():.0f}% of the windows; with their errors at the other hours' mean the MAE would be "
          f"{(error[~evening].sum() + evening.sum() * rest) / len(error):.1f}")


def probe(name, features, prior=lambda s: x[s][:, -1], standardize=True):
    f = {s: features(s) for s in SPLITS}
    model, a = fit_ridge(f["train"], y["train"] - prior("train"), f["valid"], y["valid"] - prior("valid"),
                         standardize=standardize)
    mae = {s: np.mean(np.abs(model.predict(f[s]) + prior(s) - y[s])) * scale for s in ("valid", "test")}
    print(f"{name}: valid {mae['valid']:.1f} test {mae['test']:.1f} (alpha {a:.3g}, {f['train'].shape[1]} features)",
          flush=True)


def change(s):
    return x[s] - x[s][:, -1:]


def gated(s, lags=(1, 2, 47, 48, 49, 335, 336, 337), hours=(20, 21)):
    gate = np.isin(hour[s], hours).astype(np.float32)[:, None]
    return np.hstack([change(s), (x[s][:, [-i for i in lags]] - x[s][:, -1:]) * gate, gate])


def one_hot_hours(s, lags=(48, 336)):
    picked = x[s][:, [-i for i in lags]] - x[s][:, -1:]
    onehot = np.eye(24, dtype=np.float32)[hour[s]]
    return np.hstack([change(s), *(picked * onehot[:, [h]] for h in range(24))])


probe("432 lags as they are (the linear start)", change, standardize=False)
probe("432 lags standardised", change)
probe("432 lags + the calendar", lambda s: np.hstack([change(s), windows.x[s][:, -1, 1:]]))
probe("432 lags + lags 1,2,47-49,335-337 gated by hours 20-21", gated)
probe("432 lags + lags 48, 336 by hour of day (one-hot)", one_hot_hours)
probe("432 lags, prior: last + week-ago change", change, lambda s: x[s][:, -1] + x[s][:, -336] - x[s][:, -337])
probe("432 lags, prior: last + day-ago change", change, lambda s: x[s][:, -1] + x[s][:, -48] - x[s][:, -49])
probe("432 lags, prior: last + mean of the day- and week-ago changes", change,
      lambda s: x[s][:, -1] + 0.5 * (x[s][:, -48] - x[s][:, -49] + x[s][:, -336] - x[s][:, -337]))
