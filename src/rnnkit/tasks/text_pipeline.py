"""Texts -> length-bucketed batches of ids: the data side of the text-classification tasks.

A text is tokenized (English words, characters, Chinese words by jieba, Chinese characters),
mapped to ids by a `Vocabulary` built on the training texts, and cut to `maxlen` ids (Keras'
truncating="pre" keeps the end of a long review, "post" its start). Batches hold texts of similar
length (`BucketBatchSampler`), post-padded with id 0 and carrying their lengths, so the recurrent
layers skip the padding and a batch costs about what its real tokens cost.

Each bucketed batch is ONE item of a `BucketedBatches` dataset (a trainer `BatchDataset`). The
trainer calls its `set_epoch` before every epoch, which re-forms the buckets from (seed, epoch), so
the order is random, the batches differ between epochs, and a resumed run sees the batches an
uninterrupted run would.
"""
from __future__ import annotations

import re
from typing import Callable, Sequence

import numpy as np
import torch

from rnnkit.data import BucketBatchSampler, Vocabulary, collate, get_tokenizer
from rnnkit.training import BatchDataset

_CJK = re.compile(r"[\u3400-\u9fff]")


def resolve_tokenizer(name: str, texts: Sequence[str]) -> str:
    """"auto" -> "chinese" (jieba words) when a sample of the texts is mostly CJK, else "english"."""
    if name != "auto":
        get_tokenizer(name)  # checks the name
        return name
    sample = "".join(texts[:: max(1, len(texts) // 200)])
    letters = sum(ch.isalpha() for ch in sample)
    return "chinese" if letters and len(_CJK.findall(sample)) / letters > 0.3 else "english"


def tokenize_all(texts: Sequence[str], tokenizer: str) -> list[list[str]]:
    tok = get_tokenizer(tokenizer)
    return [tok(t) for t in texts]


def encode(token_lists: Sequence[Sequence[str]], vocab: Vocabulary, maxlen: int | None,
           truncating: str = "pre") -> list[np.ndarray]:
    """Ids of each text, cut to `maxlen`; an empty text becomes one <unk> so no sequence is empty."""
    out = []
    for tokens in token_lists:
        ids = vocab.encode(tokens) or [1]
        if maxlen is not None and len(ids) > maxlen:
            ids = ids[-maxlen:] if truncating == "pre" else ids[:maxlen]
        out.append(np.asarray(ids, dtype=np.int64))
    return out


def make_batch(seqs: Sequence[np.ndarray], labels: np.ndarray | None):
    """(ids (B, T) post-padded, lengths (B,), labels (B,)) or (ids, lengths) without labels."""
    ids, lengths = collate(seqs)
    if labels is None:
        return ids, lengths
    return ids, lengths, torch.as_tensor(np.asarray(labels), dtype=torch.long)


class BucketedBatches(BatchDataset):
    """Length-bucketed training batches as dataset items; `set_epoch` re-forms them."""

    def __init__(self, seqs: list[np.ndarray], labels: np.ndarray, batch_size: int, seed: int = 0):
        self.seqs, self.labels, self.batch_size = seqs, np.asarray(labels), batch_size
        self.sampler = BucketBatchSampler([len(s) for s in seqs], batch_size, seed=seed)
        self.set_epoch(0)

    def set_epoch(self, epoch: int) -> None:
        self.sampler.set_epoch(epoch)
        self.batches = self.sampler.batches()

    def __len__(self) -> int:
        return len(self.batches)

    def __getitem__(self, i):
        index = self.batches[i]
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


@torch.no_grad()
def predict_proba(model: torch.nn.Module, seqs: list[np.ndarray], batch_size: int = 256,
                  progress: Callable[[int], None] | None = None) -> np.ndarray:
    """(N, K) class probabilities in input order, batched by length."""
    batches = SortedBatches(seqs, None, batch_size)
    model.eval()
    probs = []
    for ids, lengths in batches.loader():
        probs.append(model.predict_proba(ids, lengths).cpu().numpy())
        if progress is not None:
            progress(len(ids))
    stacked = np.concatenate(probs) if probs else np.zeros((0, getattr(model, "num_classes", 2)))
    out = np.empty_like(stacked)
    out[batches.order] = stacked
    return out
