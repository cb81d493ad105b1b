"""How should a run on a SHORT series (a few validation windows) blend its model with the baselines? Each run
folder of `forecast_m1_sweep.py` (M1's yearly series, every default) is loaded, its model and every baseline
forecast its validation and test windows as `rnnkit evaluate` does (`compare`, the partner and weight chosen
again by today's rule), and rules of combination are scored on test MAE relative to naive's (geometric mean
over series). The series are split in two halves by name: a rule is designed on half A and confirmed on half B
(benchmarks/TASKS.md, "M1 yearly: many short series").

    python benchmarks/tasks/forecast_short_rules.py forecasts SWEEP_DIR CACHE.npz   # the forecasts, once
    python benchmarks/tasks/forecast_short_rules.py rules CACHE.npz
"""
import pickle
import sys
from pathlib import Path

import numpy as np

from rnnkit.models.blend import blend, pulled_weight


def forecasts(sweep: Path, cache: Path) -> None:
    from rnnkit.io.run import load
    from rnnkit.tasks.forecast.data import series_windows
    from rnnkit.tasks.forecast.predict import _run_series, compare
    from rnnkit.data.windows import Scaler
    from rnnkit.tasks.registry import read_run

    out = {}
    for folder in sorted(sweep.glob("run-*")):
        if not (folder / "blend.json").exists():
            continue
        run = read_run(folder)
        facts = run.saved["data"]
        series = _run_series(run, None)
        windows = series_windows(run.config, series, facts.get("calendar"), Scaler.load(run.path))
        found = compare(load(run.path), series, windows, run.config.lookback, run.config.horizon, facts["season"],
                        naive_seasons=tuple(facts["naive_seasons"]), ridge_lags=tuple(facts["ridge_lags"]))
        out[folder.name] = {"actual": found.actual, "forecasts": found.forecasts, "partner": found.partner,
                            "weight": found.weight}
        print(folder.name, found.partner, found.weight, flush=True)
    cache.write_bytes(pickle.dumps(out))


def mae(a, f):
    return float(np.mean(np.abs(a - f)))


BASELINES = ("naive", "ridge", "AutoETS", "AutoARIMA")


def rules(entry) -> dict[str, np.ndarray]:
    """Each rule's test forecast for one series, every choice made on its validation windows."""
    v, t, av = entry["forecasts"]["valid"], entry["forecasts"]["test"], entry["actual"]["valid"]
    names = [n for n in BASELINES if n in v]
    partner, weight = entry["partner"], entry["weight"]
    out = {"model": t["model"], "today (partner and weight on validation)": t.get("run", t["model"])}
    out["model + partner at 0.5"] = blend(t["model"], t[partner], 0.5)
    n = len(av)
    for k in (5, 10, 20):
        w = (n * weight + k * 0.5) / (n + k)
        out[f"weight pulled to 0.5 by {k} windows"] = blend(t["model"], t[partner], w)
        out[f"... by {k}, on the grid"] = blend(t["model"], t[partner], pulled_weight(weight, n, k))
    out["mean of model, AutoETS, AutoARIMA"] = np.mean([t["model"], t["AutoETS"], t["AutoARIMA"]], 0)
    out["mean of model, naive, AutoETS, AutoARIMA"] = np.mean([t["model"], t["naive"], t["AutoETS"], t["AutoARIMA"]], 0)
    out["mean of model and every baseline"] = np.mean([t["model"], *(t[b] for b in names)], 0)
    out["mean of AutoETS, AutoARIMA"] = np.mean([t["AutoETS"], t["AutoARIMA"]], 0)
    out["median of model and every baseline"] = np.median([t["model"], *(t[b] for b in names)], 0)
    return out


def report(cache: Path) -> None:
    data = pickle.loads(cache.read_bytes())
    halves = {"A": sorted(data)[::2], "B": sorted(data)[1::2]}
    for half, keys in halves.items():
        ratios = {}
        for key in keys:
            entry = data[key]
            naive = mae(entry["actual"]["test"], entry["forecasts"]["test"]["naive"])
            for name, forecast in {**rules(entry), **{b: entry["forecasts"]["test"][b] for b in BASELINES}}.items():
                ratios.setdefault(name, []).append(np.log(max(mae(entry["actual"]["test"], forecast), 1e-12) / max(naive, 1e-12)))
        print(f"\nhalf {half} ({len(keys)} series): geometric mean of test MAE / naive's; series where below naive")
        for name, r in sorted(ratios.items(), key=lambda kv: np.mean(kv[1])):
            print(f"  {name:45s} {np.exp(np.mean(r)):.4f}  {sum(x < 0 for x in r)}")


if __name__ == "__main__":
    if sys.argv[1] == "forecasts":
        forecasts(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        report(Path(sys.argv[2]))
