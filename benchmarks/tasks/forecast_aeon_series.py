"""Real series that aeon 1.6 (and statsmodels) ship offline and nobody here designed on, written as CSV files
with their time stamps, and the default `rnnkit train forecast` command of each (benchmarks/TASKS.md, "Series
nobody here tuned on" and "Issue 25, forecasting, covariates"):

    python benchmarks/tasks/forecast_aeon_series.py OUT_DIR     # writes the files, prints the commands

Lynx (Canadian lynx trappings, yearly 1821-1934), ShampooSales (36 months), Uschange (US quarterly
percentage changes 1970-2016: consumption with income, production, savings and unemployment as past
covariates), PBS (monthly scripts of one drug group, 1991-2008) and solar (half-hourly generation, 6 days).
Files with several real columns, for the choice of covariates (`COVARIATE_SERIES`, every numeric column of each
kept): seattle-weather (the catalog's file as a user has it, with its categorical `weather` column), aeon's Longley
(16 years of US employment with GNP, population...) and Daphnet S06R02E0 (7,040 steps at 64 Hz, its time stamps
put on that grid: 9 accelerometer channels and a 0/1 `is_anomaly` label), statsmodels' macrodata (US quarterly
1959-2009: 12 series, levels, rates and derived ones), interest_inflation (German quarterly inflation Dp and interest
rate R, 1972-1998) and danish_data (Danish quarterly money, income, prices and rates, 1974-1987).
"""
import sys
from pathlib import Path

import pandas as pd
import aeon.datasets
import statsmodels.datasets

from rnnkit.data.catalog import fetch_dataset

DATA = Path(aeon.datasets.__file__).parent / "data"
STATSMODELS = Path(statsmodels.datasets.__file__).parent
SERIES = {  # file: (time column, target column, horizons)
    "lynx.csv": ("year", "lynx", (1, 4)),
    "shampoo.csv": ("month", "sales", (1,)),
    "uschange.csv": ("quarter", "Consumption", (1, 4)),
    "pbs.csv": ("month", "scripts", (1, 12)),
    "solar.csv": ("time", "solar", (1,)),
}

COVARIATE_SERIES = {  # file: (time column, targets, horizons); every other numeric column is a candidate covariate
    "uschange.csv": ("quarter", ("Consumption", "Income", "Production", "Savings", "Unemployment"), (1, 4)),
    "seattle-weather.csv": ("date", ("temp_max", "temp_min", "wind", "precipitation"), (1, 7)),
    "macrodata.csv": ("quarter", ("realgdp", "realcons", "realinv", "cpi", "unemp", "tbilrate", "infl"), (1, 4)),
    "interest_inflation.csv": ("quarter", ("Dp", "R"), (1, 4)),
    "danish.csv": ("quarter", ("lrm", "lry", "lpy", "ibo", "ide"), (1,)),
    "longley.csv": ("year", ("TOTEMP",), (1,)),
    "daphnet.csv": ("time", ("ankle_vert", "trunk_vert"), (1,)),
}


def quarters(frame: pd.DataFrame) -> pd.Series:
    return pd.PeriodIndex.from_fields(year=frame.pop("year"), quarter=frame.pop("quarter"), freq="Q").to_timestamp()


def covariate_frames() -> dict[str, pd.DataFrame]:
    """The files of COVARIATE_SERIES, as a user would have them."""
    macro = pd.read_csv(STATSMODELS / "macrodata" / "macrodata.csv")
    macro.insert(0, "quarter", quarters(macro))
    rates = pd.read_csv(STATSMODELS / "interest_inflation" / "E6.csv")
    rates.insert(0, "quarter", quarters(rates))
    danish = pd.read_csv(STATSMODELS / "danish_data" / "data.csv", encoding="utf-8-sig")
    danish.insert(0, "quarter", pd.PeriodIndex(danish.pop("period"), freq="Q").to_timestamp())
    longley = pd.read_csv(DATA / "Longley" / "Longley.csv").drop(columns="Obs")
    longley.insert(0, "year", pd.to_datetime(longley.pop("YEAR").astype(str) + "-01-01"))
    daphnet = pd.read_csv(DATA / "Daphnet_S06R02E0" / "S06R02E0.csv")
    start = pd.Timestamp(daphnet.pop("timestamp")[0])  # 64 Hz written to the millisecond: 15 and 16 ms steps
    daphnet.insert(0, "time", start + pd.to_timedelta(15.625 * pd.RangeIndex(len(daphnet)), unit="ms"))
    return {"uschange.csv": frames()["uschange.csv"],
            "seattle-weather.csv": pd.read_csv(Path(fetch_dataset("seattle-weather")) / "seattle-weather.csv"),
            "macrodata.csv": macro, "interest_inflation.csv": rates, "danish.csv": danish, "longley.csv": longley,
            "daphnet.csv": daphnet}


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
    for name, frame in {**frames(), **covariate_frames()}.items():
        frame.to_csv(out / name, index=False)
    for name, (time_col, targets, horizons) in {**{k: (t, (y,), h) for k, (t, y, h) in SERIES.items()},
                                                **COVARIATE_SERIES}.items():
        for target in dict.fromkeys(targets):
            for horizon in horizons:
                print(f"OMP_NUM_THREADS=1 rnnkit train forecast --data {out / name} --time-col {time_col} "
                      f"--target-col {target}" + (f" --horizon {horizon}" if horizon > 1 else ""))
