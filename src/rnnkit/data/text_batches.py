"""Id sequences -> batches the trainer loads whole: length-bucketed for training, sorted for evaluation.

A batch holds texts of similar length (`BucketBatchSampler`), post-padded with id 0 and carrying
their lengths, so the recurrent layers skip the padding and a batch costs about what its real tokens
cost. Each bucketed batch is ONE item of a `BucketedBatches` dataset (a `BatchDataset`): the trainer
calls its `set_epoch` before every epoch, which re-forms the buckets from (seed, epoch), so the order
is random, the batches differ between epochs, and a resumed run sees the batches an uninterrupted run would.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from rnnkit.data.batching import BucketBatchSampler, collate


class BatchDataset(Dataset):
    """A dataset whose items are whole batches, formed by the dataset (e.g. texts bucketed by length).

    The trainer loads one item per step, unwrapped, and reports `batch_size`, the most samples a
    batch holds. `set_epoch(epoch)` is called before each epoch draws its order, so the dataset can
    re-form its batches from (seed, epoch) and a resumed run sees the batches of an uninterrupted one.
    """

    batch_size: int

    def set_epoch(self, epoch: int) -> None:
        pass

    def loader(self) -> DataLoader:
        """The batches in order (evaluation, prediction)."""
        return DataLoader(self, batch_size=1, shuffle=False, collate_fn=first_item)


def first_item(items: list) -> Any:
    """collate_fn for a `BatchDataset`: each loaded "batch" is one ready batch."""
    return items[0]


def make_batch(seqs: Sequence[np.ndarray], labels: np.ndarray | None):
    """(ids (B, T) post-padded, lengths (B,), labels (B,)) or (ids, lengths) without labels."""
    ids, lengths = collate(seqs)
    if labels is None:
        return ids, lengths
    return ids, lengths, torch.as_tensor(np.asarray(labels), dtype=torch.long)


class BucketedItems(BatchDataset):
    """Items grouped into batches of similar length by a `BucketBatchSampler`, re-formed by `set_epoch`
    from (seed, epoch); a subclass makes one batch from its items' indices (`make(index)`)."""

    def __init__(self, lengths: Sequence[int], batch_size: int, *, shuffle: bool = True, seed: int = 0):
        self.batch_size = batch_size
        self.sampler = BucketBatchSampler(lengths, batch_size, shuffle=shuffle, seed=seed)
        self.set_epoch(0)

    def set_epoch(self, epoch: int) -> None:
        self.sampler.set_epoch(epoch)
        self.batches = self.sampler.batches()

    def __len__(self) -> int:
        return len(self.batches)

    def __getitem__(self, i):
        return self.make(self.batches[i])

    def make(self, index: np.ndarray):
        raise NotImplementedError


class BucketedBatches(BucketedItems):
    """Length-bucketed training batches of texts and their labels."""

    def __init__(self, seqs: list[np.ndarray], labels: np.ndarray, batch_size: int, seed: int = 0):
        self.seqs, self.labels = seqs, np.asarray(labels)
        super().__init__([len(s) for s in seqs], batch_size, seed=seed)

    def make(self, index: np.ndarray):
        return make_batch([self.seqs[j] for j in index], self.labels[index])


class SortedBatches(BatchDataset):
    """Evaluation batches: texts sorted by length, cut into batches; `order` maps back to input order."""

    def __init__(self, seqs: list[np.ndarray], labels: np.ndarray | None, batch_size: int):
        self.order = np.argsort([len(s) for s in seqs], kind="stable")
        self.seqs, self.labels, self.batch_size = seqs, labels, batch_size

    def __len__(self) -> int:
        return -(-len(self.seqs) // self.batch_size)

    def __getitem__(self, i):
        index = self.order[i * self.batch_size:(i + 1) * self.batch_size]
        labels = None if self.labels is None else np.asarray(self.labels)[index]
        return make_batch([self.seqs[j] for j in index], labels)
