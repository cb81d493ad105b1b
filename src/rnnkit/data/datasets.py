"""Named datasets: where each comes from, how it is split, and what published numbers it has.

Each dataset is a `DatasetSpec`: its `DatasetInfo` (description, sizes, labels, licence, citation,
results to compare with; see `shared/DATA.md`), its `Source`s in order (official URL first, then a
registry mirror, see `sources.py`) and a loader that turns the cached canonical files into plain
Python/NumPy splits. Loading never needs torch. This module holds the types; the datasets themselves
and the look-ups by name (`load_dataset`, `dataset_info`, ...) live in `catalog/`.

    >>> ds = load_dataset("imdb")          # fetches once into the cache, then reads it
    >>> len(ds.train), ds.train.texts[0][:40], ds.train.labels[:3]
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from rnnkit.data.sources import Source
from rnnkit.errors import UserError


@dataclass
class DatasetInfo:
    """What a user should know before training on a dataset."""

    name: str
    description: str
    task: str
    sizes: dict[str, int]
    labels: list[str] = field(default_factory=list)
    split: str = ""
    homepage: str = ""
    license: str = ""
    citation: str = ""
    published: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class TextSplit:
    """Texts with integer labels (None for unlabelled text, e.g. a language-model corpus)."""

    texts: list[str]
    labels: np.ndarray | None = None  # (N,) int64

    def __len__(self) -> int:
        return len(self.texts)


@dataclass
class ArraySplit:
    """Inputs and targets as arrays: images (N, 784) float32 in [0, 1], or a series."""

    x: np.ndarray
    y: np.ndarray

    def __len__(self) -> int:
        return len(self.x)


@dataclass
class Dataset:
    name: str
    train: TextSplit | ArraySplit
    valid: TextSplit | ArraySplit | None
    test: TextSplit | ArraySplit | None
    info: DatasetInfo
    split_seed: int | None = None  # set when rnnkit made the split itself


@dataclass(frozen=True)
class DatasetSpec:
    info: DatasetInfo
    sources: tuple[Source, ...]
    load: Callable[[Path, DatasetInfo], Dataset]

    def __post_init__(self):
        self.info.sources = [s.describe() for s in self.sources]


def check_size(name: str, split: str, got: int, expected: int) -> None:
    if got != expected:
        raise UserError(f"dataset {name!r}: the {split} split has {got} rows, expected {expected}; "
                        "the cached copy looks damaged: delete its cache folder and fetch again")
