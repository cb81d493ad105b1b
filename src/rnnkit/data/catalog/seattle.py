"""Hourly Seattle temperatures for 2010 (vega-datasets), split by time."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from rnnkit.data.datasets import ArraySplit, Dataset, DatasetInfo, DatasetSpec, check_size
from rnnkit.data.sources import Source, copy_members


SERIES_SPLIT = (0.7, 0.15, 0.15)


def _load_seattle(folder: Path, info: DatasetInfo) -> Dataset:
    frame = pd.read_csv(folder / "seattle-temps.csv")
    times = pd.to_datetime(frame["date"], format="%Y/%m/%d %H:%M").to_numpy()
    temps = frame["temp"].to_numpy(np.float32)
    check_size(info.name, "whole", len(temps), sum(info.sizes.values()))
    n_train = int(SERIES_SPLIT[0] * len(temps))
    n_valid = int(SERIES_SPLIT[1] * len(temps))
    cut = {"train": slice(0, n_train), "valid": slice(n_train, n_train + n_valid),
           "test": slice(n_train + n_valid, None)}
    parts = {k: ArraySplit(times[s], temps[s]) for k, s in cut.items()}  # x: time stamps, y: °F
    return Dataset(info.name, parts["train"], parts["valid"], parts["test"], info)


SEATTLE_TEMPS = DatasetSpec(
    DatasetInfo(
        name="seattle-temps",
        description="Hourly temperature in Seattle for 2010 (°F), from the vega-datasets collection; "
                    "x holds the time stamps, y the temperatures. Not observations: a smooth climatological "
                    "curve (a ridge regression on 120 hourly lags lands about 90% below naive persistence on "
                    "it), so it serves only as a tutorial of article 003's 120 h -> 1 h setup, never as a "
                    "benchmark; forecast seattle-weather or taylor-electricity for real observations.",
        task="forecasting (univariate series)",
        sizes={"train": 6_131, "valid": 1_313, "test": 1_315},
        labels=[],
        split="by time: first 70% train, next 15% valid, last 15% test",
        homepage="https://github.com/vega/vega-datasets",
        license="BSD-3-Clause (vega-datasets); data from NOAA",
        citation="vega-datasets 0.9.0, seattle-temps.csv",
        published=["none: a tutorial series, not a benchmark (see the description)"],
    ),
    (
        Source("pypi", "vega-datasets==0.9.0",
               "3d7c63917be6ca9b154b565f4779a31fedce57b01b5b9d99d8a34a7608062a1d",
               copy_members({"vega_datasets/_data/seattle-temps.csv": "seattle-temps.csv"})),
    ),
    _load_seattle,
)
