"""Time series from a CSV/TSV/JSONL/Parquet file: a time column, a target column and covariates.

`read_series` parses the time column (dates and times in any format pandas reads, quarters as statistics
offices write them, whole Unix time stamps in seconds or milliseconds), checks it is sorted and has no
repeated stamps (a file of several series stacked is told so, with the column that names them: `StackedSeries`,
which a forecast run reads as a panel instead, `rnnkit.data.panel`), detects the regular frequency (pandas'
`infer_freq`, else the most common step) and puts the rows on that grid.
Missing values and missing time stamps are reported with the first one's time stamp and filled as asked
(`fill="ffill"`: carry the last value forward, `"interpolate"`: linear in time; `"auto"`: absent time stamps
interpolated where they are few and short, `AUTO_FILL`, else an error; `"none"`: always an error).
Non-numeric columns that were not asked for are categorical covariates: ignored, with a note.
Every mistake is a one-line `UserError` naming the file, row (1-based data row) or time stamp.
"""
from __future__ import annotations

import functools
import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from rnnkit.data.choices import DEFAULT_TIME_COL, FILLS
from rnnkit.data.datasets import ArraySplit, Dataset, DatasetInfo, check_size
from rnnkit.data.readers import detect_format, read_frame
from rnnkit.errors import UserError

AUTO_FILL = (0.02, 3)
"""fill "auto" interpolates the time stamps absent from a file where they are at most 2% of the steps and no gap
spans more than 3 steps in a row (a skipped reading, an hour lost to a clock change); longer or more gaps, and any
value written as missing, are a question for the user"""
SPLIT = (0.7, 0.15, 0.15)
"""train, valid, test: consecutive periods, in this order"""
MISSING_WORDS = {"", "na", "nan", "null", "none", "n/a", "?"}
QUARTERS = (re.compile(r"^\s*(\d{4})\s*[-/ ]?\s*[Qq]([1-4])\s*$"), r"\1Q\2"), \
           (re.compile(r"^\s*[Qq]([1-4])\s*[-/ ]?\s*(\d{4})\s*$"), r"\2Q\1")
"""quarters as R and statistics offices write them ('1970 Q1', 'Q1 1970', '1970/q1'), rewritten to pandas'
'1970Q1': pandas parses only the joined and hyphenated forms"""
TIME_NAMES = ("time", "date", "ds", "datetime", "timestamp", "date_time", "period", "year", "month", "quarter",
              "week", "day")
"""Names of a time column, any case: with the default time column absent, the one column so named is read"""
GROUPING = ". \u00a0\u202f"  # the characters themselves: pandas' pyarrow strings take no \u escape in a pattern
DECIMAL_COMMA = r"[-+]?(\d{1,3}([" + GROUPING + r"]\d{3})+|\d+)(,\d+)?"
"""a number written with a decimal comma and, maybe, dots or spaces between thousands (France's Excel writes a
narrow no-break space: '1\u202f234,5'), read in a file separated by ';'"""
THOUSANDS_COMMA = r"[-+]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?"
"""a number written with commas between thousands, "1,234.5" (quoted, in a file separated by ',')"""
CURRENCY_CODES = "USD|EUR|GBP|JPY|CNY|RMB|CHF|CAD|AUD|NZD|INR|KRW|RUB|SEK|NOK|DKK|PLN|CZK|BRL|MXN|ZAR|HKD|SGD"
WITH_UNIT = re.compile(r"(?P<pre>[$\u20ac\u00a3\u00a5\u20b9\u20a9\u20bd]|" + CURRENCY_CODES + r")?\s*"
                       r"(?P<num>[-+]?[\d.,]*\d)\s*(?P<post>(?:\u00b0|[^\W\d_])[^\d]{0,7})?")
"""a number written with its unit or currency ('112 kWh', '$1,534.40', '€ 12', 'USD 12', '12.5 °C'): one unit a
column. Letters before the number are a currency's code only (a product code, SKU001, is no amount)"""
FILL_HINT = "pass --fill ffill (carry the last value forward) or --fill interpolate (linear in time)"


@dataclass
class Series:
    """A regular multivariate series: `values` (T, F) float32, column 0 the target."""

    source: str
    times: pd.DatetimeIndex
    values: np.ndarray
    columns: list[str]
    freq: str
    time_col: str
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.times)

    @property
    def target(self) -> np.ndarray:
        return self.values[:, 0]

    def next_times(self, steps: int) -> pd.DatetimeIndex:
        """The `steps` time stamps after the last one."""
        return pd.date_range(self.times[-1], periods=steps + 1, freq=self.freq)[1:]


class StackedSeries(UserError):
    """A file of several series stacked, `column` naming them: the error a one-series reader raises, and what tells
    a forecast run to read the file as a panel instead."""

    def __init__(self, message: str, column: str):
        super().__init__(message)
        self.column = column


def _numeric(path: Path, frame: pd.DataFrame, column: str) -> tuple[np.ndarray, str | None]:
    """(float values with NaN for missing cells, None) or (None, message about the first bad cell). A column of
    percentages as a spreadsheet exports them ('12.5%') reads as their numbers (12.5): it was no numeric column."""
    raw = frame[column]
    if pd.api.types.is_bool_dtype(raw):
        return raw.to_numpy(np.float64), None
    if pd.api.types.is_numeric_dtype(raw):
        return _finite(path, raw, column, raw.to_numpy(np.float64)), None
    text = raw.astype(str).str.strip()
    missing = raw.isna().to_numpy() | text.str.lower().isin(MISSING_WORDS).to_numpy()
    if text[~missing].str.lower().isin(("true", "false")).all() and (~missing).any():  # a flag: 1 or 0
        return np.where(missing, np.nan, (text.str.lower() == "true").to_numpy(np.float64)), None
    if (~missing).any() and text[~missing].str.endswith("%").all():
        text = text.str.removesuffix("%").str.strip()
    unit = _unit(text[~missing])
    if unit is not None:  # kept for read_series' note
        frame.attrs.setdefault("units", {})[column] = unit
        text = text.str.replace(unit, "", regex=False).str.strip()
    parsed = pd.to_numeric(text.where(~missing), errors="coerce").to_numpy(np.float64)
    bad = np.flatnonzero(np.isnan(parsed) & ~missing)
    european = frame.attrs.get("separator") == ";"  # Excel's CSV where the comma is the decimal mark
    if len(bad) and text[~missing].str.fullmatch(DECIMAL_COMMA if european else THOUSANDS_COMMA).all():
        plain = (text.str.replace(f"[{GROUPING}]", "", regex=True).str.replace(",", ".", regex=False) if european
                 else text.str.replace(",", "", regex=False))
        parsed = pd.to_numeric(plain.where(~missing), errors="coerce").to_numpy(np.float64)
        bad = np.flatnonzero(np.isnan(parsed) & ~missing)
    if len(bad):
        return None, f"row {raw.index[bad[0]] + 1}, column {column!r}: {text.iloc[bad[0]]!r} is not a number"
    return _finite(path, raw, column, parsed), None


def _unit(cells: pd.Series) -> str | None:
    """The one unit or currency every cell writes beside its number ('kWh' in '112 kWh', '$' in '$1,534.40'), else
    None: such a column was "no numeric column". Different units in one column (kWh, MWh) are not numbers."""
    if not len(cells):
        return None
    # Python's re: pyarrow's takes no \u escape and knows \w in ASCII only
    cells = pd.Series(cells.to_numpy(object), dtype=object)
    if not cells.str.fullmatch(WITH_UNIT).all():
        return None
    found = cells.str.extract(WITH_UNIT)
    units = (found.pre.fillna("") + "|" + found.post.fillna("").str.strip()).unique()
    if len(units) != 1 or units[0] == "|":
        return None
    return units[0].replace("|", "")


def _finite(path: Path, raw: pd.Series, column: str, values: np.ndarray) -> np.ndarray:
    """`values`, refused at the first infinite one: no fill can mend it, and it would reach the scaler and
    the forecasts (inf in, inf out) rather than an error."""
    bad = np.flatnonzero(np.isinf(values))
    if len(bad):
        raise UserError(f"{path}: row {raw.index[bad[0]] + 1}, column {column!r}: {str(raw.iloc[bad[0]]).strip()!r} "
                        "is not a finite number; expected finite values (an empty cell or NaN for a missing one)")
    return values


def _row_counter(values: np.ndarray) -> bool:
    """Whether a column is 0, 1, 2, ... or 1, 2, 3, ...: the row numbers pandas' `to_csv` writes unless told
    index=False."""
    return len(values) > 2 and values[0] in (0, 1) and bool((np.diff(values) == 1).all())


UNIX_UNITS = (("s", 1e9, 4.2e9), ("ms", 1e12, 4.2e12))
"""Unix time stamps by their size: seconds or milliseconds since 1970 that fall in 2001-2103"""


def _unix_unit(raw: pd.Series) -> str | None:
    """"s" or "ms" where a numeric time column holds whole Unix time stamps (a sensor log's), else None."""
    if pd.api.types.is_bool_dtype(raw) or raw.isna().any():
        return None
    if not pd.api.types.is_numeric_dtype(raw):
        text = raw.astype(str).str.strip()
        if not text.str.fullmatch(r"\d+").all():
            return None
        raw = text.astype(np.int64)
    values = raw.to_numpy(np.float64)
    if not np.all(values == np.round(values)):
        return None
    return next((unit for unit, low, high in UNIX_UNITS if values.min() >= low and values.max() < high), None)


EXCEL_EPOCH = pd.Timestamp("1899-12-30")
EXCEL_DAYS = (10_000, 80_000)
"""Excel's day numbers (days since 1899-12-30) of 1927-05-18 to 2119-01-11: a date column whose cells lost their
date format exports them, 43831 for 2020-01-01"""


def _name_words(column) -> set[str]:
    """The words of a column's name, lower case ('Order Date', 'datetime_gmt': order, date; datetime, gmt)."""
    return set(re.split(r"[^a-z]+", str(column).strip().lower()))


def _excel_days(raw: pd.Series, time_col: str) -> bool:
    """Whether a column named as dates are ('Date', 'order_date', 'Day') holds Excel's day numbers (a fraction: the
    time of day). It was refused as "a column of step numbers"."""
    if not {"date", "day", "datetime", "time"} & _name_words(time_col):
        return False
    values = pd.to_numeric(raw, errors="coerce")
    return bool(values.notna().all() and values.between(*EXCEL_DAYS).all())


def _parse_times(path: Path, frame: pd.DataFrame, time_col: str, notes: list[str]) -> pd.DatetimeIndex:
    raw = frame[time_col]
    unit = _unix_unit(raw)
    if unit is not None:
        notes.append(f"column {time_col!r} read as Unix time in {'seconds' if unit == 's' else 'milliseconds'} "
                     "(since 1970-01-01 UTC)")
        raw = pd.Series(pd.to_datetime(pd.to_numeric(raw).to_numpy(np.int64), unit=unit), index=raw.index)
    elif _excel_days(raw, time_col):
        raw = pd.Series(EXCEL_EPOCH + pd.to_timedelta(pd.to_numeric(raw), unit="D"), index=raw.index)
        notes.append(f"column {time_col!r} read as Excel's day numbers ({frame[time_col].iloc[0]} is "
                     f"{raw.iloc[0]:%d %B %Y}): a date column saved without its date format")
    stamps = raw
    if raw.dtype == object or pd.api.types.is_string_dtype(raw):
        for pattern, joined in QUARTERS:
            stamps = stamps.str.replace(pattern, joined, regex=True)
    try:  # one format, inferred from the first stamp (fast); stamps in several formats: each parsed alone
        with warnings.catch_warnings():  # a first stamp that is no date: pandas warns, the check below says which
            warnings.simplefilter("ignore", UserWarning)
            times = pd.to_datetime(stamps, errors="coerce") if raw.dtype == object else pd.to_datetime(stamps)
    except (ValueError, TypeError):
        times = _each_alone(stamps, time_col, notes)
    if not pd.api.types.is_numeric_dtype(raw) and (not _increasing(times) or _ambiguous_day(stamps)
                                                   and _step_count(times) > 1):
        day_first = _day_first(stamps)
        # day first where month first puts the stamps out of order, or on a less regular grid: 01.01.2020 23:00
        # then 02.01.2020 00:00 is an hour month first only if read day first (else a jump to February)
        if day_first is not None and (not _increasing(times) or _step_count(day_first) < _step_count(times)):
            why = "are not in order" if not _increasing(times) else "are not evenly spaced"
            times = day_first
            k = int(np.argmax(times.dt.day.to_numpy() != times.dt.month.to_numpy()))
            notes.append(f"column {time_col!r} read day first ({raw.iloc[k]} is {times.iloc[k]:%d %B %Y}): "
                         f"month first, its time stamps {why}")
    bad = np.flatnonzero(times.isna().to_numpy())
    if len(bad):
        hint = ("; a column of step numbers is not read (seasons and calendar covariates come from dates): "
                "give a date/time column")
        integer = str(raw.iloc[bad[0]]).strip().lstrip("-").isdigit()
        raise UserError(f"{path}: row {raw.index[bad[0]] + 1}, column {time_col!r}: {str(raw.iloc[bad[0]])!r} is not a "
                        f"date/time{hint if integer else ''}")
    times = pd.DatetimeIndex(times)
    steps = np.diff(times.asi8)
    if len(steps) and (steps <= 0).any():
        i = int(np.flatnonzero(steps <= 0)[0]) + 1  # 0-based index of the offending row
        what = "repeats" if steps[i - 1] == 0 else "comes before"
        panel = _series_id_column(frame, time_col, times, i)
        if panel is not None:
            groups = frame[panel].nunique()
            raise StackedSeries(f"{path}: the file holds {groups} series, one per value of column {panel!r} (time "
                                f"starts again at row {i + 1}, where {panel!r} changes from "
                                f"{frame[panel].iloc[i - 1]!r} to {frame[panel].iloc[i]!r}); expected one series: keep "
                                f"the rows of one {panel!r}, or put each series in a column of its own (one row per "
                                f"time stamp) and name one as --target-col", panel)
        mend = "drop the duplicates" if what == "repeats" else "sort the file by time"
        raise UserError(f"{path}: row {i + 1}: time {times[i]} {what} row {i}'s {times[i - 1]}; expected "
                        f"strictly increasing time stamps ({mend})"
                        f"{_clock_change(times[i:i + 1]) if what == 'repeats' else ''}")
    return times


def _each_alone(stamps: pd.Series, time_col: str, notes: list[str]) -> pd.Series:
    """Stamps in several formats, each parsed alone; stamps in several UTC offsets (local times across a
    daylight saving change: ...T01:00:00+01:00, then T03:00:00+02:00), which pandas refuses to hold in one
    column, in UTC: an hourly file stays one step an hour through the change."""
    try:
        return pd.to_datetime(stamps, errors="coerce", format="mixed")
    except ValueError:
        times = pd.to_datetime(stamps, errors="coerce", format="mixed", utc=True)
        notes.append(f"column {time_col!r} read in UTC: its time stamps carry different UTC offsets (a daylight "
                     "saving change)")
        return times


def _clock_change(stamps: pd.DatetimeIndex) -> str:
    """A hint where every stamp (missing or repeated) is a local hour of a Sunday night, 1 to 3 o'clock: where
    clocks change for daylight saving (a local hour skipped in spring, repeated in autumn)."""
    if len(stamps) == 0 or stamps.tz is not None or not all(t.dayofweek == 6 and 1 <= t.hour <= 3 for t in stamps):
        return ""
    return ("; local times across a daylight saving change? give the times with their UTC offset "
            "(2021-03-28T03:00:00+02:00) or in UTC")


def _increasing(times) -> bool:
    stamps = pd.DatetimeIndex(times)
    return not stamps.isna().any() and bool(np.all(np.diff(stamps.asi8) > 0))


def _ambiguous_day(stamps: pd.Series) -> bool:
    """Whether the stamps are written day and month first as numbers (01.02.2020, 1/2/20): either could be the
    day. ISO dates (2020-02-01) are year, month, day, always."""
    return bool(stamps.astype(str).str.match(r"\s*\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b").all())


def _step_count(times) -> int:
    """How many different steps lie between consecutive time stamps."""
    return len(np.unique(np.diff(pd.DatetimeIndex(times).asi8)))


def _day_first(stamps: pd.Series):
    """The stamps read day first (31.01.2020, 01/02/2020 as most of the world writes dates), where that puts every
    one in strictly increasing order; else None."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        try:
            times = pd.to_datetime(stamps, dayfirst=True, errors="coerce")
        except (ValueError, TypeError):
            return None
    return times if _increasing(times) else None


def _series_id_column(frame: pd.DataFrame, time_col: str, times: pd.DatetimeIndex, row: int) -> str | None:
    """The column that names the series, in a file of several series stacked (the long format of statsforecast
    and Darts: unique_id, ds, y): one that changes at `row`, where time starts again or repeats, and either
    comes in one block per series with time increasing in each, or, in a file sorted by time, never repeats
    within a time stamp; None when no column does (a file of one series, out of order)."""
    stamps = pd.Series(times.asi8, index=frame.index)
    for column in frame.columns:
        ids = frame[column]
        if column == time_col or ids.iloc[row] == ids.iloc[row - 1] or not 2 <= ids.nunique() <= len(frame) // 3:
            continue
        if int((ids != ids.shift()).sum()) == ids.nunique():  # one block per series: time increases in each
            increasing = stamps.groupby(ids.to_numpy(), sort=False).apply(lambda t: bool(np.all(np.diff(t) > 0)))
            if increasing.all():
                return str(column)
        elif np.all(np.diff(times.asi8) >= 0) and not pd.DataFrame({"t": stamps, "id": ids}).duplicated().any():
            return str(column)  # sorted by time: each stamp once per series
    return None


def _frequency(path: Path, times: pd.DatetimeIndex) -> str:
    """The series' step as a pandas frequency string: pandas' inference, else the most common step."""
    if len(times) < 3:
        raise UserError(f"{path}: {len(times)} rows; a series needs at least 3 time stamps")
    with warnings.catch_warnings():  # pandas 3 warns that infer_freq will return an offset, not a str
        warnings.simplefilter("ignore")
        inferred = pd.infer_freq(times)
    if inferred is not None:
        return getattr(inferred, "freqstr", inferred)
    steps, counts = np.unique(np.diff(times.as_unit("ns").asi8), return_counts=True)
    step = pd.Timedelta(int(steps[counts.argmax()]), "ns")
    if step == pd.Timedelta(days=1) and (times.day_of_week < 5).all() and (times.normalize() == times).all():
        return "B"  # trading days with holidays left out: a weekday grid, not weekends to fill
    return pd.tseries.frequencies.to_offset(step).freqstr


def _time_column(frame: pd.DataFrame, target_col: str | None):
    """The file's time column when the default one is absent: the one column named as a time (TIME_NAMES), else
    the one column of dates whose name holds such a word ('datetime_gmt', 'Order Date'), else the one column of
    text whose first rows all read as dates; None when there is no single one (the missing column is then
    named). A column of numbers (Unix time, years) is found by its exact name only: 'day_of_week' is no time."""
    columns = [c for c in frame.columns if c != target_col]
    dates = functools.cache(lambda c: _reads_as_dates(frame[c]))  # parsed only where a rule needs it
    named = {c: _name_words(c) & set(TIME_NAMES) for c in columns}
    for matches in (lambda c: str(c).strip().lower() in TIME_NAMES, lambda c: bool(named[c]) and dates(c), dates):
        found = [c for c in columns if matches(c)]
        if len(found) == 1:
            return found[0]
        if found:
            return None
    return None


def _reads_as_dates(column: pd.Series, rows: int = 20) -> bool:
    """Whether a column of text holds dates in its first rows (numbers are step counts or values, not dates)."""
    head = column.dropna().head(rows)
    if len(head) == 0 or not (head.dtype == object or pd.api.types.is_string_dtype(head)):
        return False
    if head.astype(str).str.fullmatch(r"\s*[-+]?[\d.,]+\s*").all():
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return bool(pd.to_datetime(head, errors="coerce", format="mixed").notna().all())


def read_table(path: str | os.PathLike, fmt: str | None = None) -> pd.DataFrame:
    """The file's rows, each labelled with its place in the file (errors name it)."""
    path = Path(path)
    fmt = detect_format(path, fmt)
    if not path.is_file():
        raise UserError(f"{path}: file not found")
    frame, _ = read_frame(path, fmt, "utf-8")
    if len(frame) == 0:
        raise UserError(f"{path}: no data rows (only a header, or nothing)")
    return frame.reset_index(drop=True)


def read_series(path: str | os.PathLike, time_col: str, target_col: str | None, value_cols: list[str] | None = None,
                fill: str = "none", fmt: str | None = None) -> Series:
    """The file's series on its regular grid; `target_col` None: the file's only numeric column; `value_cols` None
    takes every numeric column as a covariate."""
    if fill not in FILLS:
        raise ValueError(f"fill must be one of {FILLS}, got {fill!r}")
    return series_from_frame(Path(path), read_table(path, fmt), time_col, target_col, value_cols, fill)


def series_from_frame(path: Path, frame: pd.DataFrame, time_col: str, target_col: str | None,
                      value_cols: list[str] | None = None, fill: str = "none", source: str | None = None) -> Series:
    """`read_series` of rows already read (`read_table`; one series' rows of a panel file); `source`: the name the
    series goes by (default the file's)."""
    notes = []
    frame, time_col, target_col = resolve_columns(path, frame, time_col, target_col, notes)
    asked = [c for c in [time_col, target_col, *(value_cols or [])]]
    for column in asked:
        if column not in frame.columns:
            raise UserError(f"{path}: no column {column!r}; available columns: {', '.join(map(str, frame.columns))}")
    frame = _oldest_first(_without_summary_rows(frame, time_col, notes), time_col, notes)
    columns, arrays = [], []
    times = _parse_times(path, frame, time_col, notes)
    candidates = [target_col] + [c for c in (value_cols if value_cols is not None else frame.columns)
                                 if c not in (time_col, target_col)]
    for column in candidates:
        values, problem = _numeric(path, frame, column)
        if problem is None and value_cols is None and column != target_col and _row_counter(values):
            notes.append(f"column {column!r} counts the rows (a saved index): ignored, a covariate whose test "
                         "values lie past every training value")
        elif problem is None:
            columns.append(str(column))
            arrays.append(values)
            if column in frame.attrs.get("units", {}):
                notes.append(f"column {column!r} read as numbers in {frame.attrs['units'][column]!r} (a unit or "
                             "currency written in each cell)")
        elif column == target_col or value_cols is not None:
            raise UserError(f"{path}: {problem}; the target and value columns must be numeric")
        else:
            notes.append(f"column {column!r} is not numeric ({problem.split(': ', 1)[1]}): ignored as a "
                         "categorical covariate")
    freq = _frequency(path, times)
    grid = pd.date_range(times[0], times[-1], freq=freq)
    off_grid = times.difference(grid)
    rounded = _rounded_grid(times) if len(off_grid) else None
    if rounded is not None:  # a 64 Hz log written to the millisecond: steps of 15 and 16 ms
        freq, grid, off_grid = rounded.freqstr, rounded, rounded[:0]
        steps = pd.to_timedelta(np.unique(np.diff(times.as_unit("ns").asi8)), unit="ns")
        apart = " or ".join(pd.tseries.frequencies.to_offset(step).freqstr for step in steps[:3])
        notes.append(f"time stamps {apart} apart, each within a quarter step of a "
                     f"regular grid of {rounded.freq.freqstr}: put on it (a sampling rate written in rounded time)")
        times = rounded
    if len(off_grid):
        raise UserError(f"{path}: time {off_grid[0]} is off the regular {freq} grid that starts at {times[0]}; "
                        "expected one row every step")
    table = _trim_to_target(path, pd.DataFrame(np.stack(arrays, 1), index=times, columns=columns).reindex(grid),
                            columns[0], notes)
    grid = table.index
    gaps = grid.difference(times)
    holes = table.isna().any(axis=1)
    if holes.any():
        first = table.index[holes.to_numpy().argmax()]
        what = (f"{len(gaps)} missing time stamps (first {gaps[0]}) and " if len(gaps) else "") + \
               f"{int(table.isna().to_numpy().sum())} missing values, the first at {first}"
        # auto fills only rows absent from the file: a value written as missing (NaN, an empty cell) in a row
        # that is there stays a question for the user
        absent = holes.index.isin(gaps)
        if fill == "none" or fill == "auto" and not (np.array_equal(absent, holes.to_numpy())
                                                       and _few_short_gaps(absent)):
            limits = (f" (more than {AUTO_FILL[0]:.0%} of the steps, or a gap over {AUTO_FILL[1]} steps)"
                      if fill == "auto" and np.array_equal(absent, holes.to_numpy()) else "")
            raise UserError(f"{path}: {what}{limits}; {FILL_HINT}{_clock_change(gaps)}")
        how = "interpolation in time (--fill auto: a few short gaps; --fill none refuses them)" \
            if fill == "auto" else fill
        table = table.ffill() if fill == "ffill" else table.interpolate(method="time")
        if table.isna().any().any():
            raise UserError(f"{path}: the series starts with a missing value at {first}; nothing to fill it from "
                            "(drop the leading rows)")
        notes.append(f"{what}: filled by {how}")
    return Series(source or str(path), grid, table.to_numpy(np.float32), columns, freq, time_col, notes)


def resolve_columns(path: Path, frame: pd.DataFrame, time_col: str, target_col: str | None,
                    notes: list[str]) -> tuple[pd.DataFrame, str, str]:
    """(frame, time column, target column) where the defaults leave them to be found: a date and a time of day
    joined, the one column named or written as times, the only numeric column; each found one noted."""
    frame, time_col = _resolve_time_column(frame, time_col, target_col, notes)
    if target_col is None:
        target_col = _only_numeric(path, frame, time_col, notes)
    return frame, time_col, target_col


def _resolve_time_column(frame: pd.DataFrame, time_col: str, target_col: str | None,
                         notes: list[str]) -> tuple[pd.DataFrame, str]:
    if time_col == DEFAULT_TIME_COL:
        frame, time_col = _date_and_time(frame, notes)
    if time_col == DEFAULT_TIME_COL and time_col not in frame.columns:
        found = _time_column(frame, target_col)
        if found is not None:
            time_col = found
            notes.append(f"time column {time_col!r} (there is no column {DEFAULT_TIME_COL!r}; --time-col names "
                         "another)")
    return frame, time_col


def stacked_column(path: str | os.PathLike, time_col: str) -> str | None:
    """The column that names the series of a file of several stacked, asked before its target is known (a numeric
    id, `store`, is one more numeric column beside `sales`: the one-series reader asks which to forecast); None
    where the file's time stamps say nothing of the kind."""
    frame, time_col = _resolve_time_column(read_table(path), time_col, None, [])
    if time_col not in frame.columns:
        return None
    try:
        _parse_times(Path(path), frame, time_col, [])
    except StackedSeries as stacked:
        return stacked.column
    except UserError:
        return None
    return None


DATE_NAMES, CLOCK_NAMES = ("date", "day"), ("time", "hour", "time of day")
CLOCK = r"\s*\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*([AaPp]\.?[Mm]\.?)?\s*"
"""a time of day as a spreadsheet writes it: 0:30, 00:30:00, 12:30:00 PM"""


def _date_and_time(frame: pd.DataFrame, notes: list[str]) -> tuple[pd.DataFrame, str]:
    """(frame, time column) where the time stamps are a date and a time of day in two columns (Date, Time: a
    logger's or a bank's export), joined into one column; else (frame, the default time column). The file was
    refused: the two were two candidates, or the clock times a column of today's hours out of order."""
    names = {str(c).strip().lower(): c for c in frame.columns}
    dates = [names[n] for n in DATE_NAMES if n in names]
    clocks = [names[n] for n in CLOCK_NAMES if n in names]
    if len(dates) != 1 or len(clocks) != 1:
        return frame, DEFAULT_TIME_COL
    day, clock = dates[0], clocks[0]
    if not frame[clock].dropna().astype(str).str.fullmatch(CLOCK).all() or frame[clock].isna().any():
        return frame, DEFAULT_TIME_COL
    joined = f"{day} {clock}"
    stamps = frame[day].astype(str).str.strip() + " " + frame[clock].astype(str).str.strip()
    frame = frame.drop(columns=[clock]).rename(columns={day: joined})
    frame[joined] = stamps
    notes.append(f"columns {day!r} and {clock!r} joined into the time stamps ({stamps.iloc[0]!r}): a date and a "
                 "time of day in two columns")
    return frame, joined


def _oldest_first(frame: pd.DataFrame, time_col: str, notes: list[str]) -> pd.DataFrame:
    """`frame` in time order where its rows run newest first (a bank's or a statistics office's download), which
    was refused ("sort the file by time"). Rows keep their labels, so an error still names a row of the file. Read
    month first, or day first where that is how they decrease (31.01.2020); anything else out of order is left
    to the checks that name it."""
    raw = frame[time_col]
    if len(frame) < 3 or pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        return frame  # numbers (Unix or Excel days) are told by their own checks; only decreasing text is turned
    text = raw.astype(str)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        # in UTC: only the order is asked, and stamps in several offsets (a clock change) are one column there
        ends = pd.to_datetime(text.iloc[[0, -1]], errors="coerce", format="mixed", utc=True)
        if ends.isna().any() or ends.iloc[0] <= ends.iloc[-1]:
            return frame
        for day_first in (False, True):
            try:
                times = pd.to_datetime(text, errors="coerce", format="mixed", dayfirst=day_first, utc=True)
            except (ValueError, TypeError):
                continue
            if times.notna().all() and bool(np.all(np.diff(pd.DatetimeIndex(times).asi8) < 0)):
                notes.append(f"rows read in reverse: the file lists its time stamps newest first ({raw.iloc[0]} "
                             f"down to {raw.iloc[-1]})")
                return frame.iloc[::-1]
    return frame


def _few_short_gaps(holes: np.ndarray) -> bool:
    """Whether the steps missing a value are few and each gap short enough for fill "auto" (`AUTO_FILL`)."""
    share, longest = AUTO_FILL
    edges = np.diff(np.concatenate([[0], holes.astype(np.int8), [0]]))
    runs = np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)
    return holes.mean() <= share and runs.max() <= longest


SUMMARY_ROWS = 3
"""At most this many rows after the data that a spreadsheet's summary lines fill (Total, Average) are left out"""
SUMMARY_WORDS = re.compile(r"(grand |sub)?totals?|sum|summe|gesamt|average|avg|mean|moyenne|median|min|max|count|"
                           r"合计|合計|总计|總計|小计|平均", re.IGNORECASE)


def _without_summary_rows(frame: pd.DataFrame, time_col: str, notes: list[str]) -> pd.DataFrame:
    """`frame` without the rows at its end whose time cell names a summary ('Total', 'Average:', '合计'): a
    spreadsheet's lines below the data, which were refused as time stamps. Anywhere else, or any other word, is
    still an error at its row."""
    cells = frame[time_col].astype(str).str.strip().str.rstrip(":").str.strip()
    words = frame[time_col].notna().to_numpy() & cells.str.fullmatch(SUMMARY_WORDS).to_numpy()
    n = len(frame)
    while n > 1 and n > len(frame) - SUMMARY_ROWS and words[n - 1]:
        n -= 1
    if n == len(frame) or words[:n].any():
        return frame
    shown = ", ".join(repr(c) for c in cells.iloc[n:])
    notes.append(f"row{'s' if len(frame) - n > 1 else ''} {n + 1}{f'-{len(frame)}' if len(frame) - n > 1 else ''} "
                 f"({shown}): no time stamp after the data, a summary row: left out")
    return frame.iloc[:n]


def _rounded_grid(times: pd.DatetimeIndex) -> pd.DatetimeIndex | None:
    """A regular grid through the first stamp on which every stamp lies within a quarter step of its point: stamps
    of a sampling rate rounded to the clock's unit (64 Hz written to the millisecond); its step the one of a whole
    rate per second where that fits, else the mean step; None where neither fits (a gap, steps that truly vary)."""
    n, times = len(times), times.as_unit("ns")
    if n < 3:
        return None
    mean = (times.asi8[-1] - times.asi8[0]) / (n - 1)
    steps = ([round(1e9 / round(1e9 / mean))] if 1e9 / mean >= 1 else []) + [round(mean)]
    for step in steps:
        points = times.asi8[0] + step * np.arange(n, dtype=np.int64)
        if step > 0 and np.abs(times.asi8 - points).max() * 4 <= step:
            return pd.date_range(times[0], periods=n, freq=pd.tseries.frequencies.to_offset(pd.Timedelta(step, "ns")))
    return None


def _only_numeric(path: Path, frame: pd.DataFrame, time_col: str, notes: list[str]) -> str:
    """The column to forecast when none is named: the file's only numeric column besides the time (a saved row
    index left out); with none or several, an error that lists them."""
    parsed = {c: _numeric(path, frame, c) for c in frame.columns if c != time_col}
    numeric = [c for c, (values, problem) in parsed.items() if problem is None and not _row_counter(values)]
    counters = [str(c) for c, (values, problem) in parsed.items() if problem is None and _row_counter(values)]
    if len(numeric) != 1:
        # a target that rises by exactly 1 a step (a count, a toy series) is left out as a saved row index:
        # saying "no numeric column" of a file whose y is plainly numbers sent users looking for a parse error
        counted = f"; {', '.join(map(repr, counters))} counts 0, 1, 2, ... like a saved row index, so is not " \
            "taken unless named" if counters and not numeric else ""
        found = f"numeric columns: {', '.join(map(str, numeric))}" if numeric else \
            f"no numeric column; columns: {', '.join(map(str, frame.columns))}{counted}"
        raise UserError(f"{path}: which column to forecast? give --target-col ({found})")
    notes.append(f"target column {numeric[0]!r} (the file's only numeric column; --target-col names another)")
    return str(numeric[0])


def _trim_to_target(path: Path, table: pd.DataFrame, target: str, notes: list[str]) -> pd.DataFrame:
    """The rows from the first observed target value to the last: rows before or after with no target (future
    dates written out for their covariates, a log that starts before the meter) are left out with a note, not
    filled and trained on."""
    observed = np.flatnonzero(table[target].notna().to_numpy())
    if not len(observed):
        raise UserError(f"{path}: column {target!r} has no values; expected the series to forecast")
    first, last = int(observed[0]), int(observed[-1])
    for count, where in ((first, "first"), (len(table) - 1 - last, "last")):
        if count:
            notes.append(f"the {where} {count} step{'s have' if count > 1 else ' has'} no {target!r}: left out (a "
                         "series runs from its first value to its last)")
    return table.iloc[first:last + 1]


def split_points(n: int) -> tuple[int, int]:
    """(start of valid, start of test) of a series of n steps split 70/15/15 by time."""
    return int(SPLIT[0] * n), int(SPLIT[0] * n) + int(SPLIT[1] * n)


@dataclass(frozen=True)
class SeriesFile:
    """A named dataset's canonical series file and its columns (`value_cols` None: every numeric one)."""

    file: str
    time_col: str
    target_col: str
    value_cols: tuple[str, ...] | None = None

    def read(self, folder: Path) -> Series:
        cols = list(self.value_cols) if self.value_cols is not None else None
        return read_series(Path(folder) / self.file, self.time_col, self.target_col, cols)

    def loader(self):
        """A `DatasetSpec` loader: x the time stamps, y the values (target first), split 70/15/15 by time."""

        def load(folder: Path, info: DatasetInfo) -> Dataset:
            series = self.read(folder)
            check_size(info.name, "whole", len(series), sum(info.sizes.values()))
            valid, test = split_points(len(series))
            parts = [ArraySplit(series.times[s].to_numpy(), series.values[s])
                     for s in (slice(0, valid), slice(valid, test), slice(test, None))]
            return Dataset(info.name, *parts, info)

        return load
