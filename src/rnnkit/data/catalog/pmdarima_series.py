"""Series shipped as array literals in pmdarima's source: Taylor's half-hourly electricity demand and
Box & Jenkins' monthly airline passengers. The literal is read with `ast`, never by importing pmdarima.

Any wheel of pmdarima 2.1.1 carries the same literals (pip downloads this machine's, else the Linux one:
`sources.download_pypi_wheel`), so what is pinned is the data: the sha256 of the parsed values as
little-endian float64 bytes (`values_sha256`), not the bytes of one platform's wheel.
"""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from rnnkit.data.datasets import DatasetInfo, DatasetSpec
from rnnkit.data.series import SeriesFile
from rnnkit.data.sources import Source, open_member

PMDARIMA = "pmdarima==2.1.1"
# values_sha256 of each series: the same in every 2.1.1 wheel (cp311 Linux x86-64, cp312 macOS arm64 and
# cp313 Windows x86-64 checked)
TAYLOR_SHA256 = "bf5e0b0766e3717ce810bb8f304ae7cff067f31ffa7d133dd005e05cf6f84d84"
AIRLINE_SHA256 = "8eda0a52744e72ede03825fce5cb979a43af4b3479e2b0216bf907eee5d18056"
# the cp311 Linux x86-64 wheel's sha256, which caches written before the data was pinned hold
WHEEL_SHA256 = ("e8148ff1f4cdb9a07164247eb3e6dddc1baef6e226d38528bd3fdf5d160f8dee",)


def array_literal(artifact: Path, member: str) -> list[float]:
    """The numbers of the first `np.array([...])` call in the module's code (not its docstring)."""
    with open_member(artifact, member) as f:
        tree = ast.parse(f.read().decode("utf-8"))
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "array"
                and node.args and isinstance(node.args[0], ast.List)):
            return [float(ast.literal_eval(v)) for v in node.args[0].elts]
    raise ValueError(f"{member}: no np.array([...]) literal")


def values_sha256(values: list[float]) -> str:
    """sha256 of the values as little-endian float64 bytes: the data's checksum, whatever file held it."""
    return hashlib.sha256(np.asarray(values, dtype="<f8").tobytes()).hexdigest()


def series_csv(member: str, start: str, freq: str, column: str, file: str):
    """An extractor writing the literal as a CSV of time stamps from `start` every `freq`, and values;
    it returns the values' `values_sha256` (for a source with checks="data")."""

    def extract(artifact: Path, out: Path) -> str:
        values = array_literal(artifact, member)
        times = pd.date_range(start, periods=len(values), freq=freq)
        pd.DataFrame({"time": times, column: values}).to_csv(out / file, index=False)
        return values_sha256(values)

    return extract


TAYLOR_SERIES = SeriesFile("taylor-electricity.csv", "time", "demand_mw")
AIRLINE_SERIES = SeriesFile("airline.csv", "time", "passengers")

TAYLOR_ELECTRICITY = DatasetSpec(
    DatasetInfo(
        name="taylor-electricity",
        description="Half-hourly electricity demand in England and Wales (MW), Monday 5 June to Sunday "
                    "27 August 2000: 12 weeks, 4032 readings. The time stamps are rnnkit's (from 2000-06-05 "
                    "00:00 every 30 minutes; pmdarima ships the values alone). x: time stamps, y: demand.",
        task="forecasting (univariate series; daily and weekly seasons of 48 and 336 steps)",
        sizes={"train": 2_822, "valid": 604, "test": 606},
        labels=[],
        split="by time: first 70% train, next 15% valid, last 15% test",
        homepage="https://www.rdocumentation.org/packages/forecast/versions/8.9/topics/taylor",
        license="pmdarima: MIT; data kindly provided by James W Taylor (R forecast package)",
        citation="Taylor, J.W. (2003) Short-term electricity demand forecasting using double seasonal "
                 "exponential smoothing. Journal of the Operational Research Society, 54, 799-805.",
        published=["issue 16's baselines on the last 15%, a week (336 steps) in: next half hour naive MAE 637 MW, "
                   "weekly seasonal naive 466, ridge 128; next day (48 steps) seasonal naive 439, ridge 432"],
    ),
    (Source("pypi-wheel", PMDARIMA, TAYLOR_SHA256,
            series_csv("pmdarima/datasets/taylor.py", "2000-06-05 00:00", "30min", "demand_mw",
                       TAYLOR_SERIES.file), checks="data", cached_sha256=WHEEL_SHA256),),
    TAYLOR_SERIES.loader(),
)

AIRLINE = DatasetSpec(
    DatasetInfo(
        name="airline",
        description="Box & Jenkins' airline passengers: monthly international totals (thousands), "
                    "January 1949 to December 1960, 144 months. x: months, y: passengers.",
        task="forecasting (univariate series; yearly season of 12 steps)",
        sizes={"train": 100, "valid": 21, "test": 23},
        labels=[],
        split="by time: first 70% train, next 15% valid, last 15% test",
        homepage="https://www.rdocumentation.org/packages/datasets/versions/3.6.2/topics/AirPassengers",
        license="pmdarima: MIT; the series is in the public domain (Box & Jenkins 1976, Series G)",
        citation="Box, G. E. P., Jenkins, G. M. and Reinsel, G. C. (1976) Time Series Analysis, Forecasting "
                 "and Control. Third Edition. Holden-Day. Series G.",
        published=["a tiny classic: a model should beat the seasonal naive (same month last year) forecast"],
    ),
    (Source("pypi-wheel", PMDARIMA, AIRLINE_SHA256,
            series_csv("pmdarima/datasets/airpassengers.py", "1949-01-01", "MS", "passengers",
                       AIRLINE_SERIES.file), checks="data", cached_sha256=WHEEL_SHA256),),
    AIRLINE_SERIES.loader(),
)
