"""Reading the UCR archive's own `.tsv` format (the 2018 archive as it is downloaded), and the choice of
reader by a series file's suffix.

    1	-1.96	-1.95	-1.93	...
    2	0.31	0.35	NaN	NaN

One case a line: its class label, then its values, tab-separated (a comma-separated line is read too).
The archive pads shorter series with NaN at the end, so trailing NaN (or empty fields) end a series and a
NaN inside it is a missing value, as `.ts` marks one. Every series is univariate. The classes are the labels
found, in numeric order when every label is a number, else in text order. The result is the `TsFile` that
`read_ts` returns, so the tasks read either format the same way.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from rnnkit.data.ts_format import TsFile, TsHeader, read_ts, text_lines
from rnnkit.errors import UserError


def read_series_file(path: str | Path) -> TsFile:
    """A series file by its suffix: the UCR `.tsv`, else `.ts`; an `.arff` file is refused in one line."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".arff":
        raise UserError(f"{path}: ARFF files are not read; give the problem's .ts file (UCR/UEA, as aeon and "
                        "sktime write it) or its UCR .tsv file")
    return read_ucr_tsv(path) if suffix == ".tsv" else read_ts(path)


def read_ucr_tsv(path: str | Path) -> TsFile:
    """A UCR `.tsv` file's cases and labels (module docstring); a one-line UserError naming the line for any
    mistake."""
    path = Path(path)
    series, labels, rows = [], [], []
    for i, line in enumerate(text_lines(path, ".tsv")):
        if not line.strip():
            continue
        fields = [f.strip() for f in line.split("\t" if "\t" in line else ",")]
        values = _values(f"{path}: line {i + 1}", fields[1:])
        series.append(values.reshape(-1, 1))
        labels.append(fields[0])
        rows.append(i + 1)
    if not series:
        raise UserError(f"{path}: no series (expected one a line: the class label, then the values, tab-separated)")
    lengths = {len(s) for s in series}
    header = TsHeader(problem_name=path.stem, missing=any(np.isnan(s).any() for s in series), dimensions=1,
                      equal_length=len(lengths) == 1, series_length=lengths.pop() if len(lengths) == 1 else None,
                      class_labels=_class_order(set(labels)))
    return TsFile(path, header, series, np.array(labels, dtype=str), rows)


def _values(where: str, fields: list[str]) -> np.ndarray:
    """A case's values, trailing NaN padding removed."""
    try:
        values = np.array([float(f) if f else np.nan for f in fields], dtype=np.float64)
    except ValueError:
        bad = next(f for f in fields if f and not _is_number(f))
        raise UserError(f"{where}: {bad!r} is not a number (expected the class label, then numbers)") from None
    if np.isinf(values).any():
        raise UserError(f"{where}: an infinite value (expected finite numbers, NaN for a missing one)")
    observed = np.flatnonzero(~np.isnan(values))
    if not observed.size:
        raise UserError(f"{where}: a case with no values (expected the class label, then numbers)")
    return values[:observed[-1] + 1].astype(np.float32)


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
