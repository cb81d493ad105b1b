"""The seq2seq task's data: pairs from a named dataset or the user's files, their vocabularies, and the
trainer's batches (bucketed by source length, packed as `rnnkit.models.seq2seq.pack_pairs` says)."""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnnkit.data import Vocabulary, load_dataset
from rnnkit.data.pairs import PairSplit, is_attribution, named_pair, read_pairs, tokenize_side
from rnnkit.data.readers import (FORMATS, column_names, detect_format, encoding_name, is_missing, read_frame, read_text,
                                 unnested)
from rnnkit.data.text import UNK_ID
from rnnkit.data.text_batches import BucketedItems
from rnnkit.data.splits import grouped_holdout
from rnnkit.errors import UserError
from rnnkit.models.seq2seq import pack_pairs
from rnnkit.tasks.seq2seq.config import Seq2SeqConfig

SOURCE_VOCAB, TARGET_VOCAB = "source_vocab.json", "target_vocab.json"
TARGET_SPECIALS = ("<s>", "</s>")  # ids 2 and 3, after <pad> and <unk>: models.seq2seq's BOS_ID, EOS_ID
_STRESS = re.compile(r"\d")


def pair_splits(config: Seq2SeqConfig) -> tuple[dict[str, PairSplit | None], dict[str, str]]:
    """train/valid/test pairs and the report's lines about them."""
    if config.dataset is not None:
        ds = load_dataset(config.dataset, config.cache_dir)
        splits = {"train": ds.train, "valid": ds.valid, "test": ds.test}
        if not config.stress:  # AH0 -> AH; a word's alternates that differ only in stress become one
            splits = {k: dedupe(PairSplit(s.sources, [_STRESS.sub("", t) for t in s.targets]))
                      for k, s in splits.items()}
        return splits, {"dataset": config.dataset, "split": ds.info.split,
                        "phonemes": "with stress" if config.stress else "stress removed"}
    read = lambda path: read_pairs(path, config.source_col, config.target_col, config.format, config.encoding)  # noqa: E731
    splits = {"train": read(config.data), "valid": read(config.valid_data) if config.valid_data else None,
              "test": read(config.test_data) if config.test_data else None}
    named = splits["train"].named
    columns = (f"no header row: the first column is the source, the second the target (a header naming "
               f"{config.source_col!r} and {config.target_col!r}, or --source-col/--target-col, picks others)"
               if splits["train"].headerless else
               f"source column {named[0]!r}, target column {named[1]!r} (named as sources and targets are; "
               f"--source-col/--target-col pick others)" if named else f"{config.source_col} -> {config.target_col}")
    return splits, {"training file": config.data, "columns": columns}


def dedupe(split: PairSplit) -> PairSplit:
    seen = dict.fromkeys(zip(split.sources, split.targets))
    return PairSplit([s for s, _ in seen], [t for _, t in seen])


def with_validation(splits: dict[str, PairSplit | None], fraction: float, seed: int) -> dict[str, PairSplit | None]:
    """Without validation pairs: hold out `fraction` of the training SOURCES (all their targets with them)."""
    if splits.get("valid") is not None or not fraction:
        return splits
    train = splits["train"]
    fit_rows, valid_rows = grouped_holdout(train.sources, fraction, seed, what="sources")
    pick = lambda rows: PairSplit([train.sources[i] for i in rows], [train.targets[i] for i in rows])  # noqa: E731
    return dict(splits, train=pick(fit_rows), valid=pick(valid_rows))


def target_vocabulary(token_lists: list[list[str]]) -> Vocabulary:
    """<pad> <unk> <s> </s>, then the target tokens by frequency."""
    return Vocabulary([*TARGET_SPECIALS, *Vocabulary.build(token_lists).itos[2:]])


@dataclass
class Vocabularies:
    source: Vocabulary
    target: Vocabulary
    source_tokens: str
    target_tokens: str

    @classmethod
    def build(cls, train: PairSplit, config: Seq2SeqConfig) -> "Vocabularies":
        return cls(Vocabulary.build([tokenize_side(s, config.source_tokens) for s in train.sources]),
                   target_vocabulary([tokenize_side(t, config.target_tokens) for t in train.targets]),
                   config.source_tokens, config.target_tokens)

    def save(self, run_dir: Path) -> None:
        self.source.save(run_dir / SOURCE_VOCAB)
        self.target.save(run_dir / TARGET_VOCAB)

    @classmethod
    def load(cls, run_dir: Path, config: Seq2SeqConfig) -> "Vocabularies":
        return cls(Vocabulary.load(run_dir / SOURCE_VOCAB), Vocabulary.load(run_dir / TARGET_VOCAB),
                   config.source_tokens, config.target_tokens)

    def encode_sources(self, texts: list[str]) -> list[np.ndarray]:
        return [np.asarray(self.source.encode(tokenize_side(t, self.source_tokens)) or [UNK_ID], dtype=np.int64)
                for t in texts]

    def encode_targets(self, texts: list[str]) -> list[np.ndarray]:
        return [np.asarray(self.target.encode(tokenize_side(t, self.target_tokens)), dtype=np.int64) for t in texts]


class PairBatches(BucketedItems):
    """Training pairs bucketed by source length (re-formed every epoch), or, with shuffle=False, sorted
    evaluation batches; each item is one packed batch (x (B, 2, L), lengths (B, 2), targets (B, T))."""

    def __init__(self, sources: list[np.ndarray], targets: list[np.ndarray], batch_size: int, *,
                 shuffle: bool = True, seed: int = 0):
        self.sources, self.targets = sources, targets
        super().__init__([len(s) for s in sources], batch_size, shuffle=shuffle, seed=seed)

    def make(self, index: np.ndarray):
        return pack_pairs([self.sources[j] for j in index], [self.targets[j] for j in index])


PAIR_SUFFIXES = tuple(k for k, v in FORMATS.items() if v != "parquet")


def table_sources(path: Path, source_col: str, encoding: str) -> list[str]:
    """The `source_col` column of a table file; else a one-column table's column (under its header, as tag's
    predict reads one), or the first column of a two-column file without a header (as training reads it)."""
    fmt = detect_format(path)
    frame = unnested(read_frame(path, fmt, encoding)[0])
    columns = list(map(str, frame.columns))
    if source_col not in columns and named_pair(columns):  # input/output: the header as training read it
        source_col = named_pair(columns)[0]
    elif source_col not in columns:
        if (len(columns) == 2 or is_attribution(columns)) and fmt not in ("jsonl", "json"):
            frame, _ = read_frame(path, fmt, encoding, header=False)
        elif len(columns) != 1:
            raise UserError(f"{path}: no column {source_col!r} to decode; available columns: {column_names(columns)}")
        source_col = frame.columns[0]
    return ["" if is_missing(v) else str(v) for v in frame[source_col].tolist()]


def is_pair_table(path: Path) -> bool:
    """Whether a file to decode is a table of pairs: a CSV, TSV or JSONL file, or a .txt whose first line holds a tab
    (as training reads one: Tatoeba's fra.txt). Such a .txt was decoded line by line, its target and attribution
    inside each source (probes6: s_fra.txt)."""
    if path.suffix.lower() in PAIR_SUFFIXES:
        return True
    try:
        return path.suffix.lower() == ".txt" and detect_format(path) == "tsv"
    except UserError:
        return False


def read_inputs(inputs: str, source_col: str = "source", encoding: str = "utf-8") -> list[str]:
    """Sources to decode: '-' (stdin) or a text file, one per line; or a pair file's sources (a CSV, TSV or
    JSONL file: its `source_col`, or the first column of a file whose header does not name it, as training
    reads a pair file without a header), so the test pairs given to predict decode their sources alone."""
    if inputs == "-":
        lines, where = sys.stdin.read().splitlines(), "stdin"
    else:
        path = Path(inputs)
        if not path.is_file():
            raise UserError(f"{path}: input file not found")
        if is_pair_table(path):
            lines, where = table_sources(path, source_col, encoding), str(path)
        else:
            try:
                lines, where = read_text(path, encoding).splitlines(), str(path)
            except UnicodeDecodeError as err:
                raise UserError(f"{path}: byte offset {err.start}: not valid {encoding_name(encoding)} text") from None
    lines = [line.strip() for line in lines if line.strip()]
    if not lines:
        raise UserError(f"{where}: nothing to decode (one source sequence per line expected)")
    return lines
