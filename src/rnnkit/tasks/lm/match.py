"""The match model (PAQ's and lpaq's, after PPM*'s unbounded contexts, Cleary, Teahan & Witten 1995): a text
that repeats itself long and exactly (program source, logs, licences, changelogs) is predicted by finding
earlier occurrences of the characters just read and copying the character that followed them. This is what a
compressor's long matches (xz's LZ77) win with, and what neither a 16-gram with Kneser-Ney discounts nor a
2,000-step cache of the model's features capture.

For each position t of the scored text, with S the history (the training text) followed by the scored text,
each length L of LENGTHS votes: the latest q < t whose L characters before it equal the L before t
(S[q-L:q] == S[t-L:t]) votes for S[q]. Latest, not most frequent: a text's recent past (this changelog's
package, this module's names) predicts it best, and the shorter lengths find more recent matches than the
longest. The token's bucket is 1 + the index of the longest L that found one (0: not even the last 2
characters were seen before). Only text before t is read: causal. The contexts are numbered exactly (a
length-L context's id is the rank of the pair of ids of its two halves), never hashed.

Each vote is a component of the blend (`mixture`), near-certain of its character:

    p_L(w) = 1 - MISS if w is L's vote, MISS / (V - 1) otherwise;  uniform 1 / V without one

and the blend's weights are fitted per bucket (`mixture.fit_grouped`): how far each vote is trusted, against
the model, the cache and the n-gram, depends on the longest match found, as PAQ's mixer picks its weights by
match length: after a 64-character match the copy is nearly certain, after 2 characters it hardly counts.
"""
from __future__ import annotations

import numpy as np

LENGTHS = (2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64)
"""Context lengths looked up, in rising order: each votes; the longest with an earlier occurrence sets the bucket."""
MISS = 1e-4
"""Probability the match gives the characters it does not predict, together: the blend supplies their mass."""


def context_ids(stream: np.ndarray, length: int, known: dict[int, np.ndarray]) -> np.ndarray:
    """(N,) id of the `length` characters before each position of `stream` (-1 where fewer precede it),
    equal ids for equal contexts; `known` holds (and gets) the ids of the lengths already numbered."""
    if length in known:
        return known[length]
    if length == 1:
        ids = np.full(len(stream), -1, dtype=np.int64)
        ids[1:] = stream[:-1]
    else:  # the first `head` characters and the last `length - head`, numbered pair by pair
        head = length // 2
        first, last = context_ids(stream, head, known), context_ids(stream, length - head, known)
        shifted = np.full(len(stream), -1, dtype=np.int64)
        shifted[length - head:] = first[:len(stream) - (length - head)]
        both = (shifted >= 0) & (last >= 0)
        ids = np.full(len(stream), -1, dtype=np.int64)
        pairs = shifted[both] * (int(last.max()) + 1) + last[both]
        ids[both] = np.unique(pairs, return_inverse=True)[1]
    known[length] = ids
    return ids


def previous_occurrence(ids: np.ndarray) -> np.ndarray:
    """(N,) the latest earlier position with the same id (-1: none, or no id)."""
    order = np.lexsort((np.arange(len(ids)), ids))  # by id, then by position
    same = ids[order[1:]] == ids[order[:-1]]
    previous = np.full(len(ids), -1, dtype=np.int64)
    previous[order[1:][same]] = order[:-1][same]
    previous[ids < 0] = -1
    return previous


def match_votes(history: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(predictions (len(LENGTHS), N), bucket (N,)) for each token of `ids` but the first (as the model scores
    them): per length of LENGTHS, the character after the latest earlier occurrence of the `length` characters
    before it in `history` + `ids` (-1: none); the bucket, 1 + the index of the longest length found (0: none)."""
    stream = np.concatenate([np.asarray(history, dtype=np.int64), np.asarray(ids, dtype=np.int64)])
    targets = np.arange(len(history) + 1, len(stream))
    predictions = np.full((len(LENGTHS), len(targets)), -1, dtype=np.int64)
    bucket = np.zeros(len(targets), dtype=np.int64)
    known: dict[int, np.ndarray] = {}
    for i, length in enumerate(LENGTHS):
        at = previous_occurrence(context_ids(stream, length, known))[targets]
        found = at >= 0  # a match of this length implies one of every shorter length: the last found is the longest
        predictions[i, found], bucket[found] = stream[at[found]], i + 1
    return predictions, bucket


def log_probs(predictions: np.ndarray, target: np.ndarray, vocab_size: int) -> np.ndarray:
    """ln p_match of each target token (..., N) given the predictions (..., N) (-1: none, uniform)."""
    hit = np.where(predictions == target, np.log1p(-MISS), np.log(MISS / (vocab_size - 1)))
    return np.where(predictions >= 0, hit, -np.log(vocab_size))
