"""The default forecast on many short yearly series nobody here designed on: M1's 181 yearly series (aeon 1.6
ships them, `m1_yearly_dataset`), each written as its own CSV and run with every default
(`rnnkit train forecast --data F --time-col year --target-col value`). Prints, per forecaster, the geometric
mean over series of its test MAE relative to naive's, and on how many series the model alone and the run's
prediction beat each baseline (benchmarks/TASKS.md, "M1 yearly: many short series").

    OMP_NUM_THREADS=1 python benchmarks/tasks/forecast_m1_sweep.py OUT_DIR [MIN_STEPS] [HORIZON] [FLAG ...]
    OMP_NUM_THREADS=1 python benchmarks/tasks/forecast_m1_sweep.py OUT_DIR seasonal [HORIZON] [FLAG ...]

FLAGs are passed to every run (e.g. `--normalize last`); their runs get folders of their own. `seasonal` runs,
instead of M1's yearly series, short cuts of monthly and quarterly series nobody here designed on
(`seasonal_cuts`): aeon 1.6 ships no M1 quarterly or monthly series, and the yearly ones have no season.
"""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from aeon.datasets import load_forecasting


def m1_yearly(out: Path, min_steps: int) -> list[Path]:
    frame = load_forecasting("m1_yearly_dataset")
    paths = []
    for _, row in frame.iterrows():
        values = np.asarray(row["series_value"], dtype=float)
        if len(values) < min_steps:
            continue
        years = pd.date_range(pd.Timestamp(row["start_timestamp"]), periods=len(values), freq="YS")
        path = out / f"{row['series_name']}.csv"
        pd.DataFrame({"year": years, "value": values}).to_csv(path, index=False)
        paths.append(path)
    return paths


CUT_LENGTHS = (24, 30, 36, 48)
"""The lengths of the consecutive cuts of one series, in turn: 2 to 7 validation windows, as a short file has (a
30-point file has 4)."""


def seasonal_cuts(out: Path) -> list[Path]:
    """Consecutive, non-overlapping cuts (CUT_LENGTHS, in turn) of monthly and quarterly series that ship with
    statsmodels 0.15 and aeon 1.6: El Nino's sea temperature and Mauna Loa's CO2 (monthly means of its weeks), both
    with a yearly season; euro-area electrical equipment orders (monthly, seasonal); shampoo sales (36 months); and
    four US quarterly series (real GDP and consumption, CPI, unemployment; seasonally adjusted, with trends)."""
    import statsmodels.api as sm
    from aeon.datasets import load_shampoo_sales
    from statsmodels.datasets import elec_equip

    months = lambda start, n: pd.date_range(start, periods=n, freq="MS")  # noqa: E731
    elnino = sm.datasets.elnino.load_pandas().data.drop(columns="YEAR").to_numpy().ravel()
    co2 = sm.datasets.co2.load_pandas().data["co2"].interpolate().resample("MS").mean().dropna()
    equip = elec_equip.load().data.iloc[:, 0]
    shampoo = load_shampoo_sales()
    macro = sm.datasets.macrodata.load_pandas().data
    quarters = pd.date_range("1959-01-01", periods=len(macro), freq="QS")
    sources = {"elnino": pd.Series(elnino, months("1950-01-01", len(elnino))), "co2": co2, "equip": equip,
               "shampoo": pd.Series(shampoo, months("1991-01-01", len(shampoo))),
               **{f"us-{c}": pd.Series(macro[c].to_numpy(), quarters) for c in ("realgdp", "realcons", "cpi", "unemp")}}
    paths = []
    for name, series in sources.items():
        start, k = 0, 0
        while start + CUT_LENGTHS[k % len(CUT_LENGTHS)] <= len(series):
            cut = series.iloc[start:start + CUT_LENGTHS[k % len(CUT_LENGTHS)]]
            path = out / f"{name}-{k:02d}.csv"
            pd.DataFrame({"time": cut.index.strftime("%Y-%m-%d"), "value": cut.to_numpy()}).to_csv(path, index=False)
            paths.append(path)
            start, k = start + len(cut), k + 1
    return paths


def time_column(path: Path) -> str:
    return path.read_text(encoding="utf-8").split(",", 1)[0]


def main():
    out = Path(sys.argv[1])
    min_steps = sys.argv[2] if len(sys.argv) > 2 else "20"
    horizon = sys.argv[3] if len(sys.argv) > 3 else "1"
    flags = sys.argv[4:]
    tag = "".join(f.strip("-").replace(" ", "") for f in flags)
    out.mkdir(parents=True, exist_ok=True)
    test = {}
    for path in seasonal_cuts(out) if min_steps == "seasonal" else m1_yearly(out, int(min_steps)):
        run = out / f"run-{path.stem}-h{horizon}{'-' + tag if tag else ''}"
        if not (run / "blend.json").exists():
            done = subprocess.run(["rnnkit", "train", "forecast", "--data", str(path), "--time-col", time_column(path),
                                   "--target-col", "value", "--horizon", horizon, "--run-dir", str(run), "--quiet", *flags],
                                  capture_output=True, text=True)
            if done.returncode:
                print(f"{path.stem}: exit {done.returncode}: {done.stderr.strip()[-300:]}")
                continue
        errors = json.loads((run / "blend.json").read_text())["mae"]["test"]
        test[path.stem] = {**errors, "run": errors.get("run", errors["model"])}  # no "run" where the blend is the model
    names = list(next(iter(test.values())))
    print(f"{len(test)} series ({min_steps}), horizon {horizon}")
    print("forecaster | geometric mean of test MAE / naive's | series where the model alone wins | the run wins")
    for name in names:
        ratio = np.exp(np.mean([np.log(max(t[name], 1e-12) / max(t["naive"], 1e-12)) for t in test.values()]))
        wins = sum(t["model"] < t[name] for t in test.values())
        run_wins = sum(t["run"] < t[name] for t in test.values())
        print(f"{name} | {ratio:.4f} | {wins} | {run_wins}")


if __name__ == "__main__":
    main()
