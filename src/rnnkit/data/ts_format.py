"""Reading the UCR/UEA time-series archive's `.ts` format (sktime/aeon's), the one file format of the
series classification benchmarks.

    # comments (also "%", ARFF's mark, which some of the archive's files keep)
    @problemName GunPoint
    @timeStamps false          (true: each value is "(time,value)"; the times are read and dropped)
    @missing false             ("?" or NaN marks a missing value; read as NaN either way)
    @univariate true
    @dimensions 1              (channels; optional)
    @equalLength true
    @seriesLength 150          (optional)
    @classLabel true 1 2       (the labels a case may carry; false: no label field)
    @data
    -0.64,-0.64,-0.63,...:1    one case per line: channels separated by ':', values by ',', label last

`read_ts(path)` returns a `TsFile`: one (T_i, C) float32 array per case (time first, as the recurrent
layers read it; aeon keeps (C, T)), the labels as the file spells them, and the header. Unequal
lengths are kept as they are; `pad_series` post-pads them into one array with their lengths.

Every mistake is a `UserError` naming the file and line: a missing @data line, a malformed header
value, a case whose channel count differs from the first case's (or from @dimensions / @univariate),
channels of one case with different lengths, a length other than @seriesLength under @equalLength
true, a label not declared by @classLabel, a value that is not a number.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rnnkit.data.readers import no_file, read_text
from rnnkit.errors import UserError

BOOLEAN_TAGS = ("timestamps", "missing", "univariate", "equallength", "classlabel", "targetlabel")
_TIMESTAMPED = re.compile(r"\(([^()]*)\)")

COMMENT_MARKS = ("#", "%")  # "%": the ARFF files the archive's .ts files were made from (aeon's UnitTest)


@dataclass
class TsHeader:
    """The header tags of a .ts file (tags a file leaves out keep these defaults, as in aeon)."""

    problem_name: str = ""
    timestamps: bool = False
    missing: bool = False
    univariate: bool = True
    dimensions: int | None = None
    equal_length: bool = True
    series_length: int | None = None
    class_labels: list[str] | None = None  # None: @classLabel false (no label field)
    target_label: bool = False  # a regression file: the last field is a number


@dataclass
class TsFile:
    path: Path
    header: TsHeader
    series: list[np.ndarray]  # one (T_i, C) float32 per case, NaN where missing
    labels: np.ndarray | None  # (N,) str (class labels) or float64 (@targetLabel), None without
    lines: list[int] = field(default_factory=list)  # 1-based line of each case, for messages

    def __len__(self) -> int:
        return len(self.series)

    @property
    def channels(self) -> int:
        return self.series[0].shape[1]

    @property
    def lengths(self) -> np.ndarray:
        return np.array([len(s) for s in self.series], dtype=np.int64)


def pad_series(series: list[np.ndarray], value: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Cases (T_i, C) -> (padded (N, max T, C) float32, post-padded with `value`, lengths (N,) int64)."""
    lengths = np.array([len(s) for s in series], dtype=np.int64)
    out = np.full((len(series), int(lengths.max(initial=0)), series[0].shape[1]), value, dtype=np.float32)
    for i, s in enumerate(series):
        out[i, : len(s)] = s
    return out, lengths


def _flag(where: str, tag: str, tokens: list[str]) -> bool:
    if len(tokens) < 2 or tokens[1].lower() not in ("true", "false"):
        raise UserError(f"{where}: @{tag} must be followed by true or false")
    return tokens[1].lower() == "true"


def _count(where: str, tag: str, tokens: list[str]) -> int:
    if len(tokens) != 2 or not tokens[1].isdigit() or int(tokens[1]) < 1:
        raise UserError(f"{where}: @{tag} must be followed by a positive whole number")
    return int(tokens[1])


def _read_header(path: Path, lines: list[str]) -> tuple[TsHeader, int]:
    """The header and the index of the first line after @data."""
    header = TsHeader()
    for i, raw in enumerate(lines):
        line = raw.strip()
        if not line or line.startswith(COMMENT_MARKS):
            continue
        where = f"{path}: line {i + 1}"
        if not line.startswith("@"):
            raise UserError(f"{where}: data before the @data line (the header must end with @data)")
        tokens = line.split()
        tag = tokens[0][1:].lower()
        if tag == "data":
            if len(tokens) > 1:
                raise UserError(f"{where}: @data takes no value; the series start on the next line")
            return header, i + 1
        if tag == "problemname":
            header.problem_name = " ".join(tokens[1:])
        elif tag == "classlabel":
            header.class_labels = tokens[2:] if _flag(where, tag, tokens) else None
            if header.class_labels == []:
                raise UserError(f"{where}: @classLabel true must list the class labels")
        elif tag in BOOLEAN_TAGS:
            attribute = {"timestamps": "timestamps", "equallength": "equal_length",
                         "targetlabel": "target_label"}.get(tag, tag)
            setattr(header, attribute, _flag(where, tag, tokens))
        elif tag in ("dimensions", "serieslength"):
            setattr(header, "dimensions" if tag == "dimensions" else "series_length", _count(where, tag, tokens))
        # other tags (e.g. @regression) are ignored, as aeon ignores them
    raise UserError(f"{path}: no @data line; the header must end with a line '@data' before the series")


def _numbers(where: str, text: str) -> np.ndarray:
    tokens = text.split(",")
    try:
        values = np.array([t if t.strip() != "?" else "nan" for t in tokens], dtype=np.float64)
    except ValueError:
        bad = next(t for t in tokens if t.strip() != "?" and not _is_number(t))
        raise UserError(f"{where}: {bad.strip()!r} is not a number (expected comma-separated numbers, "
                        "'?' for a missing value)") from None
    if np.isinf(values).any():  # it would overflow the scaling into garbage rather than fail
        bad = tokens[int(np.flatnonzero(np.isinf(values))[0])]
        raise UserError(f"{where}: {bad.strip()!r} is not a finite number (expected comma-separated finite "
                        "numbers, '?' for a missing value)")
    return values


def _is_number(token: str) -> bool:
    try:
        float(token)
        return True
    except ValueError:
        return False


def _split_case(header: TsHeader, line: str, has_target: bool) -> tuple[list[str], str | None]:
    """A data line -> (one value string per channel, the label field or None)."""
    if not header.timestamps:
        fields = line.split(":")
        return (fields[:-1], fields[-1].strip()) if has_target else (fields, None)
    # "(t,v),(t,v):(t,v),...:label": times may hold ':' themselves, so channels end at "):"
    fields = line.split("):")
    label = fields.pop().strip() if has_target else None
    if not has_target:
        fields[-1] = fields[-1].rstrip(")")
    channels = [",".join(m.rsplit(",", 1)[-1] for m in _TIMESTAMPED.findall(f + ")")) for f in fields]
    return channels, label


def text_lines(path: Path, kind: str) -> list[str]:
    """The lines of a UTF-8 series file (or one whose byte order mark says UTF-16); a missing file or bad bytes
    end in one line."""
    if not path.is_file():
        raise no_file(path, f"{kind} file")
    try:
        return read_text(path, "utf-8").splitlines()
    except UnicodeDecodeError as err:
        raise UserError(f"{path}: byte offset {err.start}: not valid UTF-8 text") from None


def read_ts(path: str | Path) -> TsFile:
    """A .ts file's cases, labels and header; a one-line UserError naming the line for any mistake."""
    path = Path(path)
    lines = text_lines(path, ".ts")
    header, start = _read_header(path, lines)
    has_target = header.class_labels is not None or header.target_label
    known = set(header.class_labels or ())
    series, labels, rows = [], [], []
    for i in range(start, len(lines)):
        line = lines[i].strip()
        if not line or line.startswith(COMMENT_MARKS):
            continue
        where = f"{path}: line {i + 1}"
        channels, label = _split_case(header, line, has_target)
        expected = (header.dimensions or (1 if header.univariate else None)
                    or (series[0].shape[1] if series else None))
        if expected is not None and len(channels) != expected:
            source = ("@dimensions" if header.dimensions else "@univariate true" if header.univariate
                      else f"the first case (line {rows[0]})")
            raise UserError(f"{where}: {len(channels)} dimension(s), expected {expected} as {source} says "
                            "(channels are separated by ':'" + (", the class label comes last)" if has_target else ")"))
        values = [_numbers(where, c) for c in channels]
        length = len(values[0])
        if any(len(v) != length for v in values):
            raise UserError(f"{where}: its channels have different lengths ({', '.join(str(len(v)) for v in values)}); "
                            "the channels of one case must have the same length")
        if header.equal_length:
            wanted = header.series_length or (len(series[0]) if series else length)
            if length != wanted:
                source = "@seriesLength" if header.series_length else f"the first case (line {rows[0]})"
                raise UserError(f"{where}: {length} time points, expected {wanted} as {source} says "
                                "(or set @equalLength false)")
        if header.class_labels is not None and label not in known:
            raise UserError(f"{where}: class label {label!r} is not one of @classLabel's: "
                            f"{' '.join(header.class_labels)}")
        if header.target_label:
            label = _numbers(where, label)[0]
        series.append(np.stack(values, axis=1).astype(np.float32))  # (T, C)
        labels.append(label)
        rows.append(i + 1)
    if not series:
        raise UserError(f"{path}: no series after the @data line")
    y = None if not has_target else np.array(labels, dtype=np.float64 if header.target_label else str)
    return TsFile(path, header, series, y, rows)
