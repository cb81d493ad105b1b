"""Which of a file's other columns should a forecast read (`--value-cols auto`)? Each rule of
`rnnkit.tasks.forecast.covariates` chooses on a cut's validation windows, and every column set any rule chose (and
the target alone, and every column) is judged on the cut's last 15%, held out from the choice: the protocol of
`forecast_folds.py` (the series cut to its first CUT of steps, no test step; each cut split 70/15/15 as a run splits
it). Judged twice: by the ridge on the lags of those columns (fitted on the cut's training windows, α chosen on its
validation windows), and, with --train, by the model trained on them as a run trains it (`forecast_variants.trained`,
seed 0, or --seed=N; --train-none-all: only on the target alone and on every column, which judges any all-or-nothing
rule). The
lookback and `normalize` are resolved first, as a run resolves them (by the target's ridge). A cut of 1 is the full
series: its "held-out" windows are the real test period, summed up apart (they choose nothing).

    cd benchmarks/tasks; python forecast_aeon_series.py DIR
    OMP_NUM_THREADS=1 PYTHONPATH=../../src:. python forecast_covariates.py DIR 0.85,0.75,0.65 [--train|--train-none-all] \
        [FILE:TARGET:H ...] > out.jsonl
    python forecast_covariates.py summary out.jsonl [more.jsonl ...]

Without cases: every target and horizon of `forecast_aeon_series.COVARIATE_SERIES`. One JSON line per case and cut.
"""
import dataclasses
import json
import sys
from pathlib import Path

import numpy as np

from forecast_aeon_series import COVARIATE_SERIES
from forecast_folds import cut
from forecast_variants import trained
from rnnkit.errors import UserError
from rnnkit.models.baselines import step_targets
from rnnkit.tasks.config import make_config
from rnnkit.tasks.forecast.baselines import mae
from rnnkit.tasks.forecast.config import ForecastConfig
from rnnkit.tasks.forecast.covariates import RULES, choose_covariates, gain_in_errors
from rnnkit.tasks.forecast.data import keep_columns, load_series
from rnnkit.tasks.forecast.model import lag_features
from rnnkit.tasks.forecast.predict import model_forecast
from rnnkit.tasks.forecast.train import resolve_windows

POLICIES = ("none", "all", *(f"rule {r}" for r in RULES))


def cases(folder: Path, given: list[str]):
    if given:
        for case in given:
            file, target, horizon = case.split(":")
            yield file, COVARIATE_SERIES[file][0], target, int(horizon)
        return
    for file, (time_col, targets, horizons) in COVARIATE_SERIES.items():
        for target in targets:
            for horizon in horizons:
                yield file, time_col, target, horizon


def ridge_held_out(fits, config, covariates) -> float:
    """The ridge on the lags of the target and `covariates` (fitted as `choose_covariates` fits it) on the held-out
    windows (the cut's "test" split), in the target's units."""
    windows, lags = fits.windows(config.lookback), config.ar_lags or config.lookback
    ridge = fits.ridge(config.lookback, lags, config.normalize, covariates)[0]
    z, mu, sigma = lag_features(windows.x["test"], lags, config.normalize,
                                tuple(fits.series.columns.index(c) for c in covariates))
    forecast = mu.numpy() + sigma.numpy() * ridge.predict(z).reshape(windows.y["test"].shape)
    return float(np.mean(np.abs(forecast - windows.y["test"]))) * windows.scaler.std[0]


def measure(folder: Path, fraction: float, train: str, file: str, time_col: str, target: str, horizon: int,
            seed: int = 0) -> dict:
    """One case at one cut: the rules' choices, and the ridge's (and with `train`, "all" or "none-all", the model's)
    validation and held-out MAE of each column set."""
    config = make_config(ForecastConfig, {"data": str(folder / file), "time_col": time_col, "target_col": target,
                                          "horizon": horizon, "value_cols": "all"})
    series = cut(load_series(config), fraction)
    config, _, fits, _ = resolve_windows(config, series, lambda line: None)
    columns = tuple(series.columns[1:])
    chosen = {f"rule {rule}": tuple(choose_covariates(config, fits, rule)[0]) for rule in RULES}
    gain = gain_in_errors(config, fits, columns)  # every column against the target alone, whichever is lower
    policies = {"none": (), "all": columns, **chosen}
    scale = fits.windows(config.lookback).scaler.std[0]
    sets = {}
    for covariates in dict.fromkeys(policies.values()):
        lags = config.ar_lags or config.lookback
        scores = {"ridge_valid": fits.ridge(config.lookback, lags, config.normalize, covariates)[2] * scale,
                  "ridge_held": ridge_held_out(fits, config, covariates)}
        if train and (train == "all" or covariates in ((), columns)):
            narrowed = dataclasses.replace(config, value_cols=list(covariates) or None)
            kept = keep_columns(series, list(covariates))
            own = fits.keeping(narrowed, kept)
            windows = own.windows(config.lookback)
            model = trained(narrowed, windows, own, seed)[0]
            y = kept.target.astype(np.float64)
            for split, name in (("valid", "model_valid"), ("test", "model_held")):
                scores[name] = mae(step_targets(y, windows.at[split], horizon),
                                   model_forecast(model, windows.x[split], windows.scaler))
        sets[",".join(covariates) or "-"] = scores
    return {"case": f"{file}:{target}:{horizon}", "cut": fraction, "seed": seed, "steps": len(series),
            "lookback": config.lookback,
            "normalize": config.normalize, "columns": list(columns), "gain_in_errors": gain,
            "policies": {name: ",".join(s) or "-" for name, s in policies.items()}, "sets": sets}


def summary(*paths: str) -> None:
    """Per policy, over the records of the cuts held out (below 1) and, apart, of the full series' test periods (cut
    1, which choose nothing): the geometric mean of its held-out MAE over the target alone's, and its wins / losses
    against the target alone and against every column (ridge, and the model where trained)."""
    records = [json.loads(line) for path in paths for line in Path(path).read_text().splitlines() if line.startswith("{")]
    records = [r for r in records if "sets" in r]
    for period, chosen in (("held-out stretches", [r for r in records if r["cut"] < 1]),
                           ("test periods", [r for r in records if r["cut"] == 1])):
        for judge in ("ridge", "model"):
            rows = [r for r in chosen if f"{judge}_held" in r["sets"]["-"]]
            if rows:
                print(f"{period}, {judge}: {len(rows)} case-cuts")
            for policy in POLICIES if rows else ():
                if not all(policy in r["policies"] and f"{judge}_held" in r["sets"][r["policies"][policy]] for r in rows):
                    continue  # a rule not measured, or a column set not trained (--train-none-all)
                line = f"  {policy:12s}"
                for reference in ("none", "all"):
                    ratios = np.array([r["sets"][r["policies"][policy]][f"{judge}_held"]
                                       / r["sets"][r["policies"][reference]][f"{judge}_held"] for r in rows])
                    line += (f" | over {reference}'s: geometric mean {np.exp(np.mean(np.log(ratios))):.4f}, lower in "
                             f"{np.sum(ratios < 1)}, higher in {np.sum(ratios > 1)}, worst {ratios.max():.3f}")
                print(line)
        trained = [r for r in chosen if "model_held" in r["sets"]["-"]]
        if trained:
            by_file(period, trained)


def by_file(period: str, rows: list[dict]) -> None:
    """The trained model's held-out MAE per file, geometric means over its targets, horizons and cuts: every column and
    the rules over the target alone, and the rules over every column; then the "sure" rule at other bars (exploratory:
    chosen after these figures were seen, so they judge nothing)."""
    def ratio(group, policy, reference):
        return np.exp(np.mean([np.log(r["sets"][r["policies"][policy]]["model_held"]
                                      / r["sets"][r["policies"][reference]]["model_held"]) for r in group]))

    files = {}
    for r in rows:
        files.setdefault(r["case"].split(":")[0], []).append(r)
    for name, group in {**files, "every file": rows}.items():
        print(f"  {period}, model, {name} ({len(group)}): " + ", ".join(
            f"{policy} / {reference} {ratio(group, policy, reference):.4f}"
            for policy, reference in (("all", "none"), ("rule all", "none"), ("rule sure", "none"), ("rule all", "all"),
                                      ("rule sure", "all"))))
    for bar in (0.0, 0.5, 1.0, 1.5, 2.0, 3.0):
        held = np.array([r["sets"][r["policies"]["all" if r["gain_in_errors"] >= bar else "none"]]["model_held"]
                         for r in rows if "gain_in_errors" in r])
        for reference in ("none", "all"):
            base = np.array([r["sets"][r["policies"][reference]]["model_held"] for r in rows if "gain_in_errors" in r])
            if len(held):
                print(f"  {period}, model, every column where the gain is >= {bar:g} standard errors, over "
                      f"{reference}'s: {np.exp(np.mean(np.log(held / base))):.4f}")


def main():
    if sys.argv[1] == "summary":
        return summary(*sys.argv[2:])
    folder, fractions = Path(sys.argv[1]), [float(v) for v in sys.argv[2].split(",")]
    rest = sys.argv[3:]
    train = "all" if "--train" in rest else "none-all" if "--train-none-all" in rest else ""
    seed = next((int(c.split("=")[1]) for c in rest if c.startswith("--seed=")), 0)
    for file, time_col, target, horizon in cases(folder, [c for c in rest if not c.startswith("--")]):
        for fraction in fractions:
            try:
                record = measure(folder, fraction, train, file, time_col, target, horizon, seed)
            except UserError as err:  # too short a cut for any window
                record = {"case": f"{file}:{target}:{horizon}", "cut": fraction, "skipped": str(err)}
            print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
