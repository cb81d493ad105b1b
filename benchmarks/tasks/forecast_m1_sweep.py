"""The default forecast on many short yearly series nobody here designed on: M1's 181 yearly series (aeon 1.6
ships them, `m1_yearly_dataset`), each written as its own CSV and run with every default
(`rnnkit train forecast --data F --time-col year --target-col value`). Prints, per forecaster, the geometric
mean over series of its test MAE relative to naive's, and on how many series the model alone and the run's
prediction beat each baseline (benchmarks/TASKS.md, "M1 yearly: many short series").

    OMP_NUM_THREADS=1 python benchmarks/tasks/forecast_m1_sweep.py OUT_DIR [MIN_STEPS] [HORIZON] [FLAG ...]

FLAGs are passed to every run (e.g. `--normalize last`); their runs get folders of their own.
"""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from aeon.datasets import load_forecasting


def write_files(out: Path, min_steps: int) -> list[Path]:
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


def main():
    out = Path(sys.argv[1])
    min_steps = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    horizon = sys.argv[3] if len(sys.argv) > 3 else "1"
    flags = sys.argv[4:]
    tag = "".join(f.strip("-").replace(" ", "") for f in flags)
    out.mkdir(parents=True, exist_ok=True)
    test = {}
    for path in write_files(out, min_steps):
        run = out / f"run-{path.stem}-h{horizon}{'-' + tag if tag else ''}"
        if not (run / "blend.json").exists():
            done = subprocess.run(["rnnkit", "train", "forecast", "--data", str(path), "--time-col", "year",
                                   "--target-col", "value", "--horizon", horizon, "--run-dir", str(run), "--quiet", *flags],
                                  capture_output=True, text=True)
            if done.returncode:
                print(f"{path.stem}: exit {done.returncode}: {done.stderr.strip()[-300:]}")
                continue
        errors = json.loads((run / "blend.json").read_text())["mae"]["test"]
        test[path.stem] = {**errors, "run": errors.get("run", errors["model"])}  # no "run" where the blend is the model
    names = list(next(iter(test.values())))
    print(f"{len(test)} series of at least {min_steps} years, horizon {horizon}")
    print("forecaster | geometric mean of test MAE / naive's | series where the model alone wins | the run wins")
    for name in names:
        ratio = np.exp(np.mean([np.log(max(t[name], 1e-12) / max(t["naive"], 1e-12)) for t in test.values()]))
        wins = sum(t["model"] < t[name] for t in test.values())
        run_wins = sum(t["run"] < t[name] for t in test.values())
        print(f"{name} | {ratio:.4f} | {wins} | {run_wins}")


if __name__ == "__main__":
    main()
