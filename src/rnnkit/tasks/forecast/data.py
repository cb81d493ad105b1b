"""The forecast task's data: the series (a named dataset or the user's file), its windows, and the
facts about it a run folder keeps (columns, frequency, lookback, calendar, season)."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from rnnkit.atomic import atomic_write
from rnnkit.data.catalog import SERIES, fetch_dataset
from rnnkit.data.panel import Panel, read_panel
from rnnkit.data.series import Series, StackedSeries, read_series, stacked_column
from rnnkit.data.windows import Windows, calendar_kinds, make_windows
from rnnkit.errors import UserError
from rnnkit.tasks.forecast.config import COVARIATE_WORDS, ForecastConfig


def load_series(config: ForecastConfig, path: str | None = None) -> Series:
    """The series to train or evaluate on: `path` (a file like the training one) or the config's, with the columns
    its `value_cols` names (`columns_to_read`)."""
    if config.dataset is not None:
        spec = SERIES[config.dataset]
        own = list(spec.value_cols) if spec.value_cols is not None else None
        file, fill = (path, config.fill) if path is not None else (Path(fetch_dataset(config.dataset)) / spec.file, "none")
        return read_series(file, spec.time_col, spec.target_col, columns_to_read(config.value_cols, own), fill)
    return read_series(path or config.data, config.time_col, config.target_col, columns_to_read(config.value_cols),
                       config.fill)


def load_series_or_panel(config: ForecastConfig) -> Series | Panel:
    """`load_series`, or for a file of several series stacked, its `Panel` (`config.series_col`: auto, the column
    the reader finds naming them; none: such a file is refused, as one series out of order)."""
    if config.data is not None and config.series_col not in ("auto", "none"):
        return read_panel(config.data, config.series_col, config.time_col, config.target_col, config.fill)
    try:
        return load_series(config)
    except StackedSeries as stacked:
        if config.series_col == "none":
            raise
        return read_panel(config.data, stacked.column, config.time_col, config.target_col, config.fill)
    except UserError:  # e.g. which column to forecast, where a numeric id is one more numeric column
        column = _stacked_column(config)
        if column is None:
            raise
        return read_panel(config.data, column, config.time_col, config.target_col, config.fill)


def _stacked_column(config: ForecastConfig) -> str | None:
    """`stacked_column` of a file whose target is not named, under --series-col auto; None where it finds none or
    the file cannot say (the one-series reader's error stands)."""
    if config.data is None or config.target_col is not None or config.series_col != "auto":
        return None
    try:
        return stacked_column(config.data, config.time_col)
    except UserError:
        return None


SERIES_FILE = "series.parquet"
"""The series a run trained on, as read (columns kept, gaps filled), in its run folder: its blend partner is fitted
on it again at predict time, and `evaluate` scores its test period, without the training file (which may have
moved, grown or gone since)."""


def save_series(folder: Path, series: Series) -> None:
    frame = pd.DataFrame(series.values, index=series.times.rename(series.time_col), columns=series.columns)
    atomic_write(Path(folder) / SERIES_FILE, lambda tmp: frame.to_parquet(tmp))


def saved_series(folder: Path, freq: str) -> Series | None:
    """The series `save_series` kept in a run folder, None for a folder written before it did."""
    path = Path(folder) / SERIES_FILE
    if not path.is_file():
        return None
    frame = pd.read_parquet(path)
    return Series(str(path), pd.DatetimeIndex(frame.index, freq=None), frame.to_numpy(np.float32),
                  [str(c) for c in frame.columns], freq, str(frame.index.name))


def columns_to_read(value_cols: list[str] | str | None, own: list[str] | None = None) -> list[str] | None:
    """`read_series`' value_cols (None: every numeric column) for a config's: auto and all read every numeric column
    (a named series: `own`, the columns it lists; auto's choice among them comes later, `forecast.covariates`), none
    the target alone, a list itself."""
    if value_cols in COVARIATE_WORDS:
        return own
    return [] if value_cols is None else list(value_cols)


def keep_columns(series: Series, covariates: list[str]) -> Series:
    """`series` with the target and `covariates` (in the series' order) alone."""
    keep = [0] + [i for i, name in enumerate(series.columns) if i and name in covariates]
    return replace(series, values=series.values[:, keep], columns=[series.columns[i] for i in keep])


def default_season(freq: str) -> int:
    """Steps of the series' main season, from its pandas frequency: a day of sub-daily steps (24 hours,
    48 half hours), a week of days (5 business days), a year of weeks, months or quarters; 1 (no
    season: seasonal naive is naive) for yearly steps or a step that divides none of these."""
    offset = pd.tseries.frequencies.to_offset(freq)
    per_unit = {"W": 52, "M": 12, "BM": 12, "SM": 24, "Q": 4, "BQ": 4, "B": 5, "C": 5}
    prefix = offset.name.split("-")[0].rstrip("SE")  # MS, ME -> M; QS-DEC -> Q; W-SUN -> W; BMS -> BM
    if prefix in per_unit:
        season = per_unit[prefix]
    else:
        step = to_step(freq)
        if step is None:  # years and other steps of no fixed length
            return 1
        day = pd.Timedelta(days=1)
        if step < day:
            return max(1, round(day / step)) if day % step == pd.Timedelta(0) else 1
        return 7 if step == day else 52 if step == pd.Timedelta(days=7) else 1
    n = max(1, offset.n)
    return season // n if season % n == 0 else 1


def naive_seasons(freq: str) -> tuple[int, ...]:
    """The seasons the seasonal naive baseline compares on validation: the frequency's season, and a week
    of steps as well where that season is a day of sub-daily steps (half-hourly demand repeats last week's
    same half hour better than yesterday's: weekends differ from weekdays)."""
    season, step = default_season(freq), to_step(freq)
    return (season, 7 * season) if step is not None and season > 1 and step * season == pd.Timedelta(days=1) \
        else (season,)


YEAR_OF_DAYS = 365


def lookback_seasons(config: ForecastConfig, series: Series) -> tuple[int, ...]:
    """The seasons a file's lookback and the ridge baseline's lags are chosen around: the seasonal naive's
    (`naive_seasons_of`) and, for daily steps with no `--season`, a year of days as well (a daily series' yearly
    cycle: last year's same day is 365 steps back, which no week of lags sees)."""
    seasons = naive_seasons_of(config, series)
    daily = not config.season and to_step(series.freq) == pd.Timedelta(days=1)
    return (*seasons, YEAR_OF_DAYS) if daily else seasons


def to_step(freq: str) -> pd.Timedelta | None:
    """The fixed length of one step of `freq`; None for months, years and other steps of no fixed length."""
    try:
        return pd.Timedelta(pd.tseries.frequencies.to_offset(freq).nanos, "ns")
    except ValueError:
        return None


def series_windows(config: ForecastConfig, series: Series, calendar: list[str] | None = None, scaler=None) -> Windows:
    if calendar is None:
        span = series.times[-1] - series.times[0]
        calendar = calendar_kinds(series.freq, span) if config.calendar == "auto" else []
    return make_windows(series, config.lookback, config.horizon, config.stride, calendar, scaler,
                        config.target_transform)


def series_facts(config: ForecastConfig, series: Series, windows: Windows) -> dict:
    """What predict and evaluate need besides the config: config.json's "data"."""
    return {"source": series.source, "time_col": series.time_col, "columns": series.columns, "freq": series.freq,
            "lookback": config.lookback, "calendar": windows.calendar,
            "season": season_of(config, series), "naive_seasons": list(naive_seasons_of(config, series)),
            "steps": len(series)}


def season_of(config: ForecastConfig, series: Series) -> int:
    """The season in effect: `--season`, else the one of the series' frequency."""
    return config.season or default_season(series.freq)


def naive_seasons_of(config: ForecastConfig, series: Series) -> tuple[int, ...]:
    """The seasonal naive's candidate seasons: `--season` alone when given, else `naive_seasons`."""
    return (config.season,) if config.season else naive_seasons(series.freq)
