"""Daily Seattle weather 2012-2015 (vega-datasets): observations, a forecasting benchmark."""

from __future__ import annotations

from rnnkit.data.datasets import DatasetInfo, DatasetSpec
from rnnkit.data.series import SeriesFile
from rnnkit.data.sources import Source, copy_members

SEATTLE_WEATHER_SERIES = SeriesFile("seattle-weather.csv", "date", "temp_max",
                                    ("temp_min", "precipitation", "wind"))

SEATTLE_WEATHER = DatasetSpec(
    DatasetInfo(
        name="seattle-weather",
        description="Daily weather observed in Seattle, 2012-2015: temp_max and temp_min (°C), precipitation "
                    "(mm), wind (m/s), and a categorical 'weather' word (ignored by the forecaster); x holds "
                    "the dates, y the columns temp_max, temp_min, precipitation, wind.",
        task="forecasting (multivariate series; target temp_max)",
        sizes={"train": 1_022, "valid": 219, "test": 220},
        labels=[],
        split="by time: first 70% train, next 15% valid, last 15% test",
        homepage="https://github.com/vega/vega-datasets",
        license="BSD-3-Clause (vega-datasets); data from NOAA",
        citation="vega-datasets 0.9.0, seattle-weather.csv",
        published=["issue 16's baselines on the last 15%, 30 days in: tomorrow's temp_max naive MAE 2.25 °C, "
                   "ridge 2.17; 7 days ahead naive 3.93, ridge 3.34"],
    ),
    (
        Source("pypi", "vega-datasets==0.9.0",
               "3d7c63917be6ca9b154b565f4779a31fedce57b01b5b9d99d8a34a7608062a1d",
               copy_members({"vega_datasets/_data/seattle-weather.csv": "seattle-weather.csv"})),
    ),
    SEATTLE_WEATHER_SERIES.loader(),
)
