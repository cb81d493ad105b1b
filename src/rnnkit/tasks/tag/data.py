"""The `tag` task's data: tagged sentences (a named dataset or the user's files) -> token and tag ids
-> length-bucketed batches whose targets are one tag id per token (-100 at padding).

What a run keeps beside its model: `vocab.json` (tokens), `tags.json` (tag names, the scheme, whether
tokens are characters or words, and the training vocabulary of segmented words for OOV recall), and,
with bigram features `bigrams.json`, with character features `chars.json`.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from rnnkit.atomic import write_json
from rnnkit.data import Vocabulary, load_dataset
from rnnkit.data.batching import BucketBatchSampler
from rnnkit.data.tagging import TagSplit, convert, detect_scheme, is_chunk_tag, read_tagged
from rnnkit.data.text_batches import BatchDataset
from rnnkit.data.splits import random_holdout
from rnnkit.errors import UserError
from rnnkit.tasks.tag.config import TagConfig

VOCAB_FILE, BIGRAMS_FILE, CHARS_FILE, TAGS_FILE = "vocab.json", "bigrams.json", "chars.json", "tags.json"
BOUNDARY = ("<s>", "</s>")  # the neighbours of a sentence's first and last token in its bigrams
IGNORE = -100


def load_splits(config: TagConfig) -> tuple[dict[str, TagSplit | None], dict[str, Any]]:
    """{"train", "valid", "test"} tagged sentences (valid/test may be None) and a data summary."""
    if config.dataset is not None:
        ds = load_dataset(config.dataset, config.cache_dir)
        splits = {"train": ds.train, "valid": ds.valid, "test": ds.test}
        summary = {"dataset": config.dataset, "split": ds.info.split}
    else:
        read = lambda path: read_tagged(path, config.format, config.encoding)  # noqa: E731
        splits = {"train": read(config.data), "valid": read(config.valid_data) if config.valid_data else None,
                  "test": read(config.test_data) if config.test_data else None}
        summary = {"data file": config.data}
        check_training_file(splits["train"])
        for split in splits.values():
            if split is not None:
                detect_scheme(split)  # mixed schemes: an error at the file's own line, before any split
    if splits["valid"] is None:
        train = splits["train"]
        fit_rows, valid_rows = random_holdout(len(train), config.validation_split, config.seed,
                                              what=f"sentences ({train.source})")
        splits["valid"], splits["train"] = train.subset(valid_rows), train.subset(fit_rows)
    return splits, summary


LONG_SENTENCE = 1000
"""Tokens of one sentence past which a training file that holds just that one has lost its blank lines."""


def check_training_file(train: TagSplit) -> None:
    """A training file a tagger can learn from: more than one sentence when its one sentence is long (the
    blank lines between sentences missing), and at least two distinct tags."""
    if len(train) == 1 and len(train.tokens[0]) > LONG_SENTENCE:
        raise UserError(f"{train.source}: the whole file is one sentence of {len(train.tokens[0]):,} tokens; CoNLL "
                        "files end each sentence with a blank line (are they missing?)")
    tags = {t for sent in train.tags for t in sent}
    if len(tags) < 2:
        raise UserError(f"{train.source}: every token has the tag {next(iter(tags))!r}: nothing to learn; expected "
                        "at least two distinct tags (is the tag the last column?)")


@dataclass
class TagSet:
    """The tags a run knows, the scheme it trained in, and what its tokens are."""

    tags: list[str]
    scheme: str  # BIO, BIOES, BMES or plain
    unit: str  # "char" (predict splits raw text into characters) or "word"
    source_scheme: str  # the data's own scheme, converted to `scheme` on the way in
    train_words: list[str] | None = None  # segmentation: the training words (OOV recall)

    def save(self, path: Path) -> None:
        write_json(path, self.__dict__)

    @classmethod
    def load(cls, path: Path) -> "TagSet":
        import json

        try:
            return cls(**json.loads(Path(path).read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError) as err:
            raise UserError(f"{path}: not a tag set of a tag run ({err})") from None

    def index(self) -> dict[str, int]:
        return {t: i for i, t in enumerate(self.tags)}


def make_tagset(config: TagConfig, splits: dict[str, TagSplit | None]) -> TagSet:
    """The run's tags: every tag of its training, validation and test sentences (a tag seen only in a
    held-out split, like pku-pos's one 'Yg', is a tag the model may never predict, not an error)."""
    train = splits["train"]
    source = detect_scheme(train)
    scheme = source if config.scheme == "auto" else config.scheme
    if scheme != source and "plain" in (scheme, source):
        raise UserError(f"{train.source}: its tags have no chunk scheme (POS-like tags); --scheme {scheme} "
                        "cannot convert them")
    tags = sorted({t for split in splits.values() if split is not None
                   for sent in in_scheme(split, held_out_scheme(split, scheme), scheme).tags for t in sent})
    unit = "char" if all(len(tok) == 1 for sent in train.tokens for tok in sent) else "word"
    words = None
    if scheme == "BMES":
        from rnnkit.data.tagging import words_of

        words = sorted({w for toks, tg in zip(train.tokens, in_scheme(train, source, scheme).tags)
                        for w in words_of(toks, tg)})
    return TagSet(tags, scheme, unit, source, words)


def held_out_scheme(split: TagSplit, scheme: str) -> str:
    """`split`'s scheme, which the run's `scheme` (its training sentences') can take: chunk tags beside tags without
    a scheme are a one-line error at the first tag of the other kind (a traceback: "scheme must be one of ('BIO',
    'BIOES', 'BMES'), got 'plain'", where a header line's `tag` fell among the held-out sentences)."""
    source = detect_scheme(split)
    if "plain" in (source, scheme) and source != scheme:
        at = next((i, j) for i, sent in enumerate(split.tags) for j, tag in enumerate(sent)
                  if is_chunk_tag(tag) == (scheme == "plain"))
        raise UserError(f"{split.where(*at)}: tag {split.tags[at[0]][at[1]]!r}: these sentences' tags are {source}, "
                        f"the training sentences' {scheme}; expected one kind of tags in every file")
    return source


def in_scheme(data: TagSplit, source: str, scheme: str) -> TagSplit:
    """`data`'s chunks tagged in `scheme`. BIO and BIOES are rewritten even in their own scheme: CoNLL-2003's own
    files are IOB1, where I- opens an entity and B- only parts two adjacent ones, and a CRF that forbids O -> I-X
    scored every such gold path near impossible (training loss 362, entity F1 0)."""
    if source == scheme and scheme not in ("BIO", "BIOES"):
        return data
    return replace(data, tags=[convert(t, source, scheme) for t in data.tags])


def tag_ids(data: TagSplit, tagset: TagSet) -> list[np.ndarray]:
    """Tag ids of each sentence in the run's scheme; a tag the run never saw is an error at its line."""
    source = detect_scheme(data)
    if "plain" not in (tagset.scheme, source):
        data = in_scheme(data, source, tagset.scheme)
    index = tagset.index()
    out = []
    for i, sent in enumerate(data.tags):
        try:
            out.append(np.array([index[t] for t in sent], dtype=np.int64))
        except KeyError:
            j = next(j for j, t in enumerate(sent) if t not in index)
            shown = ", ".join(tagset.tags[:12]) + (", ..." if len(tagset.tags) > 12 else "")
            raise UserError(f"{data.where(i, j)}: tag {sent[j]!r} was not among the training tags "
                            f"({shown})") from None
    return out


def bigrams(sent: list[str]) -> tuple[list[str], list[str]]:
    """Per token t: the bigrams (t-1, t) and (t, t+1), as the strings the bigram vocabulary holds."""
    padded = [BOUNDARY[0], *sent, BOUNDARY[1]]
    pairs = [a + " " + b for a, b in zip(padded, padded[1:])]
    return pairs[:-1], pairs[1:]


def every_bigram(sent: list[str]) -> list[str]:
    left, right = bigrams(sent)
    return left + right[-1:]


@dataclass
class Encoder:
    """Token lists -> model inputs: the token vocabulary, and the bigram and character vocabularies
    when the run uses those features."""

    vocab: Vocabulary
    bigrams: Vocabulary | None = None
    chars: Vocabulary | None = None
    max_chars: int = 16

    @classmethod
    def build(cls, config: TagConfig, train: TagSplit, use_bigrams: bool) -> "Encoder":
        vocab = Vocabulary.build(train.tokens, max_size=config.vocab_size, min_freq=config.min_freq)
        # bigrams seen once read as <unk> so that <unk> itself gets trained for the unseen ones
        pairs = Vocabulary.build((every_bigram(sent) for sent in train.tokens),
                                 min_freq=config.bigram_min_freq) if use_bigrams else None
        chars = Vocabulary.build(([ch for tok in sent for ch in tok] for sent in train.tokens)) \
            if config.char_features else None
        return cls(vocab, pairs, chars, config.max_word_chars)

    def save(self, run_dir: Path) -> None:
        for name, v in ((VOCAB_FILE, self.vocab), (BIGRAMS_FILE, self.bigrams), (CHARS_FILE, self.chars)):
            if v is not None:
                v.save(run_dir / name)

    @classmethod
    def load(cls, run) -> "Encoder":
        def maybe(name):
            path = run.path / name
            return Vocabulary.load(path) if path.exists() else None
        return cls(Vocabulary.load(run.file(VOCAB_FILE)), maybe(BIGRAMS_FILE), maybe(CHARS_FILE),
                   run.config.max_word_chars)

    def sizes(self) -> dict[str, int]:
        """The model's vocabulary-size arguments."""
        return dict(vocab_size=len(self.vocab), bigram_vocab_size=len(self.bigrams) if self.bigrams else 0,
                    char_vocab_size=len(self.chars) if self.chars else 0)

    def encode(self, tokens: list[list[str]]) -> list[np.ndarray]:
        """Per sentence: (n,) token ids, or (n, 1 [+ 2] [+ max_chars]) with the bigram and character ids."""
        out = []
        for sent in tokens:
            ids = np.array(self.vocab.encode(sent), dtype=np.int64)
            if self.bigrams is None and self.chars is None:
                out.append(ids)
                continue
            columns = [ids[:, None]]
            if self.bigrams is not None:
                left, right = bigrams(sent)
                columns.append(np.array([self.bigrams.encode(left), self.bigrams.encode(right)],
                                        dtype=np.int64).reshape(2, len(sent)).T)
            if self.chars is not None:
                table = np.zeros((len(sent), self.max_chars), dtype=np.int64)
                for j, tok in enumerate(sent):
                    c = self.chars.encode(tok[:self.max_chars])
                    table[j, :len(c)] = c
                columns.append(table)
            out.append(np.concatenate(columns, axis=1))
        return out


def pad_batch(inputs: list[np.ndarray], targets: list[np.ndarray] | None):
    """(inputs (B, T[, 1+L]), lengths (B,)[, targets (B, T) with -100 at padding])."""
    lengths = np.array([len(x) for x in inputs], dtype=np.int64)
    T = int(lengths.max())
    x = np.zeros((len(inputs), T, *inputs[0].shape[1:]), dtype=np.int64)
    for b, seq in enumerate(inputs):
        x[b, :len(seq)] = seq
    batch = (torch.from_numpy(x), torch.from_numpy(lengths))
    if targets is None:
        return batch
    y = np.full((len(inputs), T), IGNORE, dtype=np.int64)
    for b, seq in enumerate(targets):
        y[b, :len(seq)] = seq
    return (*batch, torch.from_numpy(y))


class TagBatches(BatchDataset):
    """Length-bucketed training batches (re-formed each epoch from seed and epoch), or with
    `shuffle=False` sentences sorted by length (evaluation; `order` maps back to input order)."""

    def __init__(self, inputs: list[np.ndarray], targets: list[np.ndarray] | None, batch_size: int,
                 seed: int = 0, shuffle: bool = True):
        self.inputs, self.targets, self.batch_size, self.shuffle = inputs, targets, batch_size, shuffle
        lengths = [len(x) for x in inputs]
        self.order = np.argsort(lengths, kind="stable")
        self.sampler = BucketBatchSampler(lengths, batch_size, seed=seed) if shuffle else None
        self.set_epoch(0)

    def set_epoch(self, epoch: int) -> None:
        if self.sampler is not None:
            self.sampler.set_epoch(epoch)
            self.batches = self.sampler.batches()
        else:
            self.batches = [self.order[i:i + self.batch_size] for i in range(0, len(self.order), self.batch_size)]

    def __len__(self) -> int:
        return len(self.batches)

    def __getitem__(self, i):
        index = self.batches[i]
        return pad_batch([self.inputs[j] for j in index],
                         None if self.targets is None else [self.targets[j] for j in index])
