"""Forecasting windows over a `Series`: `lookback` steps in, the next `horizon` target values out.

A window at origin t reads steps [t - lookback, t) of every column (scaled, plus calendar features)
and is scored on the target at steps [t, t + horizon): direct multi-step output. The series is split
by time, 70/15/15: a window belongs to the split that holds ALL its target steps (its inputs may
reach back into the previous split, as a forecaster's would), so no target is seen by two splits and
nothing is shuffled across a boundary. Scaling (z-scores per column) is fitted on the training
period only and saved as JSON in the run folder; with `target_transform` "log" the target is scaled (and
its forecasts put back) in logs: z = (log y - mean) / std, y = exp(mean + std z). `stride` thins the
training windows only; validation and test score every origin.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from rnnkit.atomic import write_json
from rnnkit.data.choices import TARGET_TRANSFORMS
from rnnkit.data.series import Series, split_points
from rnnkit.errors import UserError

CALENDAR = ("hour", "weekday", "yearday")
"""Calendar features, each as (sin, cos): hour of day, day of week, day of year."""
SCALER_FILE = "scaler.json"




@dataclass
class Scaler:
    """z = (x - mean) / std per column, fitted on the training period; the target (column 0) taken to its log
    first when `target_transform` is "log"."""

    columns: list[str]
    mean: list[float]
    std: list[float]
    target_transform: str = "none"

    @classmethod
    def fit(cls, values: np.ndarray, columns: list[str], target_transform: str = "none") -> "Scaler":
        values = transform_target(values, target_transform, columns[0])
        std = values.std(0)
        return cls(list(columns), values.mean(0).tolist(), np.where(std > 0, std, 1.0).tolist(), target_transform)

    def transform(self, values: np.ndarray) -> np.ndarray:
        values = transform_target(values, self.target_transform, self.columns[0])
        return ((values - np.asarray(self.mean)) / np.asarray(self.std)).astype(np.float32)

    def target_inverse(self, z: np.ndarray) -> np.ndarray:
        """Scaled target values (any shape) back in the target's units."""
        y = z * self.std[0] + self.mean[0]
        return np.exp(y) if self.target_transform == "log" else y

    def save(self, folder: Path) -> None:
        write_json(Path(folder) / SCALER_FILE, asdict(self))

    @classmethod
    def load(cls, folder: Path) -> "Scaler":
        path = Path(folder) / SCALER_FILE
        try:
            return cls(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError) as err:
            raise UserError(f"{path}: not a readable scaler file ({err})") from None


def transform_target(values: np.ndarray, transform: str, name: str) -> np.ndarray:
    """`values` (T, F) with column 0 under `transform` (a copy where it changes); "log" needs it positive."""
    if transform == "none":
        return values
    if transform != "log":
        raise ValueError(f"target_transform must be one of {TARGET_TRANSFORMS}, got {transform!r}")
    low = float(np.min(values[:, 0])) if len(values) else 1.0
    if not low > 0:
        raise UserError(f"target_transform log needs a positive target: {name!r} reaches {low:g}; "
                        f"use --target-transform none")
    out = np.array(values, dtype=np.float64)
    out[:, 0] = np.log(out[:, 0])
    return out


def calendar_kinds(freq: str, span: pd.Timedelta) -> list[str]:
    """The calendar features that vary for a series of this step and span: hours below a day's step,
    weekdays below a week's, the day of the year when a year or more is covered."""
    step = pd.Timedelta(pd.tseries.frequencies.to_offset(freq).nanos, "ns") if _fixed(freq) else pd.Timedelta(days=28)
    kinds = []
    if step < pd.Timedelta(days=1):
        kinds.append("hour")
    if step < pd.Timedelta(days=7):
        kinds.append("weekday")
    if span >= pd.Timedelta(days=365) and step < pd.Timedelta(days=28):
        kinds.append("yearday")
    return kinds


def _fixed(freq: str) -> bool:
    try:
        pd.tseries.frequencies.to_offset(freq).nanos
        return True
    except ValueError:  # months, years: no fixed length
        return False


def calendar_features(times: pd.DatetimeIndex, kinds: list[str]) -> np.ndarray:
    """(T, 2 * len(kinds)) float32: sin and cos of each cyclic position."""
    phases = {"hour": (times.hour + times.minute / 60) / 24, "weekday": times.day_of_week / 7,
              "yearday": (times.day_of_year - 1) / 365.25}
    cols = []
    for kind in kinds:
        angle = 2 * np.pi * np.asarray(phases[kind], dtype=np.float64)
        cols += [np.sin(angle), np.cos(angle)]
    return np.stack(cols, 1).astype(np.float32) if cols else np.zeros((len(times), 0), np.float32)


def min_length(lookback: int, horizon: int) -> int:
    """The shortest series whose every split holds at least one window."""
    n = lookback + horizon
    while not fits_splits(n, lookback, horizon):
        n += 1
    return n


def fits_splits(n: int, lookback: int, horizon: int) -> bool:
    """Whether a series of n steps holds a window of `lookback` and `horizon` in each split."""
    valid, test = split_points(n)
    return valid >= lookback + horizon and test - valid >= horizon and n - test >= horizon


def check_length(series: Series, lookback: int, horizon: int) -> None:
    if not fits_splits(len(series), lookback, horizon):
        raise UserError(f"{series.source}: the series has {len(series)} steps of {series.freq}; lookback {lookback} + "
                        f"horizon {horizon} with a 70/15/15 split by time needs at least "
                        f"{min_length(lookback, horizon)} (or a shorter --lookback / --horizon)")


def origins(start: int, stop: int, lookback: int, horizon: int, stride: int = 1) -> np.ndarray:
    """Origins t with inputs [t - lookback, t) >= 0 and targets [t, t + horizon) inside [start, stop)."""
    return np.arange(max(start, lookback), stop - horizon + 1, stride)


def windows(features: np.ndarray, target: np.ndarray, at: np.ndarray, lookback: int, horizon: int):
    """x (N, lookback, F) and y (N, horizon) for the origins `at`."""
    x = np.lib.stride_tricks.sliding_window_view(features, lookback, axis=0)  # (T - L + 1, F, L)
    x = x[at - lookback].transpose(0, 2, 1)
    y = np.lib.stride_tricks.sliding_window_view(target, horizon)[at] if len(at) else np.zeros((0, horizon))
    return np.ascontiguousarray(x, dtype=np.float32), np.ascontiguousarray(y, dtype=np.float32)


@dataclass
class Windows:
    """The splits' origins and arrays of one series."""

    x: dict[str, np.ndarray]  # split -> (N, lookback, F), scaled inputs
    y: dict[str, np.ndarray]  # split -> (N, horizon), scaled targets
    at: dict[str, np.ndarray]  # split -> origins (index of the first forecast step)
    scaler: Scaler
    calendar: list[str]

    @property
    def lookback(self) -> int:
        return self.x["train"].shape[1]


def make_windows(series: Series, lookback: int, horizon: int, stride: int = 1,
                 calendar: list[str] | None = None, scaler: Scaler | None = None,
                 target_transform: str = "none") -> Windows:
    """Train/valid/test windows; the scaler (its `target_transform`) is fitted on the training period unless given."""
    check_length(series, lookback, horizon)
    valid_start, test_start = split_points(len(series))
    scaler = scaler or Scaler.fit(series.values[:valid_start], series.columns, target_transform)
    kinds = list(calendar or [])
    features = np.concatenate([scaler.transform(series.values), calendar_features(series.times, kinds)], 1)
    target = features[:, 0]
    at = {"train": origins(0, valid_start, lookback, horizon, stride),
          "valid": origins(valid_start, test_start, lookback, horizon),
          "test": origins(test_start, len(series), lookback, horizon)}
    xs, ys = {}, {}
    for split, where in at.items():
        xs[split], ys[split] = windows(features, target, where, lookback, horizon)
    return Windows(xs, ys, at, scaler, kinds)


def last_window(series: Series, lookback: int, scaler: Scaler, calendar: list[str]) -> np.ndarray:
    """(1, lookback, F): the end of a series, as the model reads it, to forecast what follows."""
    if len(series) < lookback:
        raise UserError(f"{series.source}: {len(series)} steps; the model reads the last {lookback}, give at least that many")
    features = np.concatenate([scaler.transform(series.values), calendar_features(series.times, calendar)], 1)
    return features[None, -lookback:].astype(np.float32)
