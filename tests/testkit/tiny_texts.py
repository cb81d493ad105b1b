"""Tiny labelled reviews for the text tests: a few filler words with one word of the label's sentiment."""
from __future__ import annotations

import random
from typing import Sequence


def tiny_review(rng: random.Random, positive: bool, pos: Sequence[str], neg: Sequence[str],
                filler: Sequence[str]) -> str:
    """2-9 words of `filler` with one word of `pos` (or `neg`) at a random place."""
    words = [rng.choice(filler) for _ in range(rng.randint(2, 9))]
    words.insert(rng.randrange(len(words) + 1), rng.choice(pos if positive else neg))
    return " ".join(words)
