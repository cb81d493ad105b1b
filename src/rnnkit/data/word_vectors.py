"""Word vectors learned from the training texts alone: PPMI + truncated SVD (Levy, Goldberg & Dagan 2015).

Article 000 trains its embedding from random numbers; 25k IMDB reviews or 14k Chinese reviews teach
a 30k-word embedding slowly that way, and most of the words are seen too rarely to move far. Counting
which words stand near which others in the same texts gives vectors in which "awful" sits beside
"terrible" and "dreadful" before any label is read. `ppmi_svd_vectors` does that in a few seconds:

    C[i, j]   = sum over pairs of word i and word j at distance d <= window in one text of 1/d
    PMI[i, j] = log( C[i, j] * sum(c^0.75) / (C[i, *] * C[*, j]^0.75) )   (context smoothing 0.75)
    PPMI      = max(PMI, 0)                                                 (sparse)
    U, S, V   = the top `dim` singular triplets of PPMI (randomised SVD)
    vector_i  = (U sqrt(S))_i, scaled to unit length

The classifier then starts from these vectors instead of uniform noise (`SequenceClassifier`'s
`embedding_init`) and fine-tunes them with the rest of the model. Only the training texts are read:
no outside corpus, no test text.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from rnnkit.data.text import UNK_ID


def cooccurrence(sequences: Sequence[np.ndarray], vocab_size: int, window: int = 5,
                 chunk_tokens: int = 1_000_000) -> torch.Tensor:
    """Symmetric co-occurrence counts weighted 1/distance, as a coalesced sparse (V, V) tensor.

    Pairs never cross from one text into the next; <pad> and <unk> are left out. The texts are
    counted in chunks of about `chunk_tokens` tokens whose distinct pairs are then merged: memory
    follows the number of distinct pairs, not the 2 * window pairs of every token in the corpus."""
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window!r}")
    if chunk_tokens < 1:
        raise ValueError(f"chunk_tokens must be >= 1, got {chunk_tokens!r}")
    parts = [_pair_counts(chunk, vocab_size, window) for chunk in _chunks(sequences, chunk_tokens)]
    if parts:
        key, count = _merge(torch.cat([k for k, _ in parts]), torch.cat([c for _, c in parts]))
    else:
        key, count = torch.zeros(0, dtype=torch.int64), torch.zeros(0)
    index = torch.stack((key // vocab_size, key % vocab_size))  # (2, nnz)
    return torch.sparse_coo_tensor(index, count, (vocab_size, vocab_size), is_coalesced=True, check_invariants=False)


def _chunks(sequences: Sequence[np.ndarray], chunk_tokens: int):
    """Consecutive groups of whole texts holding about `chunk_tokens` tokens each."""
    chunk, size = [], 0
    for seq in sequences:
        chunk.append(np.asarray(seq, dtype=np.int64))
        size += len(seq)
        if size >= chunk_tokens:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def _pair_counts(sequences: list[np.ndarray], vocab_size: int, window: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Sorted distinct pair keys (row * V + column) of these texts and their 1/distance-weighted counts."""
    lengths = np.fromiter((len(s) for s in sequences), dtype=np.int64, count=len(sequences))
    flat = np.concatenate(sequences)  # (N,)
    text = np.repeat(np.arange(len(sequences)), lengths)  # (N,) which text each token is in
    keys, weights = [], []
    for d in range(1, window + 1):
        left, right = flat[:-d], flat[d:]
        ok = (text[:-d] == text[d:]) & (left > UNK_ID) & (right > UNK_ID)
        left, right = left[ok], right[ok]
        keys += [left * vocab_size + right, right * vocab_size + left]  # both directions
        weights += [np.full(2 * len(left), 1.0 / d, dtype=np.float32)]
    return _merge(torch.from_numpy(np.concatenate(keys)), torch.from_numpy(np.concatenate(weights)))


def _merge(keys: torch.Tensor, weights: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Sum the weights of equal keys; the keys come back sorted (sorting beats coalescing a COO tensor)."""
    unique, inverse = torch.unique(keys, return_inverse=True)
    return unique, torch.zeros(len(unique), dtype=weights.dtype).index_add_(0, inverse, weights)


def ppmi(counts: torch.Tensor, smoothing: float = 0.75) -> torch.Tensor:
    """Positive pointwise mutual information of a sparse count matrix (contexts smoothed by ^smoothing)."""
    index, values = counts.indices(), counts.values()
    word = torch.zeros(counts.shape[0], dtype=values.dtype).index_add_(0, index[0], values)  # (V,)
    context = word.pow(smoothing)  # symmetric counts: the context totals are the word totals
    pmi = torch.log(values * context.sum() / (word[index[0]] * context[index[1]]))  # (nnz,)
    keep = pmi > 0
    return torch.sparse_coo_tensor(index[:, keep], pmi[keep], counts.shape, is_coalesced=True, check_invariants=False)


def ppmi_svd_vectors(sequences: Sequence[np.ndarray], vocab_size: int, dim: int, *, window: int = 5,
                     seed: int = 0) -> np.ndarray:
    """(vocab_size, dim) float32 unit vectors from the id sequences; rows of unseen ids, <pad> and <unk> are 0.

    A vocabulary smaller than `dim` (a small file) gives min(dim, vocab_size) components, zero-padded to dim."""
    if dim < 1:
        raise ValueError(f"dim must be >= 1, got {dim!r}")
    matrix = ppmi(cooccurrence(sequences, vocab_size, window))
    if matrix._nnz() == 0:
        raise ValueError("the texts have no pair of known words within the window: nothing to learn vectors from")
    generator_state = torch.random.get_rng_state()
    torch.manual_seed(seed)  # svd_lowrank draws a random sketch; keep the caller's stream untouched
    try:
        u, s, _ = torch.svd_lowrank(matrix, q=min(dim, vocab_size), niter=4)  # (V, k), (k,)
    finally:
        torch.random.set_rng_state(generator_state)
    vectors = torch.nn.functional.pad(u * s.sqrt(), (0, dim - len(s)))  # (V, dim): eigenvalue weighting p = 0.5
    vectors = vectors / vectors.norm(dim=1, keepdim=True).clamp_min(1e-12)
    seen = torch.zeros(vocab_size, dtype=torch.bool)
    seen[matrix.indices()[0]] = True  # a word without a positive PMI has only rounding noise in U
    return torch.where(seen.unsqueeze(1), vectors, 0.0).numpy().astype(np.float32)
