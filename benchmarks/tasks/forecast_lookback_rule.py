"""A file's lookback chosen on the validation windows alone (BLOCKS 0, the rule) or on them and BLOCKS stretches of
the validation period's length before them (a rolling-origin backtest of the ridge on the lags inside the training
period, fitted before each stretch, α chosen on it as on validation; `rule_choice`), judged on a stretch held out
from both choices: the series cut to its first CUT (0.85: its training and validation periods, no test step) and
split 70/15/15 as a run splits it, the choice made on the cut, then the ridge on the lags at the chosen lookback (the
model's linear start: fitted on the cut's training windows, α and `normalize` chosen on its validation windows as a
run chooses them) scored on the cut's last 15%. Every candidate's held-out MAE is printed too (the best of them:
what no rule can know). A catalog series is read as a file (its lookback chosen as a file's is).

    cd benchmarks/tasks
    python forecast_lookback_rule.py CUT BLOCKS,... SERIES:H [SERIES:H ...]
    python forecast_lookback_rule.py 0.85 0,1,2,3 seattle-weather:1 '{"data": "lynx.csv", "time_col": "year", "target_col": "lynx"}:4'
"""
import dataclasses
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

from forecast_folds import cut
from rnnkit.models.forecaster import window_levels
from rnnkit.tasks.config import make_config
from rnnkit.tasks.forecast.config import ForecastConfig
from rnnkit.tasks.forecast.data import load_series, lookback_seasons
from rnnkit.tasks.forecast.model import (AUTO_NORMALIZE, LinearFits, choose_normalize, lookback_candidates,
                                         ridge_between)


def as_file(spec: str, folder: Path) -> dict:
    """The config fields of SERIES `spec`; a catalog series written to a CSV file in `folder` first."""
    if spec.startswith("{"):
        return json.loads(spec)
    series = load_series(make_config(ForecastConfig, {"dataset": spec}))
    import pandas as pd

    frame = pd.DataFrame(series.values, columns=series.columns)
    frame.insert(0, "time", series.times)
    path = folder / f"{spec}.csv"
    frame.to_csv(path, index=False)
    return {"data": str(path), "time_col": "time", "target_col": series.columns[0]}


def cut_series(items: list[str], fraction: float, folder: Path):
    """(SERIES, horizon, config, the series cut to its first `fraction`) for each SERIES:H item."""
    for item in items:
        spec, horizon = item.rsplit(":", 1)
        config = make_config(ForecastConfig, {**as_file(spec, folder), "horizon": int(horizon)})
        yield spec, int(horizon), config, cut(load_series(config), fraction)


def earlier_stretches(windows, blocks: int):
    """Up to `blocks` stretches of the validation period's length before it, the k-th ending where the (k-1)-th
    starts: (the training windows whose targets end before the stretch, those whose targets lie in it) as masks
    over the training windows; none that would leave less than half the training period before it."""
    at, horizon = windows.at["train"], windows.y["train"].shape[1]
    valid_start = int(windows.at["valid"][0])
    period = len(windows.at["valid"]) + horizon - 1
    out = []
    for k in range(1, blocks + 1):
        start = valid_start - k * period
        fit, score = at + horizon <= start, (at >= start) & (at + horizon <= start + period)
        if start < valid_start / 2 or not fit.any() or not score.any():
            break
        out.append((fit, score))
    return out


def backtest(fits: LinearFits, lookback: int, normalize: str, blocks: int) -> list[float]:
    """The ridge start's MAE (scaled) on the validation windows, then on each earlier stretch."""
    windows = fits.windows(lookback)
    x, y = windows.x["train"], windows.y["train"]
    return [fits.ridge(lookback, lookback, normalize)[2],
            *(ridge_between(x[fit], y[fit], x[score], y[score], lookback, normalize)[2]
              for fit, score in earlier_stretches(windows, blocks))]


def rule_choice(fits: LinearFits, candidates: list[int], blocks: int) -> int:
    """The lookback of lowest mean MAE over the validation windows and `blocks` stretches before them (as many as
    every candidate has), under the better of the normalisations "auto" chooses among; `blocks` 0: the rule before
    (`choose_lookback`)."""
    runs = {(n, how): backtest(fits, n, how, blocks) for n in candidates for how in AUTO_NORMALIZE}
    common = min(map(len, runs.values()))
    scores = {n: min(float(np.mean(runs[n, how][:common])) for how in AUTO_NORMALIZE) for n in candidates}
    return min(scores, key=scores.get)


def held_out(fits: LinearFits, config: ForecastConfig, lookback: int) -> float:
    """The ridge start at `lookback` (normalize as a run chooses it) on the cut's test windows, in the target's units."""
    at_lookback = dataclasses.replace(config, lookback=lookback, ar_lags=lookback)
    normalize, _ = choose_normalize(at_lookback, fits)
    ridge, _, _ = fits.ridge(lookback, lookback, normalize)
    windows = fits.windows(lookback)
    z, mu, sigma = window_levels(__import__("torch").as_tensor(windows.x["test"][:, :, 0]), normalize)
    forecast = mu.numpy() + sigma.numpy() * ridge.predict(z[:, -lookback:].numpy()).reshape(windows.y["test"].shape)
    return float(np.mean(np.abs(forecast - windows.y["test"]))) * windows.scaler.std[0]


def main():
    fraction, rules = float(sys.argv[1]), [int(b) for b in sys.argv[2].split(",")]
    with tempfile.TemporaryDirectory() as folder:
        for spec, horizon, config, series in cut_series(sys.argv[3:], fraction, Path(folder)):
            fits = LinearFits(config, series)
            seasons = lookback_seasons(config, series)
            candidates = lookback_candidates(config.horizon, len(series), seasons)
            if len(candidates) < 2:
                print(f"{spec[:40]} h{horizon}: one candidate ({candidates}), nothing to choose")
                continue
            scores = {n: held_out(fits, config, n) for n in candidates}
            chosen = {b: rule_choice(fits, candidates, b) for b in rules}
            print(f"{spec[:40]} h{horizon} cut {fraction:g} ({len(series)} steps): held-out MAE by lookback "
                  + ", ".join(f"{n} {v:.4g}" for n, v in scores.items()) + " | "
                  + "; ".join(f"blocks {b}: {n} -> {scores[n]:.4g}" for b, n in chosen.items()), flush=True)


if __name__ == "__main__":
    main()
