"""Tagging with a trained run: `predict` (raw text lines -> tokens and tags, streamed; the sentences of a
CoNLL, CoNLL-U or word/TAG file as their tokens), `evaluate` (a tagged file or the run's test set ->
scores) and `segment` (a Chinese string -> words)."""
from __future__ import annotations

import re
import sys
from itertools import islice
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np
import torch

from rnnkit.data import load_dataset
from rnnkit.data.readers import FORMATS, encoding_name, file_encoding, read_text, read_texts
from rnnkit.data.tagging import (JSON_SUFFIXES, TOKEN_KEYS, WORD_TAG_PROBE, TagSplit, chunk_spelling, chunks,
                                 is_tag_table_header, is_word_tag, parse_word_tags, read_tag_jsonl, read_tag_table,
                                 read_tagged, read_tokens, read_word_tag, words_of)
from rnnkit.data.text import chinese_words
from rnnkit.errors import UserError
from rnnkit.io.run import load
from rnnkit.tasks.tag.baselines import COUNTS_FILE, TagCounts
from rnnkit.tasks.tag.config import TagPredictOptions
from rnnkit.tasks.tag.data import TAGS_FILE, Encoder, TagBatches, TagSet, tag_ids
from rnnkit.tasks.tag.metrics import per_tag_report, score
from rnnkit.tasks.task import Run

_CJK = re.compile(r"[\u3400-\u9fff]")


@torch.no_grad()
def emission_batches(model, inputs: list, batch_size: int = 128) -> list[tuple[np.ndarray, torch.Tensor, torch.Tensor]]:
    """(sentence indices, (B, T, K) emission scores, lengths) of each batch of the encoded sentences, batched
    by length: computed once, decoded with as many baseline weights as a choice tries (`decode_batches`)."""
    batches = TagBatches(inputs, None, batch_size, shuffle=False)
    device = next(model.parameters()).device
    model.eval()
    out = []
    for b in range(len(batches)):
        x, lengths = batches[b]
        out.append((batches.batches[b], model(x.to(device), lengths), lengths))
    return out


def decode_batches(model, batches, count: int, tokens: Sequence[Sequence[str]] | None = None,
                   counts: TagCounts | None = None) -> list[list[int]]:
    """The best tag ids of each of `count` sentences from their `emission_batches`, in input order; with
    `counts` of weight w > 0, from the emission scores plus w ln p(tag | token) of the sentences' `tokens`."""
    out: list[list[int]] = [[] for _ in range(count)]
    for index, emissions, lengths in batches:
        if counts is not None and counts.weight > 0:
            prior = np.zeros(emissions.shape, dtype=np.float32)
            for b, j in enumerate(index):
                prior[b, :len(tokens[j])] = counts.log_probs(tokens[j])
            emissions = emissions + counts.weight * torch.from_numpy(prior).to(emissions.device)
        for j, ids in zip(index, model.best_paths(emissions, lengths)):
            out[j] = ids
    return out


def decode_ids(model, inputs: list, batch_size: int = 128, tokens: Sequence[Sequence[str]] | None = None,
               counts: TagCounts | None = None) -> list[list[int]]:
    """The best tag ids of every encoded sentence, in input order (batched by length): the model's own, or
    with `counts` (and the sentences' `tokens`) the run's delivered tags (`decode_batches`)."""
    return decode_batches(model, emission_batches(model, inputs, batch_size), len(inputs), tokens, counts)


class Tagger:
    """A run's model with its vocabularies and tag set: token lists in, tag lists out."""

    def __init__(self, run: Run):
        self.run = run
        self.tagset = TagSet.load(run.file(TAGS_FILE))
        self.encoder = Encoder.load(run)
        self.model = load(run.path).eval()
        # the run's delivered tags: the model's scores with the baseline's counts at the weight validation chose
        self.counts = TagCounts.load(run.file(COUNTS_FILE)) if run.file(COUNTS_FILE).is_file() else None

    def tag(self, tokens: Sequence[Sequence[str]], batch_size: int = 64) -> list[list[str]]:
        """Tags of each token list (empty lists get none), in input order."""
        keep = [i for i, t in enumerate(tokens) if len(t)]
        out: list[list[str]] = [[] for _ in tokens]
        if not keep:
            return out
        kept = [list(tokens[i]) for i in keep]
        for i, ids in zip(keep, decode_ids(self.model, self.encoder.encode(kept), batch_size, kept, self.counts)):
            out[i] = [self.tagset.tags[k] for k in ids]
        return out

    def tokenize(self, line: str) -> list[str]:
        """Characters (a character-level run, spaces dropped) or words: whitespace-separated, and a
        Chinese line without spaces cut into words by jieba."""
        if self.tagset.unit == "char":
            return [ch for ch in line if not ch.isspace()]
        words = line.split()
        if len(words) == 1 and _CJK.search(words[0]):
            return chinese_words(words[0])
        return words


def read_lines(inputs: str, text_col: str = "text", encoding: str = "utf-8") -> Iterator[str]:
    """The texts to tag: stdin or a text file, one per line, or a table's `text_col` (its header is no
    text; a one-column table's column whatever its name); files decoded with `encoding` (the run's)."""
    if inputs == "-":
        for line in sys.stdin:
            yield line.rstrip("\n")
        return
    path = Path(inputs)
    if path.suffix.lower() in FORMATS:
        yield from read_texts(path, text_col, None, encoding=encoding, only_column=True).texts
        return
    if not path.is_file():
        raise UserError(f"{path}: input file not found")
    try:
        text = read_text(path, encoding)
    except UnicodeDecodeError as err:
        raise UserError(f"{path}: byte offset {err.start}: not valid {encoding_name(encoding)} text") from None
    if not text.strip():
        raise UserError(f"{path}: the file is empty; expected one text per line")
    yield from text.splitlines()


TAGGED_SUFFIXES = (".conll", ".conllu", ".iob", ".iob2", ".bio", ".bioes")
"""Input files read as tagged sentences (their tokens tagged, their own tags ignored), not as text lines."""


def tagged_sentences(inputs: str, tags: Sequence[str], encoding: str = "utf-8") -> list[list[str]] | None:
    """The token lists of a tagged input, else None (text lines): a CoNLL-style file (by its suffix, a first
    line `-DOCSTART-`, or lines whose last column is one of the run's `tags`: its first column, sentence by
    sentence), or `word/TAG` lines whose every tag is one of the run's `tags` (their words); JSON Lines of token
    lists and tables of one token a row as training reads them. Read as text lines, each CoNLL line, gold columns
    included, was tagged as a sentence, and each `word/TAG` item as a token. Only the file's head is read to tell."""
    path = Path(inputs)
    if inputs == "-" or not path.is_file():
        return None
    suffix = path.suffix.lower()
    with open(path, "rb") as f:
        head = f.read(4096)
    start = head.decode(file_encoding(head[:4], encoding), errors="replace")
    if suffix in JSON_SUFFIXES and any(f'"{key}"' in start for key in TOKEN_KEYS):  # as training reads one
        return read_tag_jsonl(path, encoding, tagged=False).tokens
    if suffix in (".csv", ".tsv") and is_tag_table_header(start.split("\n", 1)[0]):  # Sentence #, Word, Tag
        return read_tag_table(path, encoding, tagged=False).tokens
    if suffix in FORMATS:
        return None
    with open(path, encoding=file_encoding(head[:4], encoding), errors="replace") as f:
        first = list(islice((line for line in f if line.strip()), WORD_TAG_PROBE))
    if suffix in TAGGED_SUFFIXES or (first and first[0].startswith("-DOCSTART-")):
        return read_tokens(path, encoding)
    known = set(tags)
    if first and all(map(is_word_tag, first)) and \
            among(known, [tag for line in first for tag in parse_word_tags(line, str(path))[1]]):
        return read_word_tag(path, encoding).tokens
    if first and is_conll_with_tags(first, known):
        return read_tokens(path, encoding)
    return None


def among(known: set[str], tags: list[str]) -> bool:
    """Whether `tags` are all the run's tags, in any spelling the training file could have had (`PER-B`)."""
    spelt = chunk_spelling(set(tags)) or {}
    return {spelt.get(t, t) for t in tags} <= known


def is_conll_with_tags(first: list[str], known: set[str]) -> bool:
    """Whether a file's first lines are `token<TAB>...<TAB>tag` lines (or space-separated), as many columns on
    each, whose last column is one of the run's tags: a test file saved as .txt, whose lines were tagged as
    one-line sentences with their gold tags as a token."""
    rows = [line.split("\t") if "\t" in line else line.split() for line in first]
    return (len({len(row) for row in rows}) == 1 and len(rows[0]) >= 2
            and among(known, [row[-1].strip() for row in rows]))


def record(tagger: Tagger, line: str, tokens: list[str], tags: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"text": line, "tokens": tokens, "tags": tags}
    scheme = tagger.tagset.scheme
    if scheme == "BMES":
        out["words"] = words_of(tokens, tags)
    elif scheme in ("BIO", "BIOES"):
        glue = "" if tagger.tagset.unit == "char" else " "
        out["entities"] = [{"text": glue.join(tokens[s:e]), "type": kind, "start": s, "end": e}
                           for kind, s, e in chunks(tags, scheme)]
    return out


def predict(run: Run, inputs: str, options: TagPredictOptions | None = None) -> Iterator[dict | str]:
    """One record per input line (per sentence of a tagged file), streamed in blocks of `batch_size`: a dict
    (JSON line) or a CoNLL block (token<TAB>tag lines and a blank line)."""
    options = options or TagPredictOptions()
    tagger = Tagger(run)
    block: list[str] = []
    sentences = tagged_sentences(inputs, tagger.tagset.tags, getattr(run.config, "encoding", "utf-8"))
    if options.format == "conll" and sentences:
        check_conll_tokens(inputs, sentences)
    given = iter(sentences or ())

    def flush():
        tokens = [next(given) if sentences else tagger.tokenize(line) for line in block]
        for line, toks, tags in zip(block, tokens, tagger.tag(tokens, options.batch_size)):
            if options.format == "conll":
                yield "".join(f"{t}\t{g}\n" for t, g in zip(toks, tags))
            else:
                yield record(tagger, line, toks, tags)

    glue = "" if tagger.tagset.unit == "char" else " "
    lines = (glue.join(t) for t in sentences) if sentences else read_lines(inputs, options.text_col,
                                                                         getattr(run.config, "encoding", "utf-8"))
    for line in lines:
        block.append(line)
        if len(block) == options.batch_size:
            yield from flush()
            block = []
    yield from flush()


def check_conll_tokens(inputs: str, sentences: list[list[str]]) -> None:
    """Refuse, before anything is written, a token that a token<TAB>tag line cannot hold: one holding a tab or a
    line break, blank, or with spaces at its ends (read back, the line splits or the token changes). A token
    with spaces inside is written whole (a tab separates the columns, as CoNLL-U's FORM holds spaces), and
    rnnkit reads it back whole; only a JSON Lines or a table input can hold such tokens (text lines are split
    on spaces)."""
    for n, tokens in enumerate(sentences, start=1):
        for k, token in enumerate(tokens, start=1):
            if "\t" in token or len(token.splitlines()) > 1 or not token.strip() or token != token.strip():
                raise UserError(f"{inputs}: sentence {n}, token {k}: {token!r} cannot be written as a token<TAB>tag "
                                "line (it holds a tab or a line break, is blank, or has spaces at its ends); "
                                "--format json (the default) writes every token as a JSON string")


def evaluation_data(run: Run, data: str | None) -> TagSplit:
    config = run.config
    encoding = getattr(config, "encoding", "utf-8")
    if data is not None:
        try:
            return read_tagged(data, config.format, encoding)
        except UserError as err:
            hint = untagged_hint(Path(data), TagSet.load(run.file(TAGS_FILE)).tags, encoding)
            raise UserError(f"{err}{hint}") from None
    if config.test_data:
        return read_tagged(config.test_data, config.format, encoding)
    if config.dataset is not None:
        return load_dataset(config.dataset, config.cache_dir).test
    raise UserError(f"{run.path}: the run has no test set; pass --data FILE (token<TAB>tag lines)")


def untagged_hint(path: Path, tags: Sequence[str], encoding: str) -> str:
    """How a reading error of an evaluate file ends where its first line's last field is none of the run's tags: a
    file of texts, or another task's table, was told only "line 2: found 9 column(s) ..., expected 5 columns"."""
    if not path.is_file():
        return ""
    with open(path, "rb") as f:
        encoding = file_encoding(f.read(4), encoding)
    with open(path, encoding=encoding, errors="replace") as f:
        first = next((line.split() for line in f if line.strip()), [""])
    known = set(tags) | set((chunk_spelling(set(tags)) or {}).values())
    if first[-1] in known:
        return ""
    return (f" (its first line ends in {first[-1][:20]!r}, none of the run's tags: evaluate reads gold tags, "
            "token<TAB>tag lines; predict tags a file of texts)")


def evaluate(run: Run, data: str | None = None) -> dict[str, float]:
    """Token accuracy and the scheme's scores (entity or word P/R/F1) on `data` or the run's test set."""
    tagger = Tagger(run)
    split = evaluation_data(run, data)
    gold = [[tagger.tagset.tags[k] for k in ids] for ids in tag_ids(split, tagger.tagset)]
    pred = tagger.tag(split.tokens)
    return {**score(split.tokens, gold, pred, tagger.tagset.scheme, set(tagger.tagset.train_words or ())),
            "classes": per_tag_report(gold, pred, tagger.tagset.tags)}
