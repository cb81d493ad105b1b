"""`HashedNgramEmbedding`: a vector for each step's n-gram of token ids, hashed into a fixed number of
buckets, added to the word vector the recurrent layer reads at that step.

fastText (Joulin et al. 2016, "Bag of Tricks for Efficient Text Classification") hashes word bigrams into
buckets and shows that their embeddings let a small model match linear bag-of-n-gram models; Johnson &
Zhang (2015, 2016) feed a recurrent or convolutional layer with embeddings of regions (a few consecutive
words) instead of single words. Here step t of a sequence w_1..w_T reads

    x_t = E[w_t] + sum_{n=2..N} G[hash(w_{t-n+1}, ..., w_t) mod buckets]

where ids before the start of the text count as padding (id 0), so the first steps' n-grams say "the text
starts with ...". The hash is a fixed polynomial over the ids (the same on every machine and run), and
G starts at zeros: before training the layer adds nothing, and the model begins as the plain word model.
Padded steps (id 0) get no n-gram vector.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from ..validation import check_positive

PRIMES = (1_000_003, 998_244_353, 2_147_483_647)
"""odd multipliers of the ids at distance 1, 2, 3 before the step (the key of an n-gram of up to 4 ids)"""
MIX = 0x9E3779B97F4A7C15 - 2**64
"""Knuth's multiplicative hash (2^64 / golden ratio, as a signed int64): spreads keys over the buckets"""
LOW_63 = 2**63 - 1


class HashedNgramEmbedding(nn.Module):
    """Sum of the hashed 2..`max_n`-gram vectors ending at each step: ids (B, T) -> (B, T, dim)."""

    def __init__(self, buckets: int, dim: int, max_n: int = 2):
        super().__init__()
        self.buckets = check_positive("ngram_buckets", buckets)
        if not 2 <= max_n <= len(PRIMES) + 1:
            raise ValueError(f"max_n (the longest n-gram) must be between 2 and {len(PRIMES) + 1}, got {max_n!r}")
        self.max_n = max_n
        self.weight = nn.Parameter(torch.zeros(buckets, dim))

    def bucket_ids(self, ids: Tensor) -> Tensor:
        """(max_n - 1, B, T) bucket of the n-gram (n = 2..max_n) ending at each step."""
        h = ids.long()
        out = []
        for back in range(1, self.max_n):
            before = torch.nn.functional.pad(ids.long(), (back, 0))[:, :-back]  # (B, T): the id `back` steps before
            h = h + before * PRIMES[back - 1]  # (B, T): the n-gram's key, exact for ids < 1e6
            mixed = (h * MIX) & LOW_63  # the product wraps at 2^64, the same everywhere; its low 63 bits
            out.append((mixed // 65536) % self.buckets)  # non-negative: the same in ONNX (no signed shift there)
        return torch.stack(out)  # (N-1, B, T)

    def forward(self, ids: Tensor) -> Tensor:
        vectors = nn.functional.embedding(self.bucket_ids(ids), self.weight).sum(0)  # (B, T, dim)
        return vectors * (ids != 0).unsqueeze(-1).to(vectors.dtype)  # padded steps: zeros

    def extra_repr(self) -> str:
        return f"buckets={self.buckets}, dim={self.weight.shape[1]}, max_n={self.max_n}"
