"""The `lm` task's data: the corpus (a named dataset or the user's text files) as streams of ids.

The vocabulary is built on the training text only (or read back from the run on resume and for
evaluation and generation); validation and test tokens outside it read as `<unk>`. A training file
without a test file gives its end to the test part (`test_split`), and without a validation file the end
of what is left to validation (`validation_split`): train / valid / test by position, as a stream's
neighbours would otherwise leak into training. `rnnkit evaluate RUN` cuts the same parts again.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from rnnkit.data import Vocabulary, load_dataset
from rnnkit.data.splits import tail_holdout
from rnnkit.data.text import UNK_ID
from rnnkit.data.lm_streams import ScoringStreams, build_vocabulary, encode, read_chunks, tokens_of
from rnnkit.errors import UserError
from rnnkit.tasks.lm.config import LMConfig, resolve_level

VOCAB_FILE = "vocab.json"
SPLITS = ("train", "valid", "test")
SCORING_WINDOW = 200
"""Steps per window when scoring (validation, test, `rnnkit evaluate`). The state carries from window to
window, so every token gets the same prediction whatever the length: longer windows only mean fewer
calls (PTB's test text at batch 1 took 35 s in windows of 20)."""


def scoring_windows(ids: np.ndarray, streams: int, config: LMConfig, what: str) -> ScoringStreams:
    """The text as `streams` parallel streams (each after `burn_in` unscored tokens) read in windows of at
    least SCORING_WINDOW steps."""
    return ScoringStreams(ids, streams, max(config.bptt, SCORING_WINDOW), config.burn_in, what=what)


@dataclass
class Corpus:
    level: str  # "word" or "char"
    vocab: Vocabulary
    ids: dict[str, np.ndarray]  # split -> (N,) int64
    names: dict[str, str]  # split -> where its text came from


def split_texts(config: LMConfig) -> dict[str, tuple[str, Callable[[], Iterator[str]]]]:
    """split -> (its name, a function giving its text in chunks); a file is read once per call."""
    if config.data is not None:
        paths = {"train": config.data, "valid": config.valid_data, "test": config.test_data}
        return {k: (p, lambda p=p: read_chunks(p, config.encoding)) for k, p in paths.items() if p is not None}
    dataset = load_dataset(config.dataset, config.cache_dir)
    parts = {"train": dataset.train, "valid": dataset.valid, "test": dataset.test}
    # PTB holds one sentence per text (a line); Shakespeare one text per split
    return {k: (f"{config.dataset} {k}", lambda s=s: (text + "\n" if config.dataset == "ptb" else text
                                                   for text in s.texts))
            for k, s in parts.items() if s is not None}


def load_corpus(config: LMConfig, vocab: Vocabulary | None = None) -> Corpus:
    """Every split's ids, with the vocabulary built on the training text unless one is given. Without
    validation text, the end of the training text (`validation_split`, by position) is held out."""
    level = resolve_level(config)
    texts = split_texts(config)
    tokens = {k: (lambda chunks=chunks: tokens_of(chunks(), level)) for k, (_, chunks) in texts.items()}
    names = {k: name for k, (name, _) in texts.items()}
    if config.data is not None and "test" not in tokens and config.test_split:
        tokens, names = held_out_tail(tokens, names, config, "test", config.test_split)
    if "valid" not in tokens:
        tokens, names = held_out_tail(tokens, names, config, "valid", config.validation_split)
    if vocab is None:
        vocab = build_vocabulary(tokens["train"](), level, config.vocab_size, config.min_freq)
    ids = {k: encode(stream(), vocab) for k, stream in tokens.items()}
    return Corpus(level, vocab, ids, names)


def held_out_tail(tokens: dict[str, Callable[[], Iterator[str]]], names: dict[str, str], config: LMConfig,
                  split: str, fraction: float):
    """(tokens, names) with the last `fraction` of the training tokens as the `split` text."""
    if not fraction:
        raise UserError(f"{names['train']}: a language model needs validation text: give --valid-data, "
                        "or a validation_split above 0")
    words = list(tokens["train"]())
    cut = len(tail_holdout(len(words), fraction, what="tokens")[0])
    before_test = " before its test part" if split == "valid" and names.get("test", "").startswith("the last") else ""
    return ({**tokens, "train": lambda: iter(words[:cut]), split: lambda: iter(words[cut:])},
            {**names, split: f"the last {fraction:.0%} of {names['train']}{before_test}"})


def text_ids(path: str | Path, level: str, vocab: Vocabulary, encoding: str = "utf-8") -> np.ndarray:
    """The ids of one text file (evaluate --data)."""
    return encode(tokens_of(read_chunks(path, encoding), level), vocab)


UNKNOWN_WARN = 0.10
"""Share of held-out word tokens outside the vocabulary above which a run says its perplexity mostly scores
<unk> (PTB's validation text: 4.7%, its own <unk> tokens; a dpkg log: 42%, its times and versions)."""


def unknown_shares(corpus: Corpus) -> dict[str, float]:
    """The share of each held-out split's tokens read as <unk>."""
    return {k: float(np.mean(v == UNK_ID)) for k, v in corpus.ids.items() if k != "train" and len(v)}


def unknown_warning(corpus: Corpus) -> str | None:
    """One line when a word-level run's held-out text is largely outside the vocabulary: its perplexity (and
    the n-gram's) then mostly measures how well <unk> is predicted, and generated text is full of it."""
    shares = unknown_shares(corpus)
    if corpus.level != "word" or not shares or max(shares.values()) <= UNKNOWN_WARN:
        return None
    listed = ", ".join(f"{share:.0%} of the {split} tokens" for split, share in shares.items())
    return (f"warning: {listed} are outside the training vocabulary (read as <unk>): the perplexity mostly scores "
            f"<unk> and generated text will hold many; --level char reads every character")
