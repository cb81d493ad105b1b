"""Text tasks' data: labelled splits from the user's files or a named dataset, and their id sequences.

A split is (texts, label ids). `prepare` tokenizes every split, builds the vocabulary on the
training texts (or reads the run's on resume) and cuts each text to `maxlen` ids.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from rnnkit.data import LabelMap, Vocabulary, load_dataset, read_texts
from rnnkit.data.readers import (FORMATS, TextTable, check_class_counts, encoding_name, is_fasttext, read_text,
                                 table_suffix)
from rnnkit.data.splits import stratified_holdout
from rnnkit.data.text import encode_tokens, tokenize_all
from rnnkit.errors import UserError
from rnnkit.tasks.text.config import ClassifyConfig, SentimentConfig, TextModelConfig

VOCAB_FILE, LABELS_FILE = "vocab.json", "labels.json"
TABLE_SUFFIXES = tuple(FORMATS)  # the table files rnnkit.data reads


def is_table(path: Path) -> bool:
    """Whether texts to predict are a table's column (by the suffix, or a .txt in fastText's format: its
    `__label__` words are no text), not lines."""
    return table_suffix(path) in TABLE_SUFFIXES or is_fasttext(path)


Split = tuple[list[str], np.ndarray]


def read_split(config: ClassifyConfig, path: str, label_map: LabelMap | None) -> tuple[Split, LabelMap]:
    """One labelled file as a split; the label map is fitted on the first (training) file."""
    return table_split(read_texts(path, config.text_col, config.label_col, fmt=config.format,
                                  encoding=config.encoding), label_map)


def table_split(table: TextTable, label_map: LabelMap | None = None) -> tuple[Split, LabelMap]:
    label_map = label_map or LabelMap.fit(table.labels)
    return (table.texts, label_map.encode(table.labels, table)), label_map


def read_training_file(config: ClassifyConfig) -> tuple[ClassifyConfig, TextTable]:
    """The training file, read once, and the config with the text and label columns it was read by: a
    review,sentiment file needs no --text-col and --label-col (`readers.text_columns`, the table's notes say so),
    and config.json keeps them for evaluate and predict."""
    table = read_texts(config.data, config.text_col, config.label_col, fmt=config.format, encoding=config.encoding,
                       find_columns=True)
    return replace(config, text_col=table.text_col, label_col=table.label_col), table


def file_splits(config: ClassifyConfig, training: TextTable) -> tuple[dict[str, Split | None], LabelMap, dict[str, str]]:
    """The user's files as splits (`training`: the training file as `read_training_file` read it), their label
    map and the report's lines about them."""
    train, label_map = table_split(training)
    if len(label_map) < 2:
        raise UserError(f"{config.data}: column {config.label_col!r} has only one label "
                        f"({label_map.labels[0]!r}); a classifier needs at least two")
    check_class_counts(config.data, f"column {config.label_col!r}", train[1], label_map, "text")
    valid = read_split(config, config.valid_data, label_map)[0] if config.valid_data else None
    test = read_split(config, config.test_data, label_map)[0] if config.test_data else None
    summary = {"training file": config.data, "text column": config.text_col, "label column": config.label_col}
    return {"train": train, "valid": valid, "test": test}, label_map, summary


def dataset_splits(config: SentimentConfig) -> tuple[dict[str, Split | None], LabelMap, dict[str, str]]:
    """A named dataset as splits, its label map and the report's lines about it."""
    ds = load_dataset(config.dataset, config.cache_dir)
    label_map = LabelMap(ds.info.labels or sorted(set(ds.train.labels.tolist())))
    splits = {k: (None if s is None else (s.texts, np.asarray(s.labels, dtype=np.int64)))
              for k, s in (("train", ds.train), ("valid", ds.valid), ("test", ds.test))}
    return splits, label_map, {"dataset": config.dataset, "split": ds.info.split or "official"}


def with_validation(splits: dict[str, Split | None], config: TextModelConfig) -> dict[str, Split | None]:
    """Without a validation split: hold out `validation_split` of the training texts (seeded, by label); in a
    user's file, a text that repeats with all its copies: a copy on each side scored validation on texts the model
    trained on. A named dataset keeps the split its recorded figures were chosen on (IMDB's 98 repeated reviews
    would move it)."""
    if splits.get("valid") is not None or not config.validation_split:
        return splits
    texts, labels = splits["train"]
    first = _first_copies(texts)
    distinct = np.unique(first)
    train, valid = stratified_holdout(labels, config.validation_split, config.seed)  # no repeats: as it always was
    if len(distinct) < len(texts) and getattr(config, "dataset", None) is None:
        try:
            _, held = stratified_holdout(labels[distinct], config.validation_split, config.seed)
        except UserError:  # too few distinct texts to hold any out whole: the copies split (repeats_note says so)
            held = None
        if held is not None:
            in_valid = np.isin(first, distinct[held])
            train, valid = np.flatnonzero(~in_valid), np.flatnonzero(in_valid)
    return dict(splits, train=([texts[i] for i in train], labels[train]), valid=([texts[i] for i in valid], labels[valid]))


def _first_copies(texts: list[str]) -> np.ndarray:
    """For each text, the index of its first copy (`_spaced` texts compared)."""
    seen: dict[str, int] = {}
    return np.array([seen.setdefault(_spaced(t), i) for i, t in enumerate(texts)], dtype=np.int64)


def _spaced(text: str) -> str:
    """A text with its spacing normalised: copies that differ in spaces and line breaks are one text."""
    return " ".join(text.split())


def repeats_note(splits: dict[str, Split | None], held: dict[str, Split | None]) -> str | None:
    """A line counting the training file's texts that repeat an earlier one, and the validation texts (of
    `held`, the training texts split by `with_validation`) and test texts that are training texts: their figures
    score texts the model trained on. None where there are none."""
    texts = splits["train"][0]
    repeated = len(texts) - len(np.unique(_first_copies(texts)))
    known = {_spaced(t) for t in held["train"][0]}
    parts = [f"{repeated:,} of the {len(texts):,} training texts repeat an earlier one"] if repeated else []
    for name, split in (("valid", held.get("valid")), ("test", splits.get("test"))):
        if split is not None:
            shared = sum(_spaced(t) in known for t in split[0])
            if shared:
                parts.append(f"{shared:,} of the {len(split[0]):,} {'validation' if name == 'valid' else name} "
                             "texts are training texts: their figures score texts the model trained on")
    return "; ".join(parts) if parts else None


def unvalidated_note(held: dict[str, Split | None], label_map: LabelMap) -> str | None:
    """A line naming the classes the validation texts never hold (too few texts for `validation_split` of them:
    with 0.1, fewer than 5): the model's and the blend's validation figures, and the choices made on them, do
    not see those classes. None when every class is validated."""
    if held.get("valid") is None:
        return None
    counts = np.bincount(held["train"][1], minlength=len(label_map))
    missing = sorted(set(range(len(label_map))) - set(np.asarray(held["valid"][1]).tolist()),
                     key=lambda k: (counts[k], str(label_map.labels[k])))
    if not missing:
        return None
    shown = ", ".join(f"{label_map.labels[k]} ({counts[k]})" for k in missing[:8])
    more = " ..." if len(missing) > 8 else ""
    return (f"{len(missing)} of {len(label_map)} classes have no validation text (training texts in brackets): "
            f"{shown}{more}; the validation figures and the choices made on them do not see them")


@dataclass
class EncodedSplits:
    tokenizer: str
    """the tokenizer used ("auto" resolved)"""
    vocab: Vocabulary
    tokens: dict[str, list[list[str]]]
    ids: dict[str, list[np.ndarray]]
    labels: dict[str, np.ndarray]


def prepare(splits: dict[str, Split | None], config: TextModelConfig, tokenizer: str,
            vocab_file: Path | None, unlabeled: list[str] | None = None) -> EncodedSplits:
    """Tokens (by `tokenizer`, "auto" already resolved) and ids of every split; the vocabulary from
    `vocab_file` when it exists (resume), else built on the training tokens and the `unlabeled` texts' (whose
    tokens are kept as tokens["unlabeled"], for pretraining; they have no ids or labels)."""
    tokens = {k: tokenize_all(v[0], tokenizer) for k, v in splits.items() if v is not None}
    extra = tokenize_all(unlabeled, tokenizer) if unlabeled else []
    if vocab_file is not None and vocab_file.is_file():
        vocab = Vocabulary.load(vocab_file)
    else:
        vocab = Vocabulary.build(tokens["train"] + extra, max_size=config.vocab_size, min_freq=config.min_freq,
                                 char_backoff=config.char_backoff)
    ids = {k: encode_tokens(v, vocab, config.maxlen, config.truncating) for k, v in tokens.items()}
    if extra:
        tokens["unlabeled"] = extra
    labels = {k: v[1] for k, v in splits.items() if v is not None}
    return EncodedSplits(tokenizer, vocab, tokens, ids, labels)


def read_inputs(inputs: str, text_col: str, encoding: str = "utf-8", only_column: bool = True) -> list[str]:
    """Texts to classify: '-' (stdin, one per line), a .txt file (one per line) or a table file's text column
    (with `only_column`, a one-column table's column whatever its name: its header is no text)."""
    if inputs == "-":
        texts = [line.rstrip("\n") for line in sys.stdin]
        source = "stdin"
    else:
        path = Path(inputs)
        if is_table(path):
            return read_texts(path, text_col, None, encoding=encoding, only_column=only_column).texts
        if path.is_dir():  # a folder of class folders trains and evaluates; its texts to predict need names
            raise UserError(f"{path}: a folder; predict reads a file of texts (one per line, or a table's column): "
                            f"evaluate RUN --data {path} scores a folder of class folders")
        if not path.is_file():
            raise UserError(f"{path}: input file not found")
        try:
            texts = read_text(path, encoding).splitlines()
        except UnicodeDecodeError as err:
            raise UserError(f"{path}: byte offset {err.start}: not valid {encoding_name(encoding)} text") from None
        source = str(path)
    texts = [t for t in texts if t.strip()]
    if not texts:
        raise UserError(f"{source}: no text to classify (one text per line expected)")
    return texts
