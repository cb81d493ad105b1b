"""What the trainer accepts as data, and the seeded, resumable order it draws batches in.

Data may be a torch `Dataset`, a `DataLoader` (used as given), arrays `(x, y)` / `(x, lengths, y)`
(NumPy or torch), or a dict `{"inputs", "lengths", "targets"}`. A batch is unpacked the same ways.
A `BatchDataset` holds ready batches (length-bucketed texts): the trainer draws one item per step.

The training order comes from torch's `DistributedSampler` (one replica when not distributed): its
permutation depends only on (seed, epoch), so a resumed run skips the batches already done in the
current epoch and then sees exactly the batches the uninterrupted run saw.
"""
from __future__ import annotations

import math
from typing import Any, Iterator

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, DistributedSampler, Sampler, Subset, TensorDataset

from rnnkit.data.text_batches import BatchDataset, first_item  # noqa: F401  (the trainer's batch-per-item datasets)
from rnnkit.errors import UserError

BATCH_KEYS = ("inputs", "lengths", "targets")


class DictDataset(Dataset):
    """Rows of a dict of equal-length tensors, yielded as dicts (keeps which tensor is which)."""

    def __init__(self, tensors: dict[str, torch.Tensor]):
        sizes = {k: len(v) for k, v in tensors.items()}
        if len(set(sizes.values())) != 1:
            raise ValueError(f"arrays of different lengths: {sizes}")
        self.tensors = tensors

    def __len__(self) -> int:
        return len(next(iter(self.tensors.values())))

    def __getitem__(self, i):
        return {k: v[i] for k, v in self.tensors.items()}


def _tensor(a: Any) -> torch.Tensor:
    if isinstance(a, torch.Tensor):
        return a
    a = np.asarray(a)
    t = torch.from_numpy(np.ascontiguousarray(a))
    return t.float() if t.dtype == torch.float64 else t


def as_dataset(data: Any) -> Dataset:
    if isinstance(data, DataLoader):
        return data.dataset
    if isinstance(data, Dataset):
        return data
    if isinstance(data, dict):
        unknown = set(data) - set(BATCH_KEYS)
        if unknown:
            raise ValueError(f"data dict has unknown keys {sorted(unknown)}; expected {BATCH_KEYS}")
        return DictDataset({k: _tensor(v) for k, v in data.items() if v is not None})
    if isinstance(data, (tuple, list)) and 1 <= len(data) <= 3:
        return TensorDataset(*[_tensor(a) for a in data])
    if isinstance(data, (np.ndarray, torch.Tensor)):
        return TensorDataset(_tensor(data))
    raise ValueError(f"cannot use {type(data).__name__} as data; expected a Dataset, DataLoader, (x, y), "
                     "(x, lengths, y) or a dict with keys inputs/lengths/targets")


def split_batch(batch: Any) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
    """(inputs, lengths or None, targets or None) from a tuple or dict batch."""
    if isinstance(batch, dict):
        return batch["inputs"], batch.get("lengths"), batch.get("targets")
    if isinstance(batch, torch.Tensor):
        return batch, None, None
    if len(batch) == 1:
        return batch[0], None, None
    if len(batch) == 2:
        return batch[0], None, batch[1]
    if len(batch) == 3:
        return batch[0], batch[1], batch[2]
    raise ValueError(f"a batch has {len(batch)} parts; expected (x,), (x, y) or (x, lengths, y)")


def split_validation(dataset: Dataset, fraction: float) -> tuple[Dataset, Dataset]:
    """Keras' `validation_split`: the LAST `fraction` of the samples, taken before any shuffling."""
    if not 0 < fraction < 1:
        raise ValueError(f"validation_split={fraction!r}; expected 0 < validation_split < 1")
    n = len(dataset)
    n_train = int(n * (1 - fraction))
    if n_train == 0 or n_train == n:
        raise ValueError(f"validation_split={fraction!r} leaves an empty part of {n} samples")
    return Subset(dataset, range(n_train)), Subset(dataset, range(n_train, n))


def fit_data(train: Any, batch_size: int, validation_data: Any, validation_split: float,
             collate_fn=None) -> tuple[Dataset, Any, int, Any]:
    """What `Trainer.fit` trains on: (dataset, validation data or None, batch size, collate function)."""
    if isinstance(train, DataLoader):
        # a loader gives its dataset, batch size and collate function; the order is the trainer's
        # own seeded one (needed for exact resume), not the loader's sampler
        collate_fn = collate_fn or train.collate_fn
        batch_size, train = train.batch_size or batch_size, train.dataset
    dataset = as_dataset(train)
    if validation_split:
        if validation_data is not None:
            raise ValueError("give validation_data or validation_split, not both")
        dataset, validation_data = split_validation(dataset, validation_split)
    if len(dataset) == 0:
        raise UserError("the training data is empty")
    return dataset, validation_data, batch_size, collate_fn


class SkipSampler(Sampler):
    """The indices of `sampler` for one epoch, without the first `skip` (batches already trained)."""

    def __init__(self, sampler: DistributedSampler, skip: int = 0):
        self.sampler, self.skip = sampler, skip

    def __iter__(self) -> Iterator[int]:
        return iter(list(self.sampler)[self.skip:])

    def __len__(self) -> int:
        return max(0, len(self.sampler) - self.skip)


class ShardSampler(Sampler):
    """Every `world`-th index from `rank`, in order, no padding: exact evaluation across ranks."""

    def __init__(self, n: int, rank: int = 0, world: int = 1):
        self.indices = list(range(rank, n, world))

    def __iter__(self):
        return iter(self.indices)

    def __len__(self):
        return len(self.indices)


def steps_per_epoch(dataset: Dataset, batch_size: int, world: int = 1) -> int:
    """Optimizer steps in one epoch on each of `world` processes (one per item of a `BatchDataset`)."""
    items_per_step = 1 if isinstance(dataset, BatchDataset) else batch_size
    return -(-math.ceil(len(dataset) / world) // items_per_step)


def train_loader(dataset: Dataset, batch_size: int, *, epoch: int, seed: int, shuffle: bool, skip_batches: int,
                 rank: int, world: int, collate_fn=None, num_workers: int = 0) -> tuple[DataLoader, int]:
    """(loader over the rest of this epoch, total batches in the epoch)."""
    if isinstance(dataset, BatchDataset):
        dataset.set_epoch(epoch)
        batch_size, collate_fn = 1, first_item
    order = DistributedSampler(dataset, num_replicas=world, rank=rank, shuffle=shuffle, seed=seed)
    order.set_epoch(epoch)
    steps = -(-len(order) // batch_size)
    # A private generator: creating the loader's iterator must not draw from the global RNG,
    # or a resumed run's dropout masks would differ from the uninterrupted run's.
    loader = DataLoader(dataset, batch_size=batch_size, sampler=SkipSampler(order, skip_batches * batch_size),
                        collate_fn=collate_fn, num_workers=num_workers, generator=torch.Generator())
    return loader, steps


def eval_loader(data: Any, batch_size: int, rank: int = 0, world: int = 1, collate_fn=None) -> DataLoader:
    if isinstance(data, DataLoader):
        return data
    dataset = as_dataset(data)
    if isinstance(dataset, BatchDataset):
        batch_size, collate_fn = 1, first_item
    return DataLoader(dataset, batch_size=batch_size, sampler=ShardSampler(len(dataset), rank, world),
                      collate_fn=collate_fn, generator=torch.Generator())
