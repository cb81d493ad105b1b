"""Reading the user's own labelled texts: CSV, TSV, JSON Lines and Parquet, through pandas/pyarrow.

`read_texts(path, text_col, label_col)` returns the texts (a JSON Lines or Parquet list of tokens joined
by spaces), the raw labels and the 1-based data row of each (the row a user finds in a spreadsheet: the
first row after the header is row 1; in JSON Lines the line number). `LabelMap` turns labels (strings or
integers) into ids 0..K-1 and back and is saved next to a model as JSON. A file that opens with a byte order
mark is read in the encoding it names (`file_encoding`: UTF-16 as Excel's "Unicode Text" saves it), in every
family; a `.txt` file whose first line holds a tab is a TSV, one whose first line starts `__label__` is in
fastText's format.

Every mistake in a file is a `UserError` with one line naming the file, the row and the column, and
saying what was expected: a missing file or column (with the columns that do exist), an empty file,
an empty text, a row with more or fewer fields than the header, an empty or missing label (NaN,
NA, null: never a class of its own), a list of labels (multi-label: not supported), bytes that are not
valid in the encoding (with line and byte offset), malformed JSON, a label the model never saw.
"""

from __future__ import annotations

import bz2
import codecs
import csv
import gzip
import io
import json
import lzma
import os
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from rnnkit.atomic import write_json
from rnnkit.errors import UserError

FORMATS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json",
           ".parquet": "parquet", ".pq": "parquet"}
SPREADSHEETS = (".xlsx", ".xls", ".xlsm", ".ods", ".numbers")
FASTTEXT_LABEL = "__label__"
"""How fastText's training files start each line: `__label__sports The match ...` (no suffix of their own)"""
_WHOLE_NUMBER = re.compile(r"[+-]?\d+(\.0*)?")
_ZERO_LED = re.compile(r"0\d+")  # a code, not a number: 01, 007
MISSING_WORDS = frozenset(("nan", "na", "n/a", "#n/a", "null", "none", "<na>"))
"""Label cells that mean "no value" (how pandas, R and spreadsheets write a missing one), never a class."""


@dataclass
class TextTable:
    """Texts (and labels, None without a label column) read from one file."""

    path: Path
    texts: list[str]
    labels: list | None
    rows: list[int]  # 1-based data row of each text, for error messages
    text_col: str
    label_col: str | None
    notes: list[str] = field(default_factory=list)  # how columns not named by the user were found

    def __len__(self) -> int:
        return len(self.texts)


def encoding_name(encoding: str) -> str:
    """How an error message writes an encoding: UTF-8 (any spelling of it), else as given."""
    return "UTF-8" if encoding.lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig") else encoding


NUMPY_ADVICE = ("write the arrays out as text (numpy.savetxt: one case or record a row), or train on an .npz with "
                "rnnkit train arrays")
BINARY_KINDS = ((b"\x93NUMPY", "a NumPy array (.npy)", NUMPY_ADVICE),
                (b"\x1f\x8b", "a gzip-compressed file", "decompress it first (gunzip -k FILE)"),
                (b"BZh", "a bzip2-compressed file", "decompress it first (bunzip2 -k FILE)"),
                (b"\xfd7zXZ\x00", "an xz-compressed file", "decompress it first (unxz -k FILE)"),
                (b"\x28\xb5\x2f\xfd", "a zstd-compressed file", "decompress it first (unzstd FILE)"),
                (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", "unpack it and give the text file inside"),
                (b"PK\x03\x04", "a zip archive (a .xlsx or .docx file is one too)",
                 "unpack it, or save the document or sheet as text (.txt, .csv)"),
                (b"\xd0\xcf\x11\xe0", "an old Office document (.xls, .doc)", "save it as text (.txt, .csv)"),
                (b"%PDF", "a PDF document", "give its text (pdftotext FILE)"),
                (b"\x89PNG", "a PNG image", "give a text file"), (b"\xff\xd8\xff", "a JPEG image", "give a text file"),
                (b"GIF8", "a GIF image", "give a text file"), (b"PAR1", "a Parquet table", "name it .parquet"),
                (b"SQLite format 3\x00", "an SQLite database", "export the table as CSV"),
                (b"\x7fELF", "a program (ELF)", "give a text file"))
"""Binary files given where a text was expected, by their first bytes: the decoding error's advice (--encoding
latin-1) would read any of them as text"""


def refuse_binary(path: Path, head: bytes) -> None:
    """A one-line UserError where a file that did not decode starts as a binary file (`BINARY_KINDS`; an .npz
    named as NumPy's, not as a zip to unpack), or holds NUL bytes, which no text in a single-byte encoding or UTF-8
    does (a .npy was told so, with the advice of UTF-16 without its byte order mark)."""
    kind = next(((what, how) for magic, what, how in BINARY_KINDS if head.startswith(magic)), None)
    if path.suffix.lower() == ".npz" and head.startswith(b"PK\x03\x04"):  # a zip, but not one to unpack
        kind = ("a NumPy archive (.npz)", NUMPY_ADVICE)
    if kind is None and b"\x00" in head:
        kind = ("a binary file (NUL bytes in its first kilobytes)",
                "give a text file (UTF-16 text without its byte order mark: --encoding utf-16-le)")
    if kind is not None:
        raise UserError(f"{path}: {kind[0]}, not text; {kind[1].replace('FILE', path.name)}")


def encoding_advice(encoding: str) -> str:
    """How an error about undecodable bytes ends: what the user can do."""
    return f"save the file as {encoding} or give its encoding (--encoding latin-1, cp1252, ...)"


COMPRESSIONS = {".gz": gzip, ".bz2": bz2, ".xz": lzma}
"""A table compressed whole, as pandas' to_csv(compression=...) writes it and Kaggle ships it (train.csv.gz): read
through the module that reads it. It was "unknown file type '.gz'"."""


def table_suffix(path: Path) -> str:
    """The suffix that says a file's format: `.csv` for `train.csv.gz` (a text table compressed whole)."""
    suffix = path.suffix.lower()
    inner = Path(path.stem).suffix.lower()
    return inner if suffix in COMPRESSIONS and FORMATS.get(inner) not in (None, "parquet") else suffix


def _decompressed(path: Path, raw: bytes) -> bytes:
    """`raw` as written before its compression (`COMPRESSIONS`, by the suffix); a damaged file is one line."""
    module = COMPRESSIONS.get(path.suffix.lower()) if table_suffix(path) != path.suffix.lower() else None
    if module is None:
        return raw
    try:
        return module.decompress(raw)
    except (OSError, EOFError, ValueError, lzma.LZMAError) as err:  # gzip's BadGzipFile is an OSError
        raise UserError(f"{path}: not a readable {module.__name__} file ({err})") from None


def column_names(columns, shown: int = 12) -> str:
    """A table's column names for a one-line error: the first and last few of a wide table, with their count. A
    series table given to a classify run listed its 152 names, t0 to t149, on the line (probes6)."""
    names = list(map(str, columns))
    if len(names) <= shown:
        return ", ".join(names)
    return f"{', '.join(names[:shown - 3])}, ..., {', '.join(names[-3:])} ({len(names)} columns)"


def no_file(path: Path, kind: str = "file") -> UserError:
    """The one-line error for a path that is no file: a folder where a file is read (it said "file not found", or
    "unknown file type '(no extension)'", of a folder that was there: probes6), else a missing file."""
    return UserError(f"{path}: a folder; expected a file" if path.is_dir() else f"{path}: {kind} not found")


def detect_format(path: Path, fmt: str | None = None) -> str:
    if fmt is not None:
        if fmt not in set(FORMATS.values()) | {"fasttext"}:
            raise UserError(f"{path}: format {fmt!r} is not one of "
                            f"{', '.join(sorted(set(FORMATS.values()) | {'fasttext'}))}")
        return fmt
    suffix = table_suffix(path)
    if suffix in SPREADSHEETS:
        raise UserError(f"{path}: a spreadsheet workbook, which is not read: save its sheet as CSV (UTF-8) and give "
                        "that file")
    first = _first_line(path) if suffix == ".txt" else ""
    if first.startswith(FASTTEXT_LABEL):
        return "fasttext"
    if "\t" in first:
        return "tsv"  # a TSV saved as .txt: Excel's "Text (Tab delimited)" and "Unicode Text" both are
    if suffix not in FORMATS:
        raise UserError(f"{path}: unknown file type {suffix or '(no extension)'!r}; expected one of "
                        f"{', '.join(sorted(FORMATS))} (or one of them .gz, .bz2, .xz), or a .txt file of "
                        "tab-separated columns")
    return FORMATS[suffix]


def is_fasttext(path: Path) -> bool:
    """Whether `path` is a .txt file in fastText's format (its first line starts `__label__`)."""
    return path.suffix.lower() == ".txt" and _first_line(path).startswith(FASTTEXT_LABEL)


def _first_line(path: Path, size: int = 1 << 16) -> str:
    """The first line of a file ('' where it cannot be read), decoded leniently: tabs and commas are ASCII in
    every encoding users save tables in, and a byte order mark says UTF-16."""
    try:
        with open(path, "rb") as f:
            head = f.read(size)
    except OSError:
        return ""
    return head.decode(file_encoding(head[:4], "utf-8"), errors="replace").split("\n", 1)[0]


# UTF-32 LE's mark starts as UTF-16 LE's does: looked for first
BYTE_ORDER_MARKS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
                    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def file_encoding(head: bytes, encoding: str) -> str:
    """The codec for a file whose first bytes are `head`, asked to be read in `encoding`: a byte order mark names
    its own (UTF-16, as Excel's "Unicode Text" and Windows' Notepad save, UTF-32, UTF-8), and is dropped; no file
    in latin-1 or cp1252 starts with the characters those bytes would be there (ï»¿, ÿþ). Else `encoding`."""
    return next((codec for mark, codec in BYTE_ORDER_MARKS if head.startswith(mark)), encoding)


def read_text(path: Path, encoding: str) -> str:
    """`path.read_text(encoding)`, but a byte order mark says the encoding (`file_encoding`) and is dropped, and a
    binary file that does not decode is named for what it is (`refuse_binary`)."""
    raw = path.read_bytes()
    try:
        return raw.decode(file_encoding(raw[:4], encoding))
    except UnicodeDecodeError:
        refuse_binary(path, raw[:4096])
        raise


def _decode(path: Path, raw: bytes, encoding: str) -> str:
    try:
        return raw.decode(file_encoding(raw[:4], encoding))
    except UnicodeDecodeError as err:
        refuse_binary(path, raw[:4096])
        line = raw[: err.start].count(b"\n") + 1
        bad = raw[err.start: err.end].hex(" ")
        raise UserError(f"{path}: line {line}, byte offset {err.start}: bytes {bad} are not valid {encoding}; "
                        f"{encoding_advice(encoding)}") from None
    except LookupError:
        raise UserError(f"{path}: unknown encoding {encoding!r}") from None


def _read_jsonl(path: Path, text: str) -> tuple[pd.DataFrame, list[int]]:
    records, rows = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise UserError(f"{path}: line {number}: not valid JSON ({err.msg} at column {err.colno})") from None
        if not isinstance(record, dict):
            raise UserError(f"{path}: line {number}: expected a JSON object, got {type(record).__name__}")
        records.append(record)
        rows.append(number)
    return pd.DataFrame.from_records(records), rows


def _read_fasttext(text: str) -> tuple[pd.DataFrame, list[int]]:
    """fastText's format as columns `text` and `label`: each line's leading `__label__X` words are its label (a
    list where there are several, which reading refuses as multi-label), the rest its text."""
    records, rows = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        words = line.split()
        if not words:
            continue
        k = next((i for i, w in enumerate(words) if not w.startswith(FASTTEXT_LABEL)), len(words))
        labels = [w[len(FASTTEXT_LABEL):] for w in words[:k]]
        records.append({"text": " ".join(words[k:]), "label": labels[0] if len(labels) == 1 else labels or None})
        rows.append(number)
    return pd.DataFrame.from_records(records, columns=["text", "label"]), rows


def _read_json(path: Path, text: str) -> tuple[pd.DataFrame, list[int]]:
    """A .json file as a table: an array of objects (one per row), an object of columns (each an array, or an
    object of row -> value as pandas' `to_json()` writes it), or an object whose one value is an array of objects
    ({"data": [...]}); JSON Lines saved as .json is read as JSON Lines. Rows are numbered from 1 in order."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        if err.msg == "Extra data":  # one object a line
            return _read_jsonl(path, text)
        raise UserError(f"{path}: line {err.lineno}: not valid JSON ({err.msg} at column {err.colno})") from None
    if isinstance(value, dict) and len(value) == 1 and isinstance(next(iter(value.values())), list):
        value = next(iter(value.values()))
    if isinstance(value, dict) and value and all(isinstance(v, (list, dict)) for v in value.values()):
        if len({len(v) for v in value.values()}) > 1:
            raise UserError(f"{path}: an object of columns of different lengths "
                            f"({', '.join(f'{k}: {len(v)}' for k, v in value.items())}); expected one value per row")
        frame = pd.DataFrame(value).reset_index(drop=True)  # columns as arrays, or as pandas writes them: row -> value
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        frame = pd.DataFrame.from_records(value)
    else:
        raise UserError(f"{path}: expected an array of objects (one per row) or an object of columns; "
                        f"found {type(value).__name__} {json.dumps(value)[:60]}")
    return frame, list(range(1, len(frame) + 1))


def read_frame(path: Path, fmt: str, encoding: str, header: bool = True) -> tuple[pd.DataFrame, list[int]]:
    """A table file of format `fmt` as a DataFrame and each row's line number in the file (for errors);
    every reader of tables (texts, pairs, series) goes through it. `header=False`: the first row is data,
    the columns are named 0, 1, ... A TSV whose quotes do not pair up (a field that starts with `"` and is
    no quoted field: a quotation mark as a text of its own, `"Hi," she said`) is read with quotes as
    plain characters, as TSV defines them, when that gives every row the header's fields."""
    if fmt == "parquet":
        import pyarrow
        import pyarrow.parquet as pq

        try:
            frame = pq.read_table(path).to_pandas()
        except (pyarrow.ArrowInvalid, OSError) as err:
            raise UserError(f"{path}: not a readable Parquet file ({str(err).splitlines()[0]})") from None
        if any(name is not None for name in frame.index.names):  # pandas' saved index (a date column): a column
            frame = frame.reset_index()
        return frame, list(range(1, len(frame) + 1))
    text = _decode(path, _decompressed(path, path.read_bytes()), encoding)
    if not text.strip():
        raise UserError(f"{path}: the file is empty; expected a header row and data rows")
    if fmt == "jsonl":
        return _read_jsonl(path, text)
    if fmt == "json":
        return _read_json(path, text)
    if fmt == "fasttext":
        return _read_fasttext(text)
    hint = _SEPARATOR_LINE.match(text)  # Excel's "sep=;" first line: the separator, then the header
    if hint:
        text = text[hint.end():]
    sep = hint.group(1) if hint else "\t" if fmt == "tsv" else _csv_separator(text)
    quoting = csv.QUOTE_NONE if fmt == "tsv" and _quotes_are_text(text) else csv.QUOTE_MINIMAL
    if quoting == csv.QUOTE_MINIMAL:
        _check_fields(path, text, sep, fmt)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, index_col=False,
                            header="infer" if header else None, quoting=quoting)
    except pd.errors.ParserError as err:
        raise UserError(f"{path}: malformed {fmt.upper()} ({str(err).strip()})") from None
    frame.attrs["separator"] = sep  # a reader of numbers takes "1.234,5" after ";" and "1,234.5" after ","
    return frame, list(range(1, len(frame) + 1))


_SEPARATOR_LINE = re.compile(r"\ufeff?sep=(.)[ \t]*\r?\n")


def _csv_separator(text: str) -> str:
    """"," or, where the header row holds semicolons and no comma (a CSV as Excel writes it where the comma is the
    decimal mark), ";"."""
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    return ";" if ";" in header and "," not in header else ","


def _rows(text: str, quoting: int) -> list[list[str]] | None:
    """The non-blank rows of a TSV read with `quoting`, or None where the csv module cannot read it."""
    try:
        return [fields for fields in csv.reader(io.StringIO(text), delimiter="\t", quoting=quoting) if fields]
    except csv.Error:
        return None


def _quotes_are_text(text: str) -> bool:
    """A TSV whose quotation marks are characters, not quoting: read as plain text every line has the header's
    fields, and read with quoting the rows differ (a `"` opened a field that swallowed line ends)."""
    if '"' not in text:
        return False
    plain = _rows(text, csv.QUOTE_NONE)
    if not plain or any(len(fields) != len(plain[0]) for fields in plain):
        return False
    quoted = _rows(text, csv.QUOTE_MINIMAL)
    return quoted is None or len(quoted) != len(plain) or any(len(f) != len(plain[0]) for f in quoted)


def _check_fields(path: Path, text: str, sep: str, fmt: str) -> None:
    """Every data row has as many fields as the header: pandas would silently take a longer first row's
    extra fields as an index (shifting every column) and pad a short row with empty cells."""
    csv.field_size_limit(2**31 - 1)  # a 10 MB cell is data, not an error
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    header, number, last_line = None, 0, 0
    try:
        for fields in reader:
            first_line, last_line = last_line + 1, reader.line_num
            if not fields:  # a blank line: pandas skips it too
                continue
            if header is None:
                header = fields
                continue
            number += 1
            if len(fields) != len(header):
                span = (f" (lines {first_line}-{last_line}: is a quote opened on line {first_line} never closed?)"
                        if last_line > first_line else "")
                raise UserError(f"{path}: row {number}: {len(fields)} field{'s' * (len(fields) != 1)}, expected "
                                f"{len(header)} (the header's columns: {', '.join(header)}){span}")
    except csv.Error as err:
        raise UserError(f"{path}: line {reader.line_num}: malformed {fmt.upper()} ({err})") from None


def is_missing(value) -> bool:
    """None or NaN: a cell pandas read as empty."""
    return value is None or (isinstance(value, float) and np.isnan(value))


TEXT_NAMES = ("text", "texts", "review", "reviews", "sentence", "sentences", "content", "tweet", "comment", "message",
              "body", "document", "doc", "description", "abstract", "utterance", "query", "question", "post", "title")
LABEL_NAMES = ("label", "labels", "class", "category", "sentiment", "target", "y", "polarity", "rating", "stars",
               "score", "topic", "intent", "tag", "emotion", "genre", "section")
"""Names of a column of texts and of labels, any case: where the one named (by default text, label) is absent"""


def unnested(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with a column of objects (every value a JSON object with the same keys) spread into a column per
    key: Hugging Face's translation files hold {"translation": {"en": ..., "fr": ...}} a line, which was "no
    column 'source'; available columns: translation"; reviews nested as {"review": {"body": ..., "title": ...}}
    were "a dict ...; expected a text" (probes6: c_nested.jsonl)."""
    for column in list(frame.columns):
        values = frame[column].tolist()
        if values and all(isinstance(v, dict) for v in values):
            keys = list(values[0])
            if all(list(v) == keys for v in values) and not set(keys) & set(map(str, frame.columns)):
                inner = pd.DataFrame(values, columns=keys, index=frame.index)
                at = list(frame.columns).index(column)
                frame = pd.concat([frame.iloc[:, :at], inner, frame.iloc[:, at + 1:]], axis=1)
    return frame


def text_columns(frame: pd.DataFrame, text_col: str, label_col: str) -> tuple[str, str, list[str]]:
    """(text column, label column, notes) of a labelled table: the ones named where the file has them or where
    they are not the defaults (text, label: a name the user gave is never replaced); else the column named as
    texts are (TEXT_NAMES: review, sentence, content...; of several, the longest texts) or, with none so named,
    the column of by far the longest texts (words with spaces, or CJK); and the column named as labels are
    (LABEL_NAMES: sentiment, category...) or, with none so named, the one other column whose values repeat (2 or
    more of them, at most one per two rows). Where nothing is found the names stay, and reading says what is
    missing."""
    columns = [c for c in frame.columns if isinstance(c, str)]
    if text_col in columns and label_col in columns or len(frame) == 0:
        return text_col, label_col, []
    mean_length = {c: frame[c].astype(str).str.len().mean() for c in columns}
    original, notes = (text_col, label_col, []), []
    if text_col == TEXT_NAMES[0] and text_col not in columns:
        named = [c for c in columns if c.strip().lower() in TEXT_NAMES and c != label_col]
        longest = sorted((c for c in columns if c != label_col and _reads_as_texts(frame[c])),
                         key=lambda c: -mean_length[c])
        found = (max(named, key=mean_length.get) if named else
                 longest[0] if len(longest) == 1 or len(longest) > 1 and mean_length[longest[0]] > 3 * mean_length[longest[1]]
                 else None)
        if found is not None:
            notes.append(f"text column {found!r} (there is no column {text_col!r}; --text-col names another)")
            text_col = found
    if label_col == LABEL_NAMES[0] and label_col not in columns:
        others = [c for c in columns if c != text_col]
        named = [c for c in others if c.strip().lower() in LABEL_NAMES]
        repeating = [c for c in others if 2 <= frame[c].astype(str).nunique() <= len(frame) // 2]
        found = named[0] if len(named) == 1 else repeating[0] if not named and len(repeating) == 1 else None
        if found is not None and found in set(frame[found].astype(str)):  # 'pos' heading a column of pos/neg: data
            return original
        if found is not None:
            notes.append(f"label column {found!r} (there is no column {label_col!r}; --label-col names another)")
            label_col = found
    # both found, or neither: a text column guessed beside a missing label would only change what the error says
    return (text_col, label_col, notes) if text_col in columns and label_col in columns else original


def _headerless(frame: pd.DataFrame, text_col: str, label_col: str | None) -> tuple[int, int] | None:
    """(text, label) positions of a two-column table without a header row: neither column is named `text_col` or
    `label_col`, one column's name is among its own values (a label: 'library' over library, command, ...) and
    the other's values are texts. Such a file was refused: "no column 'text'; available columns: <its first
    text>, library"."""
    if label_col is None or len(frame.columns) != 2 or {text_col, label_col} & set(map(str, frame.columns)):
        return None
    for label_at in (0, 1):
        name, values = str(frame.columns[label_at]), set(frame.iloc[:, label_at].astype(str).str.strip())
        if name.strip() in values and _reads_as_texts(frame.iloc[:, 1 - label_at]):
            return 1 - label_at, label_at
    return None


def _reads_as_texts(column: pd.Series) -> bool:
    """Whether most of a column's values are texts: words with spaces between them, or CJK characters."""
    values = column.dropna().astype(str)
    return len(values) > 0 and bool(values.str.contains("\\S\\s+\\S|[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]").mean() >= 0.5)


def read_texts(path: str | os.PathLike, text_col: str = "text", label_col: str | None = "label",
               fmt: str | None = None, encoding: str = "utf-8", text_option: str = "--text-col",
               only_column: bool = False, find_columns: bool = False) -> TextTable:
    """Read one file of texts (and labels when `label_col` is given); `text_option` is the command-line option
    that names the text column, for the error when a file of texts alone lacks it; `only_column`: a table without
    `text_col` is read from its one column whatever its name, or from its one column named as texts are
    (`TEXT_NAMES`; texts to predict: its header is no text, and it need not use the run's names);
    `find_columns`: default text and label columns the file lacks are looked for (`text_columns`), the table's
    `notes` say which were found."""
    path = Path(path)
    if path.is_dir() and label_col is not None:
        return read_text_folder(path, encoding)
    if path.is_dir():
        raise no_file(path)
    fmt = detect_format(path, fmt)
    if not path.is_file():
        raise no_file(path)
    if path.stat().st_size == 0:
        raise UserError(f"{path}: the file is empty; expected a header row and data rows")
    frame, rows = read_frame(path, fmt, encoding)
    if len(frame) == 0:
        raise UserError(f"{path}: no data rows (only a header, or nothing)")
    frame, notes = unnested(frame), []
    headerless = _headerless(frame, text_col, label_col) if fmt in ("csv", "tsv") else None
    if headerless is not None:  # the first row is a text and its label: read again with the columns named
        frame, rows = read_frame(path, fmt, encoding, header=False)
        frame.columns = [text_col if i == headerless[0] else label_col for i in range(2)]
        notes.append(f"no header row: column {headerless[0] + 1} holds the texts, column {headerless[1] + 1} the "
                     f"labels (a header row naming {text_col!r} and {label_col!r} picks others)")
    elif find_columns and label_col is not None:
        text_col, label_col, notes = text_columns(frame, text_col, label_col)
    if only_column and label_col is None and text_col not in frame.columns:
        named = [c for c in frame.columns if str(c).strip().lower() in TEXT_NAMES]  # `sentence,y` to a `text` run
        text_col = frame.columns[0] if len(frame.columns) == 1 else named[0] if len(named) == 1 else text_col
    wanted = [c for c in (text_col, label_col) if c is not None]
    for column in wanted:
        if column not in frame.columns:
            available = column_names(frame.columns)
            headerless = not any(c in frame.columns for c in wanted)  # most likely a first row of data
            hint = (" (the first row is read as the header; a file without one needs a header row naming its "
                    "columns, e.g. label<TAB>text)") if headerless and not _names_columns(frame.columns) else ""
            if label_col is None:  # texts to predict: one column to name
                hint = f" ({text_option} names the column of texts; a file without a header row needs one)"
            raise UserError(f"{path}: no column {column!r}; available columns: {available}{hint}")
    texts = []
    for row, value in zip(rows, frame[text_col].tolist()):
        if isinstance(value, (list, np.ndarray)) and all(isinstance(v, str) for v in value):
            value = " ".join(value)  # a pre-tokenized text (JSON Lines' or Parquet's list of tokens)
        elif isinstance(value, (list, dict, np.ndarray)):
            raise UserError(f"{path}: row {row}, column {text_col!r}: a {_kind(value)} "
                            f"({str(value)[:60]}); expected a text, or a list of its tokens")
        if is_missing(value) or not str(value).strip():
            raise UserError(f"{path}: row {row}, column {text_col!r}: empty text{_others_empty(frame[text_col])}")
        texts.append(str(value))
    labels = None
    if label_col is not None:
        labels = frame[label_col].tolist()
        for row, value in zip(rows, labels):
            if is_missing(value) or (isinstance(value, str) and not value.strip()):
                raise UserError(f"{path}: row {row}, column {label_col!r}: empty label; every row needs one")
            if isinstance(value, (list, dict, np.ndarray)):
                raise UserError(f"{path}: row {row}, column {label_col!r}: a {_kind(value)} of labels "
                                f"({str(value)[:60]}); expected one label per text (several labels per text, "
                                "multi-label classification, is not supported)")
            if isinstance(value, str) and value.strip().lower() in MISSING_WORDS:
                raise UserError(f"{path}: row {row}, column {label_col!r}: missing label ({value.strip()!r}); "
                                "every row needs one")
        joined = _joined_label(labels)
        if joined is not None:
            raise UserError(f"{path}: row {rows[joined[0]]}, column {label_col!r}: {labels[joined[0]]!r} joins labels "
                            f"that are classes of their own ({', '.join(map(repr, joined[1]))}): several labels per "
                            "text (multi-label classification) is not supported; keep one label a row")
        labels, merged = _one_spelling(_normalise_labels(labels))
        notes += [merged] if merged else []
    return TextTable(path, texts, labels, rows, text_col, label_col, notes)


LABEL_SEPARATORS = (",", ";", "|")
_DECIMAL_COMMA_NUMBER = re.compile(r"[+-]?\d+,\d+")


def _joined_label(labels: list) -> tuple[int, list[str]] | None:
    """(the index of the first label that joins others, `command,other`, `a|b`, the parts that are labels of their
    own), else None. Such a cell is several labels for one text, as a spreadsheet holds them, and each combination
    trained as a class of its own, silently (probes6: c_multi_comma.csv)."""
    alone = {label.strip() for label in labels if isinstance(label, str)}
    for i, label in enumerate(labels):
        if not isinstance(label, str) or _DECIMAL_COMMA_NUMBER.fullmatch(label.strip()):
            continue  # 2,5 of a score written with a decimal comma: one label
        for separator in LABEL_SEPARATORS:
            parts = [part.strip() for part in label.split(separator)]
            if len(parts) > 1 and all(parts) and any(part in alone for part in parts):
                return i, [part for part in parts if part in alone]
    return None


UNLABELLED_FOLDERS = ("unsup", "unlabeled", "unlabelled")  # aclImdb/train/unsup: 50,000 reviews of no class


def read_text_folder(folder: Path, encoding: str = "utf-8") -> TextTable:
    """A folder of class folders, a text file per text (IMDB's aclImdb/train/{neg,pos}/*.txt; the layout of Keras'
    text_dataset_from_directory): each file's text labelled by its folder's name, files in name order (hidden
    ones, files beside the class folders and an `unsup` folder of unlabelled texts left out, as aclImdb has
    them). A folder of split folders (aclImdb itself: train/, test/) is told to give each as its own folder. It
    was "is a folder; expected a file"."""
    classes = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")
                     and p.name.lower() not in UNLABELLED_FOLDERS)
    files = {c.name: sorted(f for f in c.iterdir() if f.is_file() and not f.name.startswith(".")) for c in classes}
    splits = [c.name for c in classes if c.name.lower() in ("train", "test", "valid", "validation", "dev")]
    if splits and len(splits) == len(classes):
        train = "train" if "train" in splits else splits[0]
        raise UserError(f"{folder}: a folder of splits ({', '.join(splits)}); give each as its own folder: --data "
                        f"{folder / train}" + (f" --test-data {folder / 'test'}" if "test" in splits else ""))
    if sum(bool(f) for f in files.values()) < 2:
        raise UserError(f"{folder}: a folder; expected a folder per class holding a text file per text, or a file "
                        f"(found {sum(bool(f) for f in files.values())} folder(s) of files)")
    texts, labels = [], []
    for label, paths in files.items():
        for file in paths:
            try:
                text = read_text(file, encoding).strip()
            except UnicodeDecodeError as err:
                raise UserError(f"{file}: byte offset {err.start}: not valid {encoding_name(encoding)} text; "
                                f"{encoding_advice(encoding_name(encoding))}") from None
            if not text:
                raise UserError(f"{file}: empty text")
            texts.append(text)
            labels.append(label)
    labels, merged = _one_spelling(_normalise_labels(labels))
    note = (f"a folder per class: {len(texts):,} texts in {len(set(labels))} classes "
            f"({', '.join(c.name for c in classes if files[c.name])})")
    return TextTable(folder, texts, labels, list(range(1, len(texts) + 1)), "file", "folder",
                     [note] + ([merged] if merged else []))


def _others_empty(column: pd.Series) -> str:
    """How a message about a row's empty text ends where other rows are empty too: how many (a file of thousands
    with a few deleted reviews was told one row a run)."""
    empty = int(column.map(lambda v: not isinstance(v, (list, np.ndarray)) and (is_missing(v) or not str(v).strip()))
                .sum())
    return f" ({empty:,} rows have none: drop them, or fill them in)" if empty > 1 else ""


def _names_columns(columns) -> bool:
    """Whether a first row reads as column names (each one word of letters, digits and _ . -, not a number) rather
    than as data: `prompt, completion` was told "the first row is read as the header; a file without one needs
    ..." (`pos, good fine` still is)."""
    return all(isinstance(c, str) and re.fullmatch(r"[^\W\d][\w.-]{0,39}", c.strip()) for c in columns)


def _kind(value) -> str:
    """How an error names a JSON or Parquet cell that holds several values."""
    return "dict" if isinstance(value, dict) else "list"


def _normalise_labels(labels: list) -> list:
    """Labels that are all whole numbers become int: integers, integer strings (a CSV's), whole numbers written as
    floats ('3.0', as pandas writes an integer column that had a missing value: they were classes '1.0', '3.0'
    that a new file's 3 was unknown to), and a JSON file's mix of 1 and "1" (a traceback: duplicate classes).
    Else strings are stripped, and where strings and numbers mix every label is a string. Codes written with a
    leading zero (`01`, `007`: product, ICD or postal codes) stay strings: predict wrote `5` for `05`."""
    labels = [v.item() if isinstance(v, np.generic) else v for v in labels]
    codes = any(isinstance(v, str) and is_code(v) for v in labels)
    if not codes and all(isinstance(v, (int, bool)) or isinstance(v, float) and v.is_integer()
                         or isinstance(v, str) and _WHOLE_NUMBER.fullmatch(v.strip()) for v in labels):
        return [_whole(v) if isinstance(v, str) else int(v) for v in labels]
    if any(isinstance(v, str) for v in labels):
        return [v.strip() if isinstance(v, str) else str(v) for v in labels]
    return labels


def _label_key(label: str) -> str:
    """What a label is whatever its case and spacing ('File  Format' and 'file format' are one) or its writing
    as a float ('3.0' is 3: a run saved with classes '1.0', '3.0' knows a new file's 3)."""
    return str(_whole(label)) if _WHOLE_NUMBER.fullmatch(label.strip()) else " ".join(label.split()).casefold()


def is_code(label: str) -> bool:
    """Whether a label is a code written with a leading zero (`01`, `007`: product, ICD or postal codes), which stays
    as written where other whole-number labels are read as numbers."""
    return _ZERO_LED.fullmatch(label.strip()) is not None


def _whole(text: str) -> int:
    """A whole number written as text (_WHOLE_NUMBER: '3', ' -2 ', '3.0') as an int."""
    return int(text.strip().split(".")[0])


def _one_spelling(labels: list) -> tuple[list, str | None]:
    """Labels that differ only in case or spacing ('command', 'Command', 'COMMAND'), as a spreadsheet typed by hand
    has them, as one class spelled as most often, and a note naming them; else the labels and None. Each spelling
    was a class of its own: 4 classes became 12, and an evaluate file in capitals scored 0.02."""
    spellings: dict[str, Counter] = {}
    for label in labels:
        if isinstance(label, str):
            spellings.setdefault(_label_key(label), Counter())[label] += 1
    chosen, groups = {}, []
    for counts in spellings.values():
        if len(counts) > 1:
            main = counts.most_common(1)[0][0]
            chosen.update((spelling, main) for spelling in counts)
            groups.append(f"{main!r} ({', '.join(repr(s) for s in counts if s != main)})")
    if not chosen:
        return labels, None
    note = f"labels that differ only in case or spacing read as one class: {'; '.join(groups)}"
    return [chosen.get(label, label) if isinstance(label, str) else label for label in labels], note


class LabelMap:
    """Labels <-> ids 0..K-1, sorted (numbers numerically, strings alphabetically)."""

    def __init__(self, labels: Sequence):
        self.labels = list(labels)
        self._ids = {str(label): i for i, label in enumerate(self.labels)}
        if len(self._ids) != len(self.labels):
            raise ValueError(f"labels={self.labels!r} contains duplicates")
        keys = Counter(_label_key(key) for key in self._ids)  # a new file's 'COMMAND' is the class 'command'
        self._spelled = {_label_key(key): i for key, i in self._ids.items() if keys[_label_key(key)] == 1}

    @classmethod
    def fit(cls, labels: Iterable) -> "LabelMap":
        unique = set(labels)
        if all(isinstance(v, int) for v in unique):
            return cls(sorted(unique))
        return cls(sorted(unique, key=str))

    def __len__(self) -> int:
        return len(self.labels)

    def __repr__(self) -> str:
        return f"LabelMap({self.labels!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, LabelMap) and self.labels == other.labels

    def knows(self, label) -> bool:
        """Whether `encode` reads `label` as one of the classes."""
        return str(label) in self._ids or _label_key(str(label)) in self._spelled

    def encode(self, labels: Sequence, table: TextTable | None = None) -> np.ndarray:
        """Labels -> (N,) int64 ids; an unseen label is a UserError naming the file, row, column."""
        ids = np.empty(len(labels), dtype=np.int64)
        for i, label in enumerate(labels):
            key = str(label)
            found = self._ids.get(key, self._spelled.get(_label_key(key)))
            if found is None:
                where = (f"{table.path}: row {table.rows[i]}, column {table.label_col!r}: "
                         if table is not None else f"item {i + 1}: ")
                known = ", ".join(map(str, self.labels))
                raise UserError(f"{where}unknown label {label!r}; the model knows: {known}")
            ids[i] = found
        return ids

    def decode(self, ids: Iterable[int]) -> list:
        return [self.labels[int(i)] for i in ids]

    def to_dict(self) -> dict:
        return {"labels": self.labels}

    @classmethod
    def from_dict(cls, data: dict) -> "LabelMap":
        return cls(data["labels"])

    def save(self, path: str | os.PathLike) -> None:
        """Write JSON atomically (a temp file beside it, then a rename)."""
        write_json(path, self.to_dict())

    @classmethod
    def load(cls, path: str | os.PathLike) -> "LabelMap":
        try:
            return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise UserError(f"{path}: label map file not found") from None
        except (ValueError, KeyError, TypeError) as err:
            raise UserError(f"{path}: not a rnnkit label map JSON ({err})") from None


def check_class_counts(path: str | os.PathLike, where: str, ids: np.ndarray, label_map: LabelMap, item: str) -> None:
    """Refuse training labels (`where`: "column 'label'", "the class labels") that are a score or an id, not
    classes: over 20 numbers with a fractional part (0.37, 4.25), even where each labels a few `item`s (texts,
    series), or over 20 labels most of which name one item. A class seen once can be learnt or validated,
    never both, and thousands of them swamp the output layer and the baseline."""
    items = item if item.endswith("s") else item + "s"
    counts = np.bincount(ids, minlength=len(label_map))
    once = int((counts == 1).sum())
    numbers = [_finite_number(str(label)) for label in label_map.labels]
    fractional = [str(label) for label, x in zip(label_map.labels, numbers) if x is not None and x != int(x)]
    if len(label_map) > 20 and fractional and None not in numbers:
        raise UserError(f"{path}: {where}: {len(label_map):,} distinct numbers such as {fractional[0]!r} among "
                        f"{len(ids):,} {items}: a score, not classes; bin them into classes (e.g. "
                        "negative/neutral/positive) before training")
    if len(label_map) > 20 and once > len(label_map) / 2:
        example = next(str(label) for label, n in zip(label_map.labels, counts) if n == 1)
        hint = (f"; every {item} has its own: an id column?" if once == len(ids) else
                "; numbers such as this are a score: bin them into classes (e.g. negative/neutral/positive) "
                "before training" if _finite_number(example) is not None else "; is it the right column?")
        raise UserError(f"{path}: {where}: {len(label_map):,} distinct labels among {len(ids):,} {items}, "
                        f"{once:,} of them on one {item} only (e.g. {example!r}); expected classes that each label "
                        f"several {items}{hint}")


def _finite_number(label: str) -> float | None:
    """A label's finite value as a number ('0.37', '3', '-2.5e-1'), or None."""
    try:
        value = float(label)
    except ValueError:
        return None
    return value if np.isfinite(value) else None


def read_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """All arrays of a user's .npz file (never unpickling objects), or a one-line UserError."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: data file not found")
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {k: npz[k] for k in npz.files}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as err:  # not an .npz, damaged, truncated
        raise UserError(f"{path}: not a readable .npz file ({err})") from None


def read_array(path: str | os.PathLike, names: tuple[str, ...]) -> np.ndarray:
    """The inputs in a .npy file, or in an .npz the first array named one of `names` (else its first
    array); a one-line UserError for a missing, damaged or other kind of file."""
    path = Path(path)
    if path.suffix == ".npz":
        arrays = read_npz(path)
        if not arrays:
            raise UserError(f"{path}: holds no array")
        return arrays[next((k for k in names if k in arrays), next(iter(arrays)))]
    if path.suffix != ".npy":
        raise UserError(f"{path}: expected a .npy or .npz file")
    if not path.is_file():
        raise UserError(f"{path}: input file not found")
    try:
        return np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as err:  # a .npy starting as a zip: read as an .npz
        raise UserError(f"{path}: not a readable .npy file ({err})") from None
