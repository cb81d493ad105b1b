"""Sequence pairs (source -> target) from the user's CSV, TSV or JSON Lines files, and their tokens.

`read_pairs(path, source_col, target_col)` reads two text columns through the same readers as
`read_texts` (so the same one-line errors: a missing file or column, bad bytes, malformed JSON) and
rejects an empty side naming the file, the row and the column. Each side is tokenized on its own:
"chars" (one token per character, spaces kept out: grapheme to phoneme) or "words" (split on
whitespace: ARPAbet phonemes, or already tokenized sentences); `choose_tokens` picks one from the
texts themselves ("auto"): characters when most texts are a single word (no whitespace inside), words
otherwise, with the reason in one line. A file of exactly two columns that names neither column in its
first row is read as pairs without a header (source, then target: how dictionaries and Tatoeba's and
Anki's sentence pairs are shipped; a third column of Tatoeba's attribution left out), and the split says so
(`headerless`), unless that row names the two
columns as a source and a target are named (`named_pair`: input/output, src/tgt, question/answer, en/fr...),
when it is the header and the split says which (`named`).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from rnnkit.data.choices import PAIR_TOKENS
from rnnkit.data.readers import column_names, detect_format, is_missing, no_file, read_frame, unnested
from rnnkit.errors import UserError

SOURCE_NAMES = ("source", "src", "input", "inputs", "in", "from", "question", "prompt", "query", "x", "word",
                "grapheme", "graphemes", "spelling", "original", "sentence", "text", "context")
TARGET_NAMES = ("target", "tgt", "output", "outputs", "out", "to", "answer", "response", "reply", "completion", "y",
                "pronunciation", "phoneme", "phonemes", "translation", "summary", "label", "reference")
LANGUAGES = ("en", "fr", "de", "es", "it", "pt", "nl", "ru", "zh", "ja", "ko", "ar", "hi", "tr", "pl", "sv", "cs",
             "english", "french", "german", "spanish", "italian", "portuguese", "dutch", "russian", "chinese",
             "japanese", "korean", "arabic", "hindi", "turkish", "polish", "swedish", "czech")
"""A header row of a pair file that names neither --source-col nor --target-col: its names, any case"""


@dataclass
class PairSplit:
    """Source and target texts, one pair per row; a source may appear on several rows (alternatives)."""

    sources: list[str]
    targets: list[str]
    headerless: bool = False
    """read from a two-column file without a header row (its first row a pair)"""
    named: tuple[str, str] | None = None
    """the header's source and target columns, where `named_pair` found them"""

    def __len__(self) -> int:
        return len(self.sources)

    def references(self) -> dict[str, list[str]]:
        """Every target of each source, in file order: the references a prediction is scored against."""
        refs: dict[str, list[str]] = {}
        for s, t in zip(self.sources, self.targets):
            refs.setdefault(s, []).append(t)
        return refs


def named_pair(columns: list[str]) -> tuple[str, str] | None:
    """(source, target) of the one column named as sources are and the one named as targets are (input and
    output, src and tgt, question and answer), or of the only two columns that name languages (en and fr,
    English and French: the first is the source), among any others (id, notes); else None. Such a two-column
    file's first row was read as a pair ('input' -> 'output' trained), a wider file was refused."""
    names = [str(c).strip().lower() for c in columns]
    sources = [c for c, n in zip(columns, names) if n in SOURCE_NAMES]
    targets = [c for c, n in zip(columns, names) if n in TARGET_NAMES]
    if len(sources) == 1 and len(targets) == 1:
        return sources[0], targets[0]
    languages = [c for c, n in zip(columns, names) if n in LANGUAGES]
    if len(languages) == 2 and len({str(c).strip().lower() for c in languages}) == 2:
        return languages[0], languages[1]
    return None


def is_attribution(columns) -> bool:
    """Whether a headerless file's first row ends in a third column of Tatoeba's attribution, as the sentence pairs
    of manythings.org/anki (the PyTorch and TensorFlow translation tutorials' fra.txt) come: `Go.<TAB>Va !<TAB>CC-BY
    2.0 (France) Attribution: tatoeba.org #2877272 (CM) & #1158250 (Wittydev)`. Such a file was "no column
    'source'; available columns: Go., Va !, CC-BY 2.0 ..." (probes6: s_tatoeba.tsv)."""
    return len(columns) == 3 and str(columns[2]).startswith("CC-BY")


def tokenize_side(text: str, tokens: str) -> list[str]:
    """One side's tokens: "chars" (no whitespace characters) or "words" (whitespace-separated)."""
    if tokens == "chars":
        return [ch for ch in text if not ch.isspace()]
    if tokens == "words":
        return text.split()
    raise ValueError(f"tokens={tokens!r} is not one of {PAIR_TOKENS}")


def choose_tokens(texts: list[str], side: str = "target") -> tuple[str, str]:
    """("chars" or "words", the reason): characters when at most half of the texts hold whitespace (single
    words, or a script written without spaces), words otherwise."""
    spaced = sum(1 for t in texts if len(t.split()) > 1)
    share = spaced / max(1, len(texts))
    if share <= 0.5:
        return "chars", (f"{side}s as characters: {1 - share:.0%} of the {len(texts):,} {side}s are one word "
                         "without spaces")
    return "words", f"{side}s as words: {share:.0%} of the {len(texts):,} {side}s hold space-separated tokens"


def join_tokens(tokens: list[str], kind: str) -> str:
    """The inverse of `tokenize_side` (characters joined, words joined by spaces)."""
    return ("" if kind == "chars" else " ").join(tokens)


def read_pairs(path: str | os.PathLike, source_col: str = "source", target_col: str = "target",
               fmt: str | None = None, encoding: str = "utf-8") -> PairSplit:
    """Pairs of one file; every mistake a one-line `UserError` naming the file, row and column."""
    path = Path(path)
    if path.is_dir():
        raise no_file(path)
    fmt = detect_format(path, fmt)
    if fmt == "parquet":
        raise UserError(f"{path}: pairs are read from CSV, TSV, JSON or JSON Lines files")
    if not path.is_file():
        raise no_file(path)
    frame, rows = read_frame(path, fmt, encoding)
    frame = unnested(frame)
    found = not {source_col, target_col} & set(map(str, frame.columns)) and named_pair(list(frame.columns))
    if found:
        frame = frame.rename(columns={found[0]: source_col, found[1]: target_col})
    headerless = (fmt not in ("jsonl", "json") and (len(frame.columns) == 2 or is_attribution(frame.columns))
                  and not {source_col, target_col} & set(map(str, frame.columns)))
    if headerless:  # the first row is a pair: read again with the columns named
        frame, rows = read_frame(path, fmt, encoding, header=False)
        frame = frame.iloc[:, :2].set_axis([source_col, target_col], axis=1)
    if len(frame) == 0:
        raise UserError(f"{path}: no data rows (only a header, or nothing)")
    for column in (source_col, target_col):
        if column not in frame.columns:
            raise UserError(f"{path}: no column {column!r}; available columns: {column_names(frame.columns)}; "
                            f"pairs need a {source_col!r} and a {target_col!r} column")
    sides = {}
    for column in (source_col, target_col):
        values = []
        for row, value in zip(rows, frame[column].tolist()):
            if is_missing(value) or not str(value).strip():
                side = "source" if column == source_col else "target"
                blank = "" if is_missing(value) or not str(value) else (
                    f" (only whitespace, {' '.join(f'U+{ord(c):04X}' for c in str(value))}: no token to read)")
                raise UserError(f"{path}: row {row}, column {column!r}: empty {side}{blank}")
            values.append(str(value).strip())
        sides[column] = values
    return PairSplit(sides[source_col], sides[target_col], headerless, found or None)
