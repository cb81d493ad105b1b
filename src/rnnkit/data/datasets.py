"""Named datasets: where each comes from, how it is split, and what published numbers it has.

Each dataset is a `DatasetSpec`: its `DatasetInfo` (description, sizes, labels, licence, citation,
results to compare with; see `shared/DATA.md`), its `Source`s in order (official URL first, then a
registry mirror, see `sources.py`) and a loader that turns the cached canonical files into plain
Python/NumPy splits. Loading never needs torch. This module holds the types, the registry and the
public functions; the datasets themselves live in `catalog/`, one module per source family.

    >>> ds = load_dataset("imdb")          # fetches once into the cache, then reads it
    >>> len(ds.train), ds.train.texts[0][:40], ds.train.labels[:3]
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from rnnkit.data.sources import Source, cached_manifest, fetch
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


_REGISTRY: dict[str, DatasetSpec] = {}


def register(spec: DatasetSpec) -> DatasetSpec:
    spec.info.sources = [s.describe() for s in spec.sources]
    _REGISTRY[spec.info.name] = spec
    return spec


def _registry() -> dict[str, DatasetSpec]:
    import rnnkit.data.catalog  # noqa: F401  (imported late: its modules import this one)

    return _REGISTRY


def _spec(name: str) -> DatasetSpec:
    registry = _registry()
    if name not in registry:
        raise UserError(f"unknown dataset {name!r}; known datasets: {', '.join(sorted(registry))}")
    return registry[name]


def list_datasets() -> list[str]:
    return sorted(_registry())


def dataset_info(name: str) -> DatasetInfo:
    return _spec(name).info


def is_cached(name: str, cache_dir=None) -> bool:
    return cached_manifest(_spec(name).info.name, cache_dir) is not None


def fetch_dataset(name: str, cache_dir=None) -> Path:
    """Download (once) and verify `name`; return the cache folder holding its canonical files."""
    return fetch(name, _spec(name).sources, cache_dir)


def load_dataset(name: str, cache_dir=None) -> Dataset:
    spec = _spec(name)
    return spec.load(fetch(name, spec.sources, cache_dir), spec.info)


def check_size(name: str, split: str, got: int, expected: int) -> None:
    if got != expected:
        raise UserError(f"dataset {name!r}: the {split} split has {got} rows, expected {expected}; "
                        "the cached copy looks damaged: delete its cache folder and fetch again")
