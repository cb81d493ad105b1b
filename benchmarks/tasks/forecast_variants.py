"""Forecast design choices measured on the validation windows (the test MAE printed beside, never used to
choose): each variant is the default config with some fields changed, trained once per seed as
`rnnkit train forecast` trains it (lookback and `normalize` resolved as a run resolves them, ridge start,
`rnnkit.tasks.fit` under the ridge's penalty, the kept epoch, then the linear start where its validation MAE is
lower), scored alone, as the mean of its seeds' MAEs and as the MAE of the seeds' averaged forecast (of all seeds
and of the first two); the ridge baseline's (its lags chosen as a run chooses them) and the ridge start's own MAEs
are printed first. SERIES: a catalog name, or a JSON object of config
fields (a file: {"data": "lynx.csv", "time_col": "year", "target_col": "lynx"}). A variant's "freeze_ar": true
(not a config field) keeps the linear skip at its start while the network trains. Example:

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
from rnnkit.tasks.forecast.data import load_series, lookback_seasons
from rnnkit.tasks.forecast.model import (build_model, keep_better_of, ridge_lag_candidates, ridge_penalty_optimizer,
                                         start_from_ridge)
from rnnkit.tasks.forecast.predict import model_forecast
from rnnkit.tasks.forecast.train import resolve_windows

SPLITS = ("valid", "test")


def mae(actual, forecast) -> str:
    return f"{np.mean(np.abs(actual - forecast)):.4f}"


def trained(config, windows, fits, seed: int, freeze: bool = False, on_start=lambda model: None):
    """The model of `config` (resolved by `resolve_windows`) trained at `seed` as a run trains it: ridge start, the
    ridge's penalty, the kept epoch, then the linear start where its validation MAE is lower; (model, whether the
    start was kept). `on_start(model)` is called at the linear start."""
    seeded = dataclasses.replace(config, seed=seed)
    start(seeded, True)
    model = build_model(seeded, windows.x["train"].shape[-1])
    start_state, options = None, {}
    if seeded.linear_start and model.ar is not None:
        start_from_ridge(model, windows, fits)
        start_state = {k: v.clone() for k, v in model.state_dict().items()}
        model.ar.weight.requires_grad_(not freeze)
        on_start(model)
        if seeded.linear_penalty:  # as a run trains it
            alpha = fits.ridge(windows.lookback, model.ar_lags, model.normalize)[1]
            penalised = ridge_penalty_optimizer(model, seeded, alpha, windows.y["train"].size)
            options = {"optimizer": penalised} if penalised is not None else {}
    with tempfile.TemporaryDirectory() as folder:
        fit(FORECAST, seeded, folder, model, (windows.x["train"], windows.y["train"]),
            valid=(windows.x["valid"], windows.y["valid"]), summary={}, quiet=True, **options)
    kept = keep_better_of(model, start_state, windows)[0] if start_state is not None else False
    return model, kept


def main():
    name, horizon, variants = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
    seeds = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    base = json.loads(name) if name.startswith("{") else {"dataset": name}
    series = load_series(make_config(ForecastConfig, {**base, "horizon": horizon}))
    y = series.target.astype(np.float64)
    for number, variant in enumerate(variants):
        variant = dict(variant)
        freeze = variant.pop("freeze_ar", False)  # the linear skip kept at its ridge start (not a config field)
        config = make_config(ForecastConfig, {**base, "horizon": horizon, **variant})
        config, windows, fits, _ = resolve_windows(config, series, lambda line: None)
        actual = {s: step_targets(y, windows.at[s], horizon) for s in SPLITS}
        if number == 0:
            ridge = fit_baselines(y, windows.at["valid"], config.lookback, horizon, 1, names=("ridge",), ridge_lags=tuple(
                ridge_lag_candidates(config, len(series), lookback_seasons(config, series))))
            print(name, horizon, f"lookback {config.lookback}, normalize {config.normalize}; ridge baseline val/test",
                  " / ".join(mae(actual[s], ridge.forecast("ridge", y, windows.at[s])) for s in SPLITS), flush=True)
        forecasts = {s: [] for s in SPLITS}
        kept = 0
        t0 = time.perf_counter()
        for seed in range(seeds):
            def ridge_start(model, seed=seed):
                if seed == 0:
                    print(f"  {json.dumps(variant)} ridge start val/test", " / ".join(
                        mae(actual[s], model_forecast(model, windows.x[s], windows.scaler)) for s in SPLITS), flush=True)

            model, start_kept = trained(config, windows, fits, seed, freeze, on_start=ridge_start)
            kept += start_kept
            for s in SPLITS:
                forecasts[s].append(model_forecast(model, windows.x[s], windows.scaler))
        single = {s: f"{np.mean([np.mean(np.abs(actual[s] - f)) for f in forecasts[s]]):.4f}" for s in SPLITS}
        variant = {**variant, **({"freeze_ar": True} if freeze else {})}
        print(f"{json.dumps(variant)}: seed 0 val/test {mae(actual['valid'], forecasts['valid'][0])} / "
              f"{mae(actual['test'], forecasts['test'][0])} | mean of {seeds} seeds {single['valid']} / {single['test']} | "
              f"their averaged forecast {mae(actual['valid'], np.mean(forecasts['valid'], 0))} / "
              f"{mae(actual['test'], np.mean(forecasts['test'], 0))} | the first two seeds' averaged forecast "
              f"{mae(actual['valid'], np.mean(forecasts['valid'][:2], 0))} / {mae(actual['test'], np.mean(forecasts['test'][:2], 0))}"
              f" | start kept {kept} of {seeds} | "
              f"{time.perf_counter() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()
