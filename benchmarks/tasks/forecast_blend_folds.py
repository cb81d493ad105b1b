"""How the blend's partner would be chosen over more origins: for trained forecast runs, every baseline's MAE on
the validation block (block 0) and on up to BLOCKS earlier blocks of the same length (block k: the origins of the
V steps ending V (k - 1) steps before the validation period, each baseline fitted on the series before its block:
a rolling-origin backtest of the baselines, no model needed), then, judged on block 0 alone, the partner a rule
picks from the blocks before it: block 1 alone (what "the validation block alone" does one period earlier)
against blocks 1..3 together. Test figures are printed beside and choose nothing.

    python benchmarks/tasks/forecast_blend_folds.py RUN_DIR [RUN_DIR ...]
"""
import sys

import numpy as np

from rnnkit.data.windows import Scaler, origins
from rnnkit.io.run import load
from rnnkit.models.baselines import step_targets
from rnnkit.models.blend import blend
from rnnkit.tasks import read_run
from rnnkit.tasks.forecast.baselines import choose_blend, fit_baselines, mae
from rnnkit.tasks.forecast.data import load_series, lookback_seasons, series_windows
from rnnkit.tasks.forecast.model import ridge_lag_candidates
from rnnkit.tasks.forecast.predict import compare

BLOCKS = 3

for path in sys.argv[1:]:
    run = read_run(path)
    config, facts = run.config, run.saved["data"]
    series = load_series(config)
    y = series.target.astype(np.float64)
    windows = series_windows(config, series, facts.get("calendar"), Scaler.load(run.path))
    lags = facts.get("ridge_lags") or ridge_lag_candidates(config, len(series), lookback_seasons(config, series))
    kw = dict(naive_seasons=facts.get("naive_seasons"), ridge_lags=tuple(lags))  # a run from before: today's ridge
    found = compare(load(run.path), series, windows, config.lookback, config.horizon, facts["season"], **kw)
    names = [n for n in found.forecasts["valid"] if n != "model" and n != "run"]
    valid_start = int(windows.at["valid"][0])
    period = int(windows.at["test"][0]) - valid_start  # V: the validation period's steps
    blocks = {0: {n: mae(found.actual["valid"], found.forecasts["valid"][n]) for n in names}}
    for k in range(1, BLOCKS + 1):
        at = origins(valid_start - k * period, valid_start - (k - 1) * period, config.lookback, config.horizon)
        if len(at) < 1 or at[0] < 2 * config.lookback:
            break
        fitted = fit_baselines(y, at, config.lookback, config.horizon, facts["season"], **kw)
        blocks[k] = {n: mae(step_targets(y, at, config.horizon), fitted.forecast(n, y, at)) for n in fitted.names}
    test = {n: mae(found.actual["test"], f) for n, f in found.forecasts["test"].items()}
    print(f"== {path}: {len(windows.at['valid'])} validation windows of {config.horizon}, blocks {sorted(blocks)}")
    for n in names:
        print(f"  {n:15s} " + " ".join(f"b{k} {blocks[k].get(n, float('nan')):9.4g}" for k in blocks)
              + f"   test {test[n]:.4g}")
    print(f"  model           b0 {mae(found.actual['valid'], found.forecasts['valid']['model']):9.4g}   test {test['model']:.4g}")
    common = [n for n in names if all(n in blocks[k] for k in blocks)]
    if len(blocks) > 1:
        one = min(common, key=lambda n: blocks[1][n])
        many = min(common, key=lambda n: np.mean([blocks[k][n] for k in blocks if k >= 1]))
        print(f"  partner from block 1: {one} (block 0 {blocks[0][one]:.4g}); from blocks 1..{max(blocks)}: {many} "
              f"(block 0 {blocks[0][many]:.4g}); best on block 0: {min(common, key=lambda n: blocks[0][n])}")
    model_v, model_t = found.forecasts["valid"]["model"], found.forecasts["test"]["model"]
    for label, choose in (("validation alone", lambda n: blocks[0][n]),
                          (f"blocks 0..{max(blocks)}", lambda n: np.mean([blocks[k][n] for k in blocks]))):
        partner = min(common, key=choose)
        _, grid = choose_blend(found.actual["valid"], model_v, {partner: found.forecasts["valid"][partner]})
        two = min((0.0, 0.5), key=lambda w: (mae(found.actual["valid"], blend(model_v, found.forecasts["valid"][partner], w)), w))
        line = []
        for rule, w in (("grid", grid), ("{0, 0.5}", two), ("0.5", 0.5)):
            v = mae(found.actual["valid"], blend(model_v, found.forecasts["valid"][partner], w))
            t = mae(found.actual["test"], blend(model_t, found.forecasts["test"][partner], w))
            line.append(f"{rule}: w {w:g} valid {v:.4g} test {t:.4g}")
        print(f"  partner on {label}: {partner}; " + "; ".join(line), flush=True)
