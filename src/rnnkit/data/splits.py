"""Held-out parts of a training set, drawn reproducibly."""
from __future__ import annotations

import numpy as np

from rnnkit.errors import UserError


def stratified_holdout(labels: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Seeded random (train, valid) indices, `fraction` of each label held out, so a file sorted by
    label still splits fairly."""
    rng = np.random.default_rng(seed)
    n = len(labels)
    valid = []
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        valid.append(members[: int(round(len(members) * fraction))])
    valid = np.sort(np.concatenate(valid))
    if len(valid) == 0 or len(valid) == n:
        raise UserError(f"validation_split={fraction} leaves an empty part of {n} training samples")
    return np.setdiff1d(np.arange(n), valid), valid
