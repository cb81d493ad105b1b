"""Real series that aeon 1.6 ships offline and nobody here designed on, written as CSV files with their
time stamps, and the default `rnnkit train forecast` command of each (benchmarks/TASKS.md, "Series nobody
here tuned on"):

    python benchmarks/tasks/forecast_aeon_series.py OUT_DIR     # writes the files, prints the commands

Lynx (Canadian lynx trappings, yearly 1821-1934), ShampooSales (36 months), Uschange (US quarterly
percentage changes 1970-2016: consumption with income, production, savings and unemployment as past
covariates), PBS (monthly scripts of one drug group, 1991-2008) and solar (half-hourly generation, 6 days).
"""
import sys
from pathlib import Path

import pandas as pd
import aeon.datasets

DATA = Path(aeon.datasets.__file__).parent / "data"
SERIES = {  # file: (time column, target column, horizons)
    "lynx.csv": ("year", "lynx", (1, 4)),
    "shampoo.csv": ("month", "sales", (1,)),
    "uschange.csv": ("quarter", "Consumption", (1, 4)),
    "pbs.csv": ("month", "scripts", (1, 12)),
    "solar.csv": ("time", "solar", (1,)),
}


def frames() -> dict[str, pd.DataFrame]:
    lynx = pd.read_csv(DATA / "Lynx" / "Lynx.csv")
    shampoo = pd.read_csv(DATA / "ShampooSales" / "ShampooSales.csv")
    uschange = pd.read_csv(DATA / "Uschange" / "Uschange.csv", index_col=0)
    uschange.insert(0, "quarter", pd.PeriodIndex(uschange.pop("Quarter").str.replace(" ", ""), freq="Q").to_timestamp())
    pbs = pd.read_csv(DATA / "PBS_dataset" / "PBS_dataset.csv")
    solar = pd.read_csv(DATA / "solar" / "solar.csv")
    return {
        "lynx.csv": pd.DataFrame({"year": pd.to_datetime(lynx.iloc[:, 0].astype(str) + "-01-01"), "lynx": lynx.iloc[:, 1]}),
        "shampoo.csv": pd.DataFrame({"month": pd.to_datetime(shampoo.Time + "-01"), "sales": shampoo.Sales}),
        "uschange.csv": uschange,
        "pbs.csv": pd.DataFrame({"month": pd.to_datetime(pbs.Month, format="%Y %b"), "scripts": pbs.Scripts}),
        "solar.csv": pd.DataFrame({"time": pd.to_datetime(solar.datetime_gmt).dt.tz_localize(None),
                                   "solar": solar.solar_gen}),
    }


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in frames().items():
        frame.to_csv(out / name, index=False)
        time_col, target, horizons = SERIES[name]
        for horizon in horizons:
            print(f"OMP_NUM_THREADS=1 rnnkit train forecast --data {out / name} --time-col {time_col} "
                  f"--target-col {target}" + (f" --horizon {horizon}" if horizon > 1 else ""))
