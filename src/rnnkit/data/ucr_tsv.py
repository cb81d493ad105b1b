"""Reading series tables, one case a line: the UCR archive's own `.tsv` format (the 2018 archive as it is
downloaded), the same as `.csv` or `.txt` (comma- or space-separated, as the 2015 archive and many users write
it), and the choice of reader by a series file's suffix.

    1	-1.96	-1.95	-1.93	...
    2	0.31	0.35	NaN	NaN

One case a line: its class label, then its values, tab-separated (a comma- or space-separated line is read too).
A first line of column names is read as a header: its column named label, class or target (any case) holds the
labels, else a first column of words does, else the file has no labels (series to predict); an unnamed first
column (the row numbers pandas' `to_csv` writes) is left out. Without a header the labels are first, or last
where the first column cannot be labels and the last can (`_label_last`). The archive pads shorter series with
NaN at the end, so trailing NaN (or empty fields) end a series and a NaN inside it is a missing value, as `.ts`
marks one. Every series is univariate. The classes are the labels found (whole numbers written as floats, the 2015
archive's 1.0000000e+00, read as 1), in numeric order when every label is a number, else in text order. A header
naming a case column (id, series_id, case...) whose values repeat is a table in long format, one reading a row
(id, time, value(s), label), each case its rows in time order and each other column a channel, or each value of a
channel column one (sktime's case_id, dim_id, reading_id, value); where the ids do not repeat the id column is no
value. A file of no known suffix (the 2015 archive's GunPoint_TRAIN) is a table unless it opens as a .ts does.
The result is the `TsFile` that `read_ts` returns, so the tasks read either format the same way.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from rnnkit.data.arff import read_arff
from rnnkit.data.readers import is_code
from rnnkit.data.ts_format import TsFile, TsHeader, read_ts, text_lines
from rnnkit.errors import UserError

TABLE_SUFFIXES = (".tsv", ".csv", ".txt")
LABEL_NAMES = ("label", "class", "target")
INDEX_NAMES = ("", "unnamed: 0")


def read_series_file(path: str | Path) -> TsFile:
    """A series file by its suffix: a table of cases (`.tsv`, `.csv`, `.txt`, or no known suffix and no `.ts`
    header), the archive's ARFF (`.arff`), else `.ts`."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".arff":
        return read_arff(path)
    table = suffix in TABLE_SUFFIXES or suffix != ".ts" and _opens_as_table(path)
    return read_ucr_tsv(path) if table else read_ts(path)


def _opens_as_table(path: Path) -> bool:
    """Whether a file of no known suffix opens as a table does: its first line no `@` header or `#` comment. The UCR
    archive of 2015 has no suffix at all (GunPoint/GunPoint_TRAIN: the label, then the values, comma-separated), and
    such a file was read as a .ts: "line 1: data before the @data line" (probes6)."""
    if not path.is_file():
        return False
    with path.open("rb") as handle:
        head = handle.read(4096).decode("utf-8", errors="replace").lstrip("\ufeff")
    first = next((line.strip() for line in head.splitlines() if line.strip()), "")
    return not first.startswith(("@", "#", "%"))


def read_ucr_tsv(path: str | Path) -> TsFile:
    """A table of cases' series and labels (module docstring); a one-line UserError naming the line for any
    mistake."""
    path = Path(path)
    lines = text_lines(path, path.suffix.lower() or "series")
    label_at, skip, header_line = 0, (), None
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and _is_header(fields := _fields(lines[first])):
        names = [f.strip('"').lower() for f in fields]
        skip = (0,) if names[0] in INDEX_NAMES else ()
        header_line = first
        case_at = next((i for i, n in enumerate(names) if n in ID_NAMES), None)
        if case_at is not None and _repeats(lines, first, case_at):
            return _read_long(path, lines, first, names, case_at)
        if case_at is not None:  # one case a row: its id is no value
            skip = tuple(sorted({*skip, case_at}))
        label_at = next((i for i, n in enumerate(names) if n in LABEL_NAMES), None)
        if label_at is None and not _numbers_under(lines, header_line, len(skip)):
            label_at = len(skip)  # an unnamed column of words: the labels
    elif first is not None and _label_last(lines):
        label_at = len(_fields(lines[first])) - 1
    series, labels, rows = [], [], []
    for i, line in enumerate(lines):
        if not line.strip() or i == header_line:
            continue
        fields = _fields(line)
        where = f"{path}: line {i + 1}"
        if label_at is not None and len(fields) <= label_at:
            raise UserError(f"{where}: {len(fields)} fields; expected the class label in field {label_at + 1}")
        values = _values(where, [f for k, f in enumerate(fields) if k != label_at and k not in skip], fields)
        series.append(values.reshape(-1, 1))
        if label_at is not None:
            labels.append(fields[label_at].strip('"'))
        rows.append(i + 1)
    if not series:
        raise UserError(f"{path}: no series (expected one a line: the class label, then the values, tab-separated)")
    labels = _whole(labels)
    lengths = {len(s) for s in series}
    header = TsHeader(problem_name=path.stem, missing=any(np.isnan(s).any() for s in series), dimensions=1,
                      equal_length=len(lengths) == 1, series_length=lengths.pop() if len(lengths) == 1 else None,
                      class_labels=_class_order(set(labels)) if label_at is not None else None)
    return TsFile(path, header, series, np.array(labels, dtype=str) if label_at is not None else None, rows)


ID_NAMES = ("id", "series_id", "case", "case_id", "sample", "sample_id", "unique_id", "instance", "instance_id")
STEP_NAMES = ("time", "t", "step", "timestep", "time_step", "timestamp", "index", "tick", "reading_id", "reading")
DIM_NAMES = ("dim_id", "dim", "dimension", "channel", "channel_id", "variable", "var_id")
"""A table in long format, one row a reading (how pandas users and Kaggle's sensor data keep series): the column
that names the case, the one that orders its readings, and the one that names the reading's channel (sktime's
and aeon's long format: case_id, dim_id, reading_id, value; pandas' melt: variable, value)"""


def _repeats(lines: list[str], header_line: int, column: int) -> bool:
    """Whether `column`'s values repeat in the first rows under the header (a case's readings, in long format)."""
    rows = [_fields(line) for line in lines[header_line + 1:header_line + 201] if line.strip()]
    ids = [r[column] for r in rows if len(r) > column]
    return len(set(ids)) < len(ids)


def _read_long(path: Path, lines: list[str], header_line: int, names: list[str], case_at: int) -> TsFile:
    """A table in long format (`ID_NAMES`: id, time, value(s), label): each case's rows in their time column's
    order (else the file's), one channel per other column, or per value of a channel column (`DIM_NAMES`). It was
    read as one case a row: 7,500 "series" of 3 values from GunPoint's 50 (probes4: cs_long.csv); sktime's
    dim_id and reading_id were read as two more channels of every reading (probes6: cs_sktime_long.csv)."""
    label_at = next((i for i, n in enumerate(names) if n in LABEL_NAMES), None)
    step_at = next((i for i, n in enumerate(names) if n in STEP_NAMES and i != case_at), None)
    dim_at = next((i for i, n in enumerate(names) if n in DIM_NAMES and i != case_at), None)
    channels = [i for i in range(len(names)) if i not in (case_at, label_at, step_at, dim_at)]
    cases: dict[str, list] = {}
    for i, line in enumerate(lines):
        if i <= header_line or not line.strip():
            continue
        fields = _fields(line)
        where = f"{path}: line {i + 1}"
        if len(fields) != len(names):
            raise UserError(f"{where}: {len(fields)} fields; expected {len(names)}, as the header names")
        case = cases.setdefault(fields[case_at], [i + 1, {}, None])
        label = fields[label_at].strip('"') if label_at is not None else None
        if case[2] is not None and label != case[2]:
            raise UserError(f"{where}: {names[label_at]} {label!r} for {names[case_at]} {fields[case_at]!r}, labelled "
                            f"{case[2]!r} on line {case[0]}; expected one label a case")
        case[2] = label
        values, steps = case[1].setdefault(fields[dim_at] if dim_at is not None else None, ([], []))
        values.append(_reading(where, [fields[k] for k in channels], [names[k] for k in channels]))
        steps.append(float(fields[step_at]) if step_at is not None and _is_number(fields[step_at]) else len(steps))
    if not cases:
        raise UserError(f"{path}: no readings under the header")
    dims = list(dict.fromkeys(dim for _, by_dim, _ in cases.values() for dim in by_dim))
    series = [_case_series(by_dim, dims) for _, by_dim, _ in cases.values()]
    labels = [label for *_, label in cases.values()]
    if label_at is not None:
        labels = _whole(labels)
    lengths = {len(x) for x in series}
    width = series[0].shape[1]
    header = TsHeader(problem_name=path.stem, missing=any(np.isnan(x).any() for x in series), dimensions=width,
                      univariate=width == 1, equal_length=len(lengths) == 1,
                      series_length=lengths.pop() if len(lengths) == 1 else None,
                      class_labels=_class_order(set(labels)) if label_at is not None else None)
    return TsFile(path, header, series, np.array(labels, dtype=str) if label_at is not None else None,
                  [first for first, *_ in cases.values()])


def _case_series(by_dim: dict, dims: list) -> np.ndarray:
    """(T, channels) float32 of one case of a long table: each channel's readings in step order, side by side (a
    channel column's values in `dims`' order, each its value columns), NaN where a channel has fewer readings."""
    parts = [np.stack(by_dim[dim][0])[np.argsort(by_dim[dim][1], kind="stable")] if dim in by_dim else None
             for dim in dims]
    width = next(p.shape[1] for p in parts if p is not None)
    steps = max(len(p) for p in parts if p is not None)
    out = np.full((steps, width * len(dims)), np.nan)
    for k, part in enumerate(parts):
        if part is not None:
            out[:len(part), k * width:(k + 1) * width] = part
    return out.astype(np.float32)


def _reading(where: str, fields: list[str], names: list[str]) -> np.ndarray:
    """One reading of a long table: a number (empty or NaN: missing) per channel."""
    for field, name in zip(fields, names):
        if field and not _is_number(field):
            raise UserError(f"{where}: column {name!r}: {field!r} is not a number (a column of class labels is "
                            f"named {', '.join(LABEL_NAMES)})")
    values = np.array([float(f) if f else np.nan for f in fields], dtype=np.float64)
    if np.isinf(values).any():
        raise UserError(f"{where}: an infinite value (expected finite numbers, NaN for a missing one)")
    return values


def _fields(line: str) -> list[str]:
    """A line's fields: tab-separated, else semicolon-separated (Excel's CSV where the comma is the decimal mark:
    `0,5` is 0.5), else comma-separated, else separated by spaces. A `;` file was split at its spaces: "line 1:
    a case with no values" (probes5: cs_semicolon.csv)."""
    if "\t" not in line and ";" in line:
        return [_DECIMAL_COMMA.sub(r"\1.\2", f.strip()) for f in line.split(";")]
    separator = "\t" if "\t" in line else "," if "," in line else None
    return [f.strip() for f in line.split(separator)] if separator else line.split()


_DECIMAL_COMMA = re.compile(r"^([+-]?\d*),(\d+(?:[eE][+-]?\d+)?)$")


def _numbers_under(lines: list[str], header_line: int, column: int) -> bool:
    """Whether `column` holds numbers in the first data lines under the header."""
    rows = [_fields(line) for line in lines[header_line + 1:header_line + 21] if line.strip()]
    return all(len(r) > column and (not r[column] or _is_number(r[column])) for r in rows)


def _label_last(lines: list[str]) -> bool:
    """Whether a table without a header holds its labels last: its first column cannot be them (a number with a
    fraction: 0.98) and its last column can (whole numbers, 1.0 as pandas writes them, at most one a row in two),
    in every row of one length, as Kaggle's heartbeat CSVs have them. The first column was read as the labels
    and refused as a score."""
    rows = [_fields(line) for line in lines if line.strip()]
    whole = [_is_number(row[-1]) and float(row[-1]).is_integer() for row in rows]
    return (len({len(row) for row in rows}) == 1 and len(rows[0]) > 2 and all(whole)
            and len({float(row[-1]) for row in rows}) <= max(2, len(rows) // 2)
            and any(_is_number(row[0]) and not float(row[0]).is_integer() for row in rows))


def _is_header(fields: list[str]) -> bool:
    """A line of column names: one is named label, class or target, or most are not numbers."""
    names = [f.strip('"').lower() for f in fields]
    return any(n in LABEL_NAMES for n in names) or sum(not _is_number(f) for f in fields[1:]) > (len(fields) - 1) / 2


def _values(where: str, fields: list[str], line: list[str]) -> np.ndarray:
    """A case's values (`fields`, of the whole `line`), trailing NaN padding removed."""
    try:
        values = np.array([float(f) if f else np.nan for f in fields], dtype=np.float64)
    except ValueError:
        bad = next(f for f in fields if f and not _is_number(f))
        last = bad == fields[-1] and _is_number(line[0]) and all(not f or _is_number(f) for f in fields[:-1])
        hint = ("; a label in the last column is read when a first line of column names calls it label, class "
                "or target" if last else "")
        raise UserError(f"{where}: {bad!r} is not a number (expected the class label, then numbers{hint})") from None
    if np.isinf(values).any():
        raise UserError(f"{where}: an infinite value (expected finite numbers, NaN for a missing one)")
    observed = np.flatnonzero(~np.isnan(values))
    if not observed.size:
        raise UserError(f"{where}: a case with no values (expected the class label, then numbers)")
    return values[:observed[-1] + 1].astype(np.float32)


def _whole(labels: list[str]) -> list[str]:
    """Labels that are all whole numbers written as such (the 2015 archive's 1.0000000e+00 is class 1), unless one is
    a code written with a leading zero (01, 05: kept as written, as classify keeps them)."""
    if all(_is_number(label) and float(label).is_integer() for label in labels) and \
            not any(map(is_code, labels)):
        return [str(int(float(label))) for label in labels]
    return labels


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _class_order(labels: set[str]) -> list[str]:
    if all(_is_number(label) for label in labels):
        return sorted(labels, key=float)
    return sorted(labels)
