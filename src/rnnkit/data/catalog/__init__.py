"""The named datasets, one module per source family, listed in `DATASETS`, and the look-ups by name.

To add a dataset: write its `Source`s (official URL first, registry mirror next, each with the
sha256 you observed), an extractor to canonical files, and a loader returning a `Dataset`, as a
module-level `DatasetSpec` in a module here; then add it to `DATASETS`.
"""
from __future__ import annotations

from pathlib import Path

from rnnkit.data.catalog.chinese_reviews import CHINESE_REVIEWS
from rnnkit.data.catalog.cmudict import CMUDICT
from rnnkit.data.catalog.imdb import IMDB
from rnnkit.data.catalog.mnist import FASHION_MNIST, MNIST
from rnnkit.data.catalog.pmdarima_series import AIRLINE, AIRLINE_SERIES, TAYLOR_ELECTRICITY, TAYLOR_SERIES
from rnnkit.data.catalog.ptb import PTB
from rnnkit.data.catalog.seattle import SEATTLE_TEMPS
from rnnkit.data.catalog.seattle_weather import SEATTLE_WEATHER, SEATTLE_WEATHER_SERIES
from rnnkit.data.catalog.shakespeare import SHAKESPEARE
from rnnkit.data.catalog.tagging import TAGGING_DATASETS
from rnnkit.data.catalog.ucr import UCR_DATASETS
from rnnkit.data.catalog.vader_snippets import MOVIE_SNIPPETS, VADER_TWEETS
from rnnkit.data.datasets import Dataset, DatasetInfo, DatasetSpec
from rnnkit.data.series import SeriesFile
from rnnkit.data.sources import cached_manifest, fetch
from rnnkit.errors import UserError

DATASETS: dict[str, DatasetSpec] = {spec.info.name: spec for spec in
                                    (IMDB, CHINESE_REVIEWS, MOVIE_SNIPPETS, VADER_TWEETS, MNIST, FASHION_MNIST,
                                     PTB, SEATTLE_TEMPS, SEATTLE_WEATHER, TAYLOR_ELECTRICITY, AIRLINE,
                                     *TAGGING_DATASETS, CMUDICT, SHAKESPEARE)} | UCR_DATASETS
SERIES: dict[str, SeriesFile] = {"seattle-weather": SEATTLE_WEATHER_SERIES, "taylor-electricity": TAYLOR_SERIES,
                                 "airline": AIRLINE_SERIES}
"""The forecasting datasets' canonical series files and their columns."""


def spec_of(name: str) -> DatasetSpec:
    if name not in DATASETS:
        raise UserError(f"unknown dataset {name!r}; known datasets: {', '.join(sorted(DATASETS))}")
    return DATASETS[name]


def list_datasets() -> list[str]:
    return sorted(DATASETS)


def dataset_info(name: str) -> DatasetInfo:
    return spec_of(name).info


def is_cached(name: str, cache_dir=None) -> bool:
    return cached_manifest(spec_of(name).info.name, cache_dir) is not None


def fetch_dataset(name: str, cache_dir=None) -> Path:
    """Download (once) and verify `name`; return the cache folder holding its canonical files."""
    return fetch(name, spec_of(name).sources, cache_dir)


def load_dataset(name: str, cache_dir=None) -> Dataset:
    spec = spec_of(name)
    return spec.load(fetch(name, spec.sources, cache_dir), spec.info)
