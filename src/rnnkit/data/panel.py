"""A panel: several series stacked in one file, the long format statsforecast and Darts users bring
(`unique_id, ds, y`; `store, date, sales`), read as one `Series` per value of the id column, each on its own time
stamps and every one read as `read_series` reads a file of one series (its rows keep their place in the file, so
an error names the file's row and the series). The panel has one frequency: a series on another grid is left
out with a note, as is one of fewer than 3 rows (no frequency to infer). The series are read with their target
alone: a global model's inputs are the same columns in every series.
"""
from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from rnnkit.data.series import Series, read_table, resolve_columns, series_from_frame
from rnnkit.errors import UserError

SHOWN_IDS = 5
"""Ids named in a note about left-out series, before "and N more"."""


@dataclass
class Panel:
    """Series keyed by their id, in the file's order; one frequency, one target column."""

    source: str
    id_col: str
    time_col: str
    target_col: str
    freq: str
    series: dict[str, Series]
    notes: list[str] = field(default_factory=list)

    @property
    def ids(self) -> list[str]:
        return list(self.series)

    def keeping(self, ids) -> "Panel":
        keep = set(ids)
        return replace(self, series={k: s for k, s in self.series.items() if k in keep})

    def long_frame(self) -> pd.DataFrame:
        """The panel in the long format it was read from: id, time, target."""
        return pd.concat([pd.DataFrame({self.id_col: key, self.time_col: s.times, self.target_col: s.target})
                          for key, s in self.series.items()], ignore_index=True)


def named_ids(ids: list[str]) -> str:
    """'a, b, c' or 'a, b, c, d, e and 12 more'."""
    shown = ", ".join(map(str, ids[:SHOWN_IDS]))
    return shown + (f" and {len(ids) - SHOWN_IDS} more" if len(ids) > SHOWN_IDS else "")


def read_panel(path: str | os.PathLike, id_col: str, time_col: str, target_col: str | None,
               fill: str = "none") -> Panel:
    """The file's series, one per value of `id_col` (time and target columns found as `read_series` finds them)."""
    frame = read_table(path)
    if id_col not in frame.columns:
        raise UserError(f"{path}: no column {id_col!r} to tell the series apart; available columns: "
                        f"{', '.join(map(str, frame.columns))}")
    notes = []
    rows, time_col, target_col = resolve_columns(Path(path), frame.drop(columns=[id_col]), time_col, target_col, notes)
    rows[id_col] = frame[id_col].astype(str).str.strip()
    ignored = [str(c) for c in rows.columns if c not in (id_col, time_col, target_col)]
    if ignored:
        notes.append(f"columns {', '.join(ignored)} not read: each series of a panel is forecast from its own "
                     f"{target_col!r} alone")
    return panel_from_frame(str(path), rows[[id_col, time_col, target_col]], id_col, time_col, target_col, fill, notes)


def panel_from_frame(source: str, frame: pd.DataFrame, id_col: str, time_col: str, target_col: str,
                     fill: str = "none", notes: list[str] | None = None) -> Panel:
    """A panel of a long frame's rows (id, time, target), each id's read as one series' file."""
    notes = list(notes or [])
    found, few = {}, []
    for key, rows in frame.groupby(id_col, sort=False):
        if len(rows) < 3:
            few.append(str(key))
            continue
        label = f"{source} ({id_col} {key!r})"
        found[str(key)] = series_from_frame(label, rows.drop(columns=[id_col]), time_col, target_col, [], fill,
                                            source=label)
    if few:
        notes.append(f"{len(few)} series of fewer than 3 rows left out: {named_ids(few)}")
    if not found:
        raise UserError(f"{source}: no series of column {id_col!r} has 3 rows or more")
    freq = Counter(s.freq for s in found.values()).most_common(1)[0][0]
    other = [key for key, s in found.items() if s.freq != freq]
    if other:
        notes.append(f"{len(other)} series on another grid than the panel's {freq} left out: {named_ids(other)}")
    for key, s in found.items():
        notes += [f"{id_col} {key!r}: {note}" for note in s.notes]
    series = {key: s for key, s in found.items() if s.freq == freq}
    return Panel(source, id_col, time_col, target_col, freq, series, notes)


def panel_of_long_frame(source: str, frame: pd.DataFrame, freq: str) -> Panel:
    """The panel `Panel.long_frame` wrote (columns id, time, target), as it was read: no reading rules again."""
    id_col, time_col, target_col = map(str, frame.columns[:3])
    series = {str(key): Series(source, pd.DatetimeIndex(rows[time_col].to_numpy()),
                               rows[[target_col]].to_numpy(np.float32), [target_col], freq, time_col)
              for key, rows in frame.groupby(id_col, sort=False)}
    return Panel(source, id_col, time_col, target_col, freq, series)
