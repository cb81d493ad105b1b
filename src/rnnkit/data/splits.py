"""Held-out parts of a training set, drawn reproducibly: one function per strategy. Each task's
`--validation-split` help names the strategy it uses and why.

    stratified   seeded random, the same fraction of every label   (classifiers: a file sorted by label
                                                                   still splits fairly)
    random       seeded random over samples                        (taggers: sentences are exchangeable)
    grouped      seeded random over groups, each group whole       (seq2seq: every target of a source
                                                                   goes with it, or validation leaks)
    tail         the last part, by position                        (Keras' validation_split; text streams
                                                                   and series, where order is time)

Each returns sorted (train, valid) index arrays and raises a one-line UserError when a part would be empty.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from rnnkit.errors import UserError

def _check(n_valid: int, n: int, fraction: float, what: str) -> None:
    if n_valid == 0 or n_valid == n:
        raise UserError(f"validation_split={fraction} leaves an empty part of {n} training {what}; "
                        "give more data, another validation_split, or a validation file (--valid-data)")


def stratified_holdout(labels: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Seeded random (train, valid) indices, `fraction` of each label held out. Where that holds out nothing
    because every label is rare (UCR's PigCVP: 52 classes of 2 series; a file of intents with 2-4 examples
    each), round(fraction * N) samples instead, one from each of as many labels of 2 or more samples, drawn
    with the same seed: every label keeps a sample to train on."""
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    n = len(labels)
    distinct, counts = np.unique(labels, return_counts=True)
    if (np.round(counts * fraction) == 0).all():
        chosen = rng.permutation(distinct[counts >= 2])[: int(round(n * fraction))]
        valid = np.array([rng.choice(np.flatnonzero(labels == label)) for label in chosen], dtype=np.int64)
    else:
        valid = np.concatenate([rng.permutation(np.flatnonzero(labels == label))[: int(round(count * fraction))]
                                for label, count in zip(distinct, counts)])
    valid = np.sort(valid)
    _check(len(valid), n, fraction, "samples")
    return np.setdiff1d(np.arange(n), valid), valid


def random_holdout(n: int, fraction: float, seed: int, what: str = "samples") -> tuple[np.ndarray, np.ndarray]:
    """Seeded random (train, valid) indices: round(fraction * n) samples held out."""
    order = np.random.default_rng(seed).permutation(n)
    n_valid = int(round(fraction * n))
    _check(n_valid, n, fraction, what)
    return np.sort(order[n_valid:]), np.sort(order[:n_valid])


def grouped_holdout(groups: Sequence, fraction: float, seed: int, what: str = "groups") -> tuple[np.ndarray, np.ndarray]:
    """Seeded (train, valid) indices holding out at least one of the distinct `groups`, each group whole."""
    distinct = sorted(set(groups))
    drawn = np.random.default_rng(seed).permutation(len(distinct))[: max(1, int(round(fraction * len(distinct))))]
    held = {distinct[i] for i in drawn}
    _check(len(held), len(distinct), fraction, what)
    in_valid = np.array([g in held for g in groups], dtype=bool)
    return np.flatnonzero(~in_valid), np.flatnonzero(in_valid)


def tail_holdout(n: int, fraction: float, what: str = "samples") -> tuple[np.ndarray, np.ndarray]:
    """(train, valid) indices with the last `fraction` of the n samples held out, in order."""
    n_train = int(n * (1 - fraction))
    _check(n - n_train, n, fraction, what)
    return np.arange(n_train), np.arange(n_train, n)
