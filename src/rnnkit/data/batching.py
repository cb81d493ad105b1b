"""Padding and batching variable-length sequences.

- `pad_sequences` follows Keras' `pad_sequences` exactly: pad and truncate at the start ("pre",
  the default, so the last real token sits next to the classifier) or at the end ("post").
- `BucketBatchSampler` groups sequences of similar length: shuffle, cut into chunks of about 100
  batches, sort each chunk by length, cut it into batches, shuffle the batches. Batches then waste
  little padding while the order stays random (as in torchtext's BucketIterator and fairseq).
- `collate` turns a list of id sequences into `(padded (B, T) LongTensor, lengths (B,) LongTensor)`
  with post padding, the layout the recurrent layers' `lengths` argument expects.
"""

from __future__ import annotations

from typing import Iterator, Sequence

import numpy as np


def _check_side(name: str, value: str) -> None:
    if value not in ("pre", "post"):
        raise ValueError(f"{name}={value!r} must be 'pre' or 'post'")


def lengths_of(seqs: Sequence[Sequence[int]]) -> np.ndarray:
    return np.array([len(s) for s in seqs], dtype=np.int64)


def pad_sequences(seqs: Sequence[Sequence[int]], maxlen: int | None = None, padding: str = "pre",
                  truncating: str = "pre", value: int = 0) -> np.ndarray:
    """(N,) sequences -> (N, maxlen) int64; `maxlen` defaults to the longest sequence.

    truncating="pre" keeps the last `maxlen` items, "post" the first; padding="pre" puts `value`
    before the items, "post" after them.
    """
    _check_side("padding", padding)
    _check_side("truncating", truncating)
    if maxlen is not None and maxlen < 0:
        raise ValueError(f"maxlen={maxlen!r} must be >= 0 or None")
    lengths = lengths_of(seqs)
    width = int(lengths.max(initial=0)) if maxlen is None else maxlen
    out = np.full((len(seqs), width), value, dtype=np.int64)  # (N, T)
    for row, seq in enumerate(seqs):
        kept = list(seq[-width:] if truncating == "pre" else seq[:width]) if width else []
        if not kept:
            continue
        if padding == "post":
            out[row, : len(kept)] = kept
        else:
            out[row, width - len(kept):] = kept
    return out


class BucketBatchSampler:
    """Yields lists of indices; every index exactly once per epoch, similar lengths per batch.

    Iterate it directly or pass it as `batch_sampler=` to a torch DataLoader. Each epoch reshuffles
    (seed + epoch), so runs repeat exactly with the same seed.
    """

    def __init__(self, lengths: Sequence[int], batch_size: int, chunk_batches: int = 100,
                 shuffle: bool = True, drop_last: bool = False, seed: int = 0):
        if batch_size < 1:
            raise ValueError(f"batch_size={batch_size!r} must be >= 1")
        if chunk_batches < 1:
            raise ValueError(f"chunk_batches={chunk_batches!r} must be >= 1")
        self.lengths = np.asarray(lengths, dtype=np.int64)
        self.batch_size, self.chunk_batches = batch_size, chunk_batches
        self.shuffle, self.drop_last, self.seed = shuffle, drop_last, seed
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        n = len(self.lengths)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def batches(self) -> list[np.ndarray]:
        rng = np.random.default_rng(self.seed + self.epoch)
        order = rng.permutation(len(self.lengths)) if self.shuffle else np.arange(len(self.lengths))
        chunk = self.batch_size * self.chunk_batches
        batches = []
        for start in range(0, len(order), chunk):
            part = order[start:start + chunk]
            part = part[np.argsort(self.lengths[part], kind="stable")]  # sort by length within the chunk
            batches += [part[i:i + self.batch_size] for i in range(0, len(part), self.batch_size)]
        if self.drop_last:
            batches = [b for b in batches if len(b) == self.batch_size]
        if self.shuffle:
            batches = [batches[i] for i in rng.permutation(len(batches))]
        return batches

    def __iter__(self) -> Iterator[list[int]]:
        for batch in self.batches():
            yield batch.tolist()


def padding_fraction(batches: Sequence[Sequence[int]], lengths: Sequence[int]) -> float:
    """Share of padded cells when each batch is padded to its longest sequence."""
    lengths = np.asarray(lengths)
    cells = sum(len(b) * int(lengths[list(b)].max()) for b in batches)
    real = sum(int(lengths[list(b)].sum()) for b in batches)
    return 1.0 - real / cells if cells else 0.0


def collate(seqs: Sequence[Sequence[int]], value: int = 0):
    """List of id sequences -> (padded (B, T) LongTensor, lengths (B,) LongTensor), post padding."""
    import torch  # only here: the rest of data/ needs no torch

    lengths = lengths_of(seqs)
    padded = pad_sequences(seqs, padding="post", truncating="post", value=value)  # (B, T)
    return torch.from_numpy(padded), torch.from_numpy(lengths)
