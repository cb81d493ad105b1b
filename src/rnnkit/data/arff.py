"""Reading the UCR/UEA archive's ARFF series files (Weka's format, which timeseriesclassification.com offers
beside `.ts`), univariate and multivariate, into the `TsFile` that `read_ts` returns.

    @relation GunPoint                         univariate: one numeric attribute per time step,
    @attribute att0 numeric                    then the class as a nominal attribute
    ...
    @attribute target {1,2}
    @data
    -0.64,-0.64,...,-0.63,1

    @relation 'BasicMotions'                   multivariate: one relational attribute holding the channels
    @attribute relationalAtt relational        (one line per channel, written "\\n" inside the quotes)
    @attribute att0 numeric
    ...
    @end relationalAtt
    @attribute activity {Standing,Running,Walking,Badminton}
    @data
    '0.07,0.07,...\\n0.37,0.37,...',Standing

`?` is a missing value (NaN), and the archive pads a shorter series with `?` at its end, so trailing missing
steps end a series, as in its `.tsv`. The class is the last nominal attribute (or one named label, class or
target); a file whose classes are all `?` (Weka's instances to predict), or without a class attribute, has no
labels. scipy's ARFF reader does the parsing (a scipy error, such as a class the header does not declare, ends in
one line naming the file); this module turns its records into cases.
"""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from rnnkit.data.ts_format import TsFile, TsHeader, text_lines
from rnnkit.errors import UserError

LABEL_NAMES = ("label", "class", "target")
LAYOUT = ("expected ARFF as the UCR/UEA archive writes it: one numeric attribute per time step, or one relational "
          "attribute of channels, then the class as a nominal attribute")


def read_arff(path: str | Path) -> TsFile:
    """An ARFF file's cases and labels (module docstring); a one-line UserError for any mistake."""
    from scipy.io import arff  # only ARFF needs it: the series commands start without scipy.io

    path = Path(path)
    lines = text_lines(path, "ARFF")
    text = "\n".join(lines)
    try:
        records, meta = arff.loadarff(io.StringIO(text))
    except (ValueError, NotImplementedError, arff.ArffError) as err:
        raise UserError(f"{path}: not read as ARFF: {err} ({LAYOUT})") from None
    names, kinds = meta.names(), meta.types()
    label_at = _label_attribute(names, kinds)
    values = [i for i in range(len(names)) if i != label_at]
    if not values:
        raise UserError(f"{path}: no attribute holds a time step ({LAYOUT})")
    relational = any(kinds[i] == "relational" for i in values)
    odd = [f"{names[i]!r} ({kinds[i]})" for i in values if kinds[i] not in ("numeric", "relational")]
    if odd:
        raise UserError(f"{path}: attribute {odd[0]} is neither a time step nor the class ({LAYOUT})")
    if relational and len(values) > 1:
        raise UserError(f"{path}: a relational attribute beside other values ({LAYOUT})")
    rows = _data_lines(lines, len(records))
    series = []
    for record, row in zip(records, rows):
        case = _channels(record[values[0]]) if relational else np.array([[record[i] for i in values]], float)
        series.append(_trimmed(f"{path}: line {row}", case.T))
    if not series:
        raise UserError(f"{path}: no cases under @data")
    labels, classes = _labels(path, records, meta, names, label_at, rows)
    lengths = {len(s) for s in series}
    header = TsHeader(problem_name=meta.name.strip("'\""), missing=any(np.isnan(s).any() for s in series),
                      univariate=series[0].shape[1] == 1, dimensions=series[0].shape[1],
                      equal_length=len(lengths) == 1, series_length=lengths.pop() if len(lengths) == 1 else None,
                      class_labels=classes)
    return TsFile(path, header, series, labels, rows)


def _label_attribute(names: list[str], kinds: list[str]) -> int | None:
    """The class attribute: one named label, class or target, else the last nominal one, else none."""
    named = [i for i, n in enumerate(names) if n.lower() in LABEL_NAMES and kinds[i] != "relational"]
    nominal = [i for i, kind in enumerate(kinds) if kind == "nominal"]
    return named[-1] if named else nominal[-1] if nominal else None


def _data_lines(lines: list[str], count: int) -> list[int]:
    """The 1-based line of each case: the lines after @data that are neither blank nor comments (scipy's reader
    skips the same), or the cases' numbers where they do not match (a case written over several lines)."""
    at = next((i for i, line in enumerate(lines) if line.strip().lower().startswith("@data")), len(lines))
    rows = [i + 1 for i in range(at + 1, len(lines)) if lines[i].strip() and not lines[i].lstrip().startswith("%")]
    return rows if len(rows) == count else list(range(1, count + 1))


def _channels(value: np.ndarray) -> np.ndarray:
    """A relational value (one record per channel, one field per time step) as a (C, T) array."""
    return np.array(value.tolist(), dtype=np.float64).reshape(len(value), -1)


def _trimmed(where: str, case: np.ndarray) -> np.ndarray:
    """A (T, C) case without the missing steps that pad it at the end."""
    if np.isinf(case).any():
        raise UserError(f"{where}: an infinite value (expected finite numbers, ? for a missing one)")
    observed = np.flatnonzero(~np.isnan(case).all(axis=1))
    if not observed.size:
        raise UserError(f"{where}: a case with no values ({LAYOUT})")
    return case[:observed[-1] + 1].astype(np.float32)


def _labels(path: Path, records, meta, names: list[str], label_at: int | None, rows: list[int]):
    """The cases' labels as str and the classes the header declares; (None, None) without a class attribute or
    where every case's class is `?` (instances to predict)."""
    if label_at is None:
        return None, None
    column = records[names[label_at]]
    labels = [v.decode() if isinstance(v, bytes) else v for v in column.tolist()]
    if meta.types()[label_at] == "numeric":  # a class attribute written as numbers: whole ones are classes
        if any(not np.isfinite(v) or not float(v).is_integer() for v in labels):
            raise UserError(f"{path}: attribute {names[label_at]!r} holds numbers that are not whole classes "
                            f"({LAYOUT})")
        labels = [str(int(v)) for v in labels]
        declared = sorted(set(labels), key=int)
    else:
        declared = list(meta[names[label_at]][1])
    missing = [row for row, label in zip(rows, labels) if label == "?"]
    if len(missing) == len(labels):
        return None, None
    if missing:
        raise UserError(f"{path}: line {missing[0]}: class ? (missing); every case needs its class, or none does "
                        "(instances to predict)")
    return np.array(labels, dtype=str), declared
