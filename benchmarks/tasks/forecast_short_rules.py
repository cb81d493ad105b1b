"""How should a run on a SHORT series (a few validation windows) blend its model with the baselines? Each run
folder of `forecast_m1_sweep.py` (M1's yearly series, or its `seasonal` cuts; every default) is loaded, its model and
every baseline forecast its validation and test windows as `rnnkit evaluate` does (`compare`), each baseline is
scored on the stretches before validation as the run scores it (`earlier_blocks`), and rules of combination, each
choosing on these alone, are scored on test MAE relative to naive's (geometric mean over series). "Today's rule" is
the one before ridge was left out on few windows. The series are split in two halves by name: a rule is kept only
where it beats today's on both (benchmarks/TASKS.md, "M1 yearly: many short series" and "Short series: ridge is
no partner on few validation windows").

    python benchmarks/tasks/forecast_short_rules.py forecasts SWEEP_DIR CACHE.pkl   # the forecasts, once (resumes)
    python benchmarks/tasks/forecast_short_rules.py rules CACHE.pkl [CACHE.pkl ...]
"""
import pickle
import sys
from pathlib import Path

import numpy as np

from rnnkit.models.blend import best_weight, blend, pulled_weight


def forecasts(sweep: Path, cache: Path) -> None:
    """Each run's validation and test forecasts, and its baselines' MAEs on the stretches before validation
    (`earlier_blocks`), so that a rule may choose the partner as the run does; the blend the run chose itself is
    kept beside them (`blend.json`) to check that today's rule, replayed here, chooses the same."""
    import json

    from rnnkit.io.run import load
    from rnnkit.tasks.forecast.baselines import FEW_WINDOWS, earlier_blocks
    from rnnkit.tasks.forecast.data import series_windows
    from rnnkit.tasks.forecast.predict import _run_series, compare
    from rnnkit.data.series import split_points
    from rnnkit.data.windows import Scaler
    from rnnkit.tasks.registry import read_run

    out = pickle.loads(cache.read_bytes()) if cache.exists() else {}
    for folder in sorted(sweep.glob("run-*")):
        if not (folder / "blend.json").exists() or folder.name in out:
            continue
        run = read_run(folder)
        facts = run.saved["data"]
        series = _run_series(run, None)
        windows = series_windows(run.config, series, facts.get("calendar"), Scaler.load(run.path))
        options = dict(naive_seasons=tuple(facts["naive_seasons"]), ridge_lags=tuple(facts["ridge_lags"]))
        # no blend here (chosen=(None, 0)): the rules below choose their own, today's with these earlier blocks
        found = compare(load(run.path), series, windows, run.config.lookback, run.config.horizon, facts["season"],
                        chosen=(None, 0.0), **options)
        y = series.target.astype(np.float64)
        earlier = earlier_blocks(y, windows.at["valid"], split_points(len(y))[1], run.config.lookback,
                                 run.config.horizon, facts["season"], list(found.forecasts["valid"])[1:], **options) \
            if len(windows.at["valid"]) < FEW_WINDOWS else []
        saved = json.loads((folder / "blend.json").read_text())
        out[folder.name] = {"actual": found.actual, "forecasts": found.forecasts, "earlier": earlier, "steps": len(y),
                            "partner": saved["baseline"], "weight": saved["weight"]}
        print(folder.name, saved["baseline"], saved["weight"], flush=True)
        cache.write_bytes(pickle.dumps(out))


def mae(a, f):
    return float(np.mean(np.abs(a - f)))


FEW = (6, 8, 10)
"""The validation windows below which a rule for few windows replaces today's."""


def rules(entry) -> dict[str, np.ndarray]:
    """Each rule's test forecast for one series, every choice made on its validation windows (and, as the run does,
    the stretches before them for the partner): today's, and for each of FEW its changes below that many windows."""
    from rnnkit.tasks.forecast.baselines import choose_blend

    v, t, av = entry["forecasts"]["valid"], entry["forecasts"]["test"], entry["actual"]["valid"]
    names = [n for n in v if n != "model"]
    n = len(av)

    def chosen(among, prior=None):
        partner, weight = choose_blend(av, v["model"], {b: v[b] for b in among if b in v}, entry["earlier"])
        if prior is not None:  # the weight chosen on validation alone, pulled by `prior` windows instead of 5
            raw = best_weight(lambda w: mae(av, blend(v["model"], v[partner], w)))
            weight = pulled_weight(raw, n, prior)
        return partner, weight

    def blended(among, prior=None, most=1.0):
        partner, weight = chosen(among, prior)
        return blend(t["model"], t[partner], min(weight, most))

    partner, weight = chosen(names)
    today = blend(t["model"], t[partner], weight)
    out = {"today's rule": today}
    few = {
        "the model alone": lambda: t["model"],
        "partner naive": lambda: blended(["naive"]),
        "partner of naive, AutoETS, AutoARIMA": lambda: blended(["naive", "AutoETS", "AutoARIMA"]),
        "partner not ridge": lambda: blended([b for b in names if b != "ridge"]),
        "partner not ridge, weight at most 0.5": lambda: blended([b for b in names if b != "ridge"], most=0.5),
        "partner not ridge, pulled by 20": lambda: blended([b for b in names if b != "ridge"], 20),
        "weight at most 0.5": lambda: blend(t["model"], t[partner], min(weight, 0.5)),
        "model and naive at 0.5": lambda: blend(t["model"], t["naive"], 0.5),
        "model and partner at 0.5": lambda: blend(t["model"], t[partner], 0.5),
        "weight pulled by 10": lambda: blended(names, 10),
        "weight pulled by 20": lambda: blended(names, 20),
        "median of model and baselines": lambda: np.median([t["model"], *(t[b] for b in names)], 0),
        "mean of model, naive, AutoETS, AutoARIMA": lambda: np.mean([t[b] for b in ("model", "naive", "AutoETS",
                                                                                      "AutoARIMA") if b in t], 0),
    }
    for k in FEW:
        for name, rule in few.items():
            out[f"{name}, below {k}"] = rule() if n < k else today
    return out


GROUPS = {"M1 yearly, 20+ years (the section's set)": lambda key, e: key.startswith("run-T") and e["steps"] >= 20,
          "M1 yearly, under 20 years": lambda key, e: key.startswith("run-T") and e["steps"] < 20,
          "monthly and quarterly cuts": lambda key, e: not key.startswith("run-T")}


def geometric(entries: dict, keys: list[str]) -> dict[str, tuple[float, int]]:
    """{rule or baseline: (geometric mean over `keys` of its test MAE / naive's, series where it is below naive)}"""
    ratios = {}
    for key in keys:
        entry = entries[key]
        naive = mae(entry["actual"]["test"], entry["forecasts"]["test"]["naive"])
        baselines = {b: f for b, f in entry["forecasts"]["test"].items() if b in ("model", *BASELINES)}
        for name, forecast in {**rules(entry), **baselines}.items():
            ratios.setdefault(name, []).append(np.log(max(mae(entry["actual"]["test"], forecast), 1e-12) / max(naive, 1e-12)))
    return {name: (float(np.exp(np.mean(r))), sum(x < 0 for x in r)) for name, r in ratios.items()}


BASELINES = ("naive", "seasonal naive", "ridge", "AutoETS", "AutoARIMA")


def report(caches: list[Path]) -> None:
    """Every rule on the two halves of the series by name (a rule is kept only where it beats today's on both),
    and on each group of series; first, how often today's rule replayed here chose what the runs chose."""
    from rnnkit.tasks.forecast import baselines

    baselines.FEW_RIDGE_WINDOWS = 0  # "today's rule": the one before ridge was left out on few windows
    data = {k: v for cache in caches for k, v in pickle.loads(cache.read_bytes()).items()}
    same = sum(rules_today(e) == (e["partner"], e["weight"]) for e in data.values())
    print(f"{len(data)} series; today's rule replayed chooses the runs' own partner and weight on {same} (a run "
          "trained since ridge was left out on few windows may differ)")
    windows = [len(e["actual"]["valid"]) for e in data.values()]
    print("validation windows: " + ", ".join(f"{w}: {windows.count(w)}" for w in sorted(set(windows))))
    keys = sorted(data)
    tables = {"half A": keys[::2], "half B": keys[1::2],
              **{g: [k for k in keys if test(k, data[k])] for g, test in GROUPS.items()}}
    tables = {name: ks for name, ks in tables.items() if ks}
    results = {name: geometric(data, ks) for name, ks in tables.items()}
    print("rule | " + " | ".join(f"{name} ({len(tables[name])})" for name in tables) + " | beats today's on both halves")
    today = {name: r["today's rule"][0] for name, r in results.items()}
    for rule in sorted(results["half A"], key=lambda r: sum(np.log(t[r][0]) for t in results.values())):
        both = all(results[h][rule][0] < today[h] for h in ("half A", "half B") if h in results)
        print(f"{rule} | " + " | ".join(f"{results[name][rule][0]:.4f}" for name in tables) + f" | {'yes' if both else ''}")


def rules_today(entry) -> tuple[str, float]:
    from rnnkit.tasks.forecast.baselines import choose_blend

    v = entry["forecasts"]["valid"]
    return choose_blend(entry["actual"]["valid"], v["model"], {b: f for b, f in v.items() if b != "model"},
                        entry["earlier"])


if __name__ == "__main__":
    if sys.argv[1] == "forecasts":
        forecasts(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        report([Path(p) for p in sys.argv[2:]])
