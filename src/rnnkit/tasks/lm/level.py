"""`--level auto` on a user's text: words when the held-out words are ones the training text has, else
characters.

A word-level model reads every word outside its training vocabulary as one `<unk>`. Where that is rare
(PTB's training text given as a user's file, besides its own `<unk>` tokens) the words are the better unit;
where it is common (program source, changelogs, man pages, prose with punctuation attached to its words, a
log: measured in benchmarks/TASKS.md) a word model's perplexity mostly scores `<unk>`, its samples are full
of it, and no compressor compares with it. Characters read every text whole. The share is measured as
the run will see it: the vocabulary of the training part, the validation part (`--valid-data`, or the
training text's end before its test part), cut by position as `data.load_corpus` cuts them.
"""
from __future__ import annotations

import functools
import os

import numpy as np

from rnnkit.data.lm_streams import build_vocabulary, encode, read_chunks, tokens_of
from rnnkit.data.splits import tail_holdout
from rnnkit.data.text import UNK, UNK_ID
from rnnkit.errors import UserError

WORD_LEVEL_UNKNOWN = 0.05
"""Word level only where at most this share of the validation words is outside the training vocabulary: one
word in twenty."""


def unknown_word_share(data: str, valid_data: str | None, test_data: str | None, *, encoding: str,
                       validation_split: float, test_split: float, vocab_size: int | None, min_freq: int) -> float:
    """The share of validation words a word-level run on these files reads as `<unk>`."""
    return _share(*(_stamped(p) for p in (data, valid_data)), test_data is not None, encoding, validation_split,
                  test_split, vocab_size, min_freq)


def _stamped(path: str | None) -> tuple[str, int, int] | None:
    """A path with its modification time and size, so an edited file is measured again."""
    if path is None:
        return None
    stat = os.stat(path)
    return path, stat.st_mtime_ns, stat.st_size


@functools.lru_cache(maxsize=8)  # the config is built (and replaced) more than once a run: read the text once
def _share(data, valid, has_test: bool, encoding: str, validation_split: float, test_split: float,
           vocab_size: int | None, min_freq: int) -> float:
    words = list(tokens_of(read_chunks(data[0], encoding), "word"))
    if not has_test and test_split:
        words = words[:len(tail_holdout(len(words), test_split, what="tokens")[0])]
    if valid is None:
        cut = len(tail_holdout(len(words), validation_split, what="tokens")[0])
        words, held_out = words[:cut], words[cut:]
    else:
        held_out = list(tokens_of(read_chunks(valid[0], encoding), "word"))
    vocab = build_vocabulary(words, "word", vocab_size, min_freq)
    # a text's own <unk> tokens (PTB's, 4.7% of its words) are words the text's maker chose not to spell: not
    # a sign that the unit is wrong
    spelt = [word for word in held_out if word != UNK]
    return float(np.mean(encode(spelt, vocab) == UNK_ID)) if spelt else 0.0


def level_for_text(config) -> tuple[str, float | None]:
    """(word or char, the share of validation words outside the vocabulary) for a config's `--data`; the share
    is None when the files cannot be read yet: the run then fails on them with its own message."""
    try:
        share = unknown_word_share(config.data, config.valid_data, config.test_data, encoding=config.encoding,
                                   validation_split=config.validation_split, test_split=config.test_split,
                                   vocab_size=config.vocab_size, min_freq=config.min_freq)
    except (OSError, UserError, LookupError):  # missing, undecodable, an unknown encoding, too short to split
        return "word", None
    return ("word" if share <= WORD_LEVEL_UNKNOWN else "char"), share


def level_note(share: float, level: str) -> str:
    """The line a run prints about what `--level auto` chose for a user's text."""
    reason = (f"{share:.1%} of the validation words are outside the training text's words "
              f"({'at most' if level == 'word' else 'over'} {WORD_LEVEL_UNKNOWN:.0%} read as <unk>)")
    return f"level auto: {'words' if level == 'word' else 'characters'}, {reason}; --level word or char to choose"
