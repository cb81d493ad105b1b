"""Forecast design choices measured on the validation windows (the test MAE printed beside, never used to
choose): each variant is the default config with some fields changed, trained once per seed as
`rnnkit train forecast` trains it (ridge start, `rnnkit.tasks.fit`, the kept epoch), scored alone, as the
mean of its seeds' MAEs and as the MAE of the seeds' averaged forecast; the ridge start's own MAE is
printed first; `normalize` "auto" is resolved as a run resolves it. Example:

    python benchmarks/tasks/forecast_variants.py seattle-weather 1 '[{"normalize": "none"}, {"normalize": "last"}]' 3
"""
import dataclasses
import json
import sys
import tempfile
import time

import numpy as np

from rnnkit.models.baselines import step_targets
from rnnkit.tasks.config import make_config
from rnnkit.tasks.fit import fit, start
from rnnkit.tasks.forecast import FORECAST
from rnnkit.tasks.forecast.baselines import fit_baselines
from rnnkit.tasks.forecast.config import ForecastConfig
from rnnkit.tasks.forecast.data import load_series, series_windows
from rnnkit.tasks.forecast.model import LinearFits, build_model, choose_normalize, start_from_ridge
from rnnkit.tasks.forecast.predict import model_forecast

SPLITS = ("valid", "test")


def mae(actual, forecast) -> str:
    return f"{np.mean(np.abs(actual - forecast)):.4f}"


dataset, horizon, variants = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
seeds = int(sys.argv[4]) if len(sys.argv) > 4 else 3
series = load_series(make_config(ForecastConfig, {"dataset": dataset, "horizon": horizon}))
y = series.target.astype(np.float64)
for number, variant in enumerate(variants):
    config = make_config(ForecastConfig, {"dataset": dataset, "horizon": horizon, **variant})
    windows = series_windows(config, series)
    fits = LinearFits(config, series, windows)
    config = dataclasses.replace(config, normalize=choose_normalize(config, fits)[0])  # "auto" as a run resolves it
    actual = {s: step_targets(y, windows.at[s], horizon) for s in SPLITS}
    if number == 0:
        ridge = fit_baselines(y, windows.at["valid"], config.lookback, horizon, 1, names=("ridge",))
        print(dataset, horizon, "ridge baseline val/test",
              " / ".join(mae(actual[s], ridge.forecast("ridge", y, windows.at[s])) for s in SPLITS), flush=True)
    forecasts = {s: [] for s in SPLITS}
    t0 = time.perf_counter()
    for seed in range(seeds):
        seeded = dataclasses.replace(config, seed=seed)
        start(seeded, True)
        model = build_model(seeded, windows.x["train"].shape[-1])
        if seeded.linear_start and model.ar is not None:
            start_from_ridge(model, windows, fits)
            if seed == 0:
                print(f"  {json.dumps(variant)} ridge start val/test", " / ".join(
                    mae(actual[s], model_forecast(model, windows.x[s], windows.scaler)) for s in SPLITS), flush=True)
        with tempfile.TemporaryDirectory() as folder:
            fit(FORECAST, seeded, folder, model, (windows.x["train"], windows.y["train"]),
                valid=(windows.x["valid"], windows.y["valid"]), summary={}, quiet=True)
        for s in SPLITS:
            forecasts[s].append(model_forecast(model, windows.x[s], windows.scaler))
    single = {s: f"{np.mean([np.mean(np.abs(actual[s] - f)) for f in forecasts[s]]):.4f}" for s in SPLITS}
    print(f"{json.dumps(variant)}: seed 0 val/test {mae(actual['valid'], forecasts['valid'][0])} / "
          f"{mae(actual['test'], forecasts['test'][0])} | mean of {seeds} seeds {single['valid']} / {single['test']} | "
          f"their averaged forecast {mae(actual['valid'], np.mean(forecasts['valid'], 0))} / "
          f"{mae(actual['test'], np.mean(forecasts['test'], 0))} | {time.perf_counter() - t0:.0f} s", flush=True)
