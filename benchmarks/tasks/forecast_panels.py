"""Panels nobody here designed on, trained as one global model (`rnnkit train forecast --data LONG.csv`: every
series stacked, `unique_id,ds,y`) beside the same series run one by one through the one-series path (each
written as its own CSV, every default) and beside the baselines, on every series' own test windows (each series
split 70/15/15 by time either way, so the test windows are the same). Prints, per panel and forecaster, the
geometric mean over series of test MAE / naive's and on how many series the global model beats the one-series
runs (benchmarks/TASKS.md, "Panels: one global model across stacked series").

    OMP_NUM_THREADS=1 python benchmarks/tasks/forecast_panels.py OUT_DIR [PANEL ...] [--singles] [-- FLAG ...]

PANELs: m1-yearly (M1's 181 yearly series, aeon 1.6), m1-yearly-20 (the 106 of at least 20 years, the one-series
sweep's set), grunfeld (statsmodels: 10 firms' yearly investment, 20 years), macro (statsmodels' macrodata: 12
quarterly US series, 203 quarters), seattle (seattle-weather's 4 daily columns melted); and, judged after the
design: uschange (fpp2's 5 quarterly US series), danish (statsmodels: 5 quarterly Danish series, 55 quarters),
elnino (statsmodels: each month's sea surface temperature as a yearly series, 12 of 61 years); default all.
`--singles` also runs each series alone (minutes per panel: that is the comparison's cost). FLAGs after `--` go to
the panel run (its folder gets their name), and the pooled validation MAE / scale of its model and prediction is
printed: variants are judged on it.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

SRC = Path(__file__).resolve().parents[2] / "src"


def m1_yearly(min_steps: int = 0) -> pd.DataFrame:
    from aeon.datasets import load_forecasting

    rows = []
    for _, row in load_forecasting("m1_yearly_dataset").iterrows():
        values = np.asarray(row["series_value"], dtype=float)
        if len(values) >= min_steps:
            rows.append(pd.DataFrame({"unique_id": row["series_name"], "ds": pd.date_range(
                pd.Timestamp(row["start_timestamp"]), periods=len(values), freq="YS"), "y": values}))
    return pd.concat(rows, ignore_index=True)


def melted(frame: pd.DataFrame, time: pd.DatetimeIndex, columns) -> pd.DataFrame:
    """Columns of one table (one row per time stamp) as a long panel, one series per column."""
    return pd.concat([pd.DataFrame({"unique_id": c, "ds": time, "y": frame[c].to_numpy(float)}) for c in columns],
                     ignore_index=True)


def grunfeld() -> pd.DataFrame:
    import statsmodels.api as sm

    data = sm.datasets.grunfeld.load_pandas().data
    return pd.DataFrame({"unique_id": data["firm"], "ds": pd.to_datetime(data["year"].astype(int).astype(str)),
                         "y": data["invest"]})


def macro() -> pd.DataFrame:
    import statsmodels.api as sm

    data = sm.datasets.macrodata.load_pandas().data
    columns = [c for c in data.columns if c not in ("year", "quarter")]
    return melted(data, pd.date_range("1959-01-01", periods=len(data), freq="QS"), columns)


def seattle() -> pd.DataFrame:
    home = Path(os.environ.get("RNNKIT_CACHE", Path.home() / ".cache" / "rnnkit"))
    path = next(home.rglob("seattle-weather.csv"))
    data = pd.read_csv(path)
    columns = ["precipitation", "temp_max", "temp_min", "wind"]
    return melted(data, pd.DatetimeIndex(pd.to_datetime(data["date"])), columns)


def uschange() -> pd.DataFrame:
    """fpp2's uschange (Hyndman and Athanasopoulos, "Forecasting: Principles and Practice", 2nd ed.; the R package's
    data, GPL-3), as aeon ships it: 5 quarterly US series (growth rates, unemployment change), 1970-2016."""
    import aeon.datasets

    data = pd.read_csv(Path(aeon.datasets.__file__).parent / "data" / "Uschange" / "Uschange.csv", index_col=0)
    columns = ["Consumption", "Income", "Production", "Savings", "Unemployment"]
    return melted(data, pd.date_range("1970-01-01", periods=len(data), freq="QS"), columns)


def danish() -> pd.DataFrame:
    """statsmodels' danish_data (Johansen and Juselius 1990, public domain): 5 quarterly Danish series (log money,
    income, prices; bond and deposit rates), 1974-1987."""
    import statsmodels.api as sm

    data = sm.datasets.danish_data.load_pandas().data
    return melted(data, pd.DatetimeIndex(data.index), list(data.columns))


def elnino() -> pd.DataFrame:
    """statsmodels' elnino (public domain): the sea surface temperature of each calendar month as its own yearly
    series, 12 series of 1950-2010."""
    import statsmodels.api as sm

    data = sm.datasets.elnino.load_pandas().data
    return melted(data, pd.to_datetime(data["YEAR"].astype(int).astype(str)), [c for c in data.columns if c != "YEAR"])


PANELS = {"m1-yearly": m1_yearly, "m1-yearly-20": lambda: m1_yearly(20), "grunfeld": grunfeld, "macro": macro,
          "seattle": seattle, "uschange": uschange, "danish": danish, "elnino": elnino}


def cli(*args) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.run([sys.executable, "-m", "rnnkit.cli.main", *map(str, args)], capture_output=True, text=True,
                          env=env)


def train(data: Path, run: Path, *flags) -> bool:
    if (run / "blend.json").exists():
        return True
    done = cli("train", "forecast", "--data", data, "--run-dir", run, "--quiet", *flags)
    if done.returncode:
        print(f"{data.name}: exit {done.returncode}: {done.stderr.strip()[-300:]}")
    return not done.returncode


def singles(frame: pd.DataFrame, out: Path) -> dict[str, dict[str, float]]:
    """{series: {forecaster: test MAE}} of each series run alone (the one-series path, every default)."""
    found = {}
    out.mkdir(parents=True, exist_ok=True)
    for key, rows in frame.groupby("unique_id", sort=False):
        path = out / f"{key}.csv"
        rows[["ds", "y"]].to_csv(path, index=False)
        if train(path, out / f"run-{key}", "--time-col", "ds", "--target-col", "y"):
            errors = json.loads((out / f"run-{key}" / "blend.json").read_text())["mae"]["test"]
            found[str(key)] = {**errors, "run": errors.get("run", errors["model"])}
    return found


def geometric(ratios) -> float:
    return float(np.exp(np.mean(np.log(np.maximum(ratios, 1e-12)))))


def main():
    split = sys.argv.index("--") if "--" in sys.argv else len(sys.argv)
    flags = sys.argv[split + 1:]
    args = [a for a in sys.argv[1:split] if not a.startswith("--")]
    out, names = Path(args[0]), args[1:] or list(PANELS)
    for name in names:
        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        frame = PANELS[name]()
        frame.to_csv(folder / "panel.csv", index=False)
        run = folder / ("run-panel" + "".join(f.strip("-").replace(" ", "") for f in flags))
        if not train(folder / "panel.csv", run, *flags):
            continue
        valid = json.loads((run / "blend.json").read_text())["mae"]["valid"]
        print(f"\n{name} {' '.join(flags)}: pooled validation MAE / scale: model {valid['model']:.4f}, run "
              f"{valid.get('run', valid['model']):.4f}")
        panel = json.loads((run / "test_errors.json").read_text())  # {name: {series: mae}}
        panel.setdefault("run", panel["model"])
        ids = list(panel["model"])
        alone = singles(frame[frame["unique_id"].astype(str).isin(ids)], folder / "singles") \
            if "--singles" in sys.argv else {}
        ids = [k for k in ids if k in alone] if alone else ids
        naive = np.array([panel["naive"][k] for k in ids])
        rated = naive > 0
        print(f"\n{name}: {len(ids)} series ({int((~rated).sum())} that naive forecasts exactly left out)")
        print("forecaster | geometric mean of test MAE / naive's | series where the global model alone is better")
        rows = {f"global {n}" if n in ("model", "run") else n: [panel[n][k] for k in ids] for n in panel}
        for n in ("model", "run"):
            if alone:
                rows[f"one by one: {n}"] = [alone[k][n] for k in ids]
        model = np.array(rows["global model"])
        for label, maes in rows.items():
            maes = np.array(maes)
            better = model < maes * (1 - 1e-6)  # the model kept at its linear start is the pooled ridge, to rounding
            print(f"{label} | {geometric(maes[rated] / naive[rated]):.4f} | {int(better.sum())}")


if __name__ == "__main__":
    main()
