"""PPMI-SVD word vectors: counts and PMI against plain loops, and vectors that put like words together."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from rnnkit.data.word_vectors import cooccurrence, ppmi, ppmi_svd_vectors


def brute_counts(seqs, vocab_size, window):
    counts = np.zeros((vocab_size, vocab_size))
    for s in seqs:
        for i, a in enumerate(s):
            for j in range(i + 1, min(len(s), i + window + 1)):
                b = s[j]
                if a > 1 and b > 1:
                    counts[a, b] += 1 / (j - i)
                    counts[b, a] += 1 / (j - i)
    return counts


def test_cooccurrence_matches_a_plain_loop_and_never_crosses_texts():
    rng = np.random.default_rng(0)
    seqs = [rng.integers(0, 9, size=n) for n in (7, 1, 12, 5)]
    got = cooccurrence(seqs, 9, window=3).to_dense().numpy()
    np.testing.assert_allclose(got, brute_counts(seqs, 9, 3), rtol=1e-6)
    # the last word of one text and the first of the next are no pair
    assert cooccurrence([np.array([2]), np.array([3])], 4, window=2)._nnz() == 0


def test_counting_in_chunks_of_texts_gives_the_same_counts():
    rng = np.random.default_rng(2)
    seqs = [rng.integers(0, 30, size=n) for n in rng.integers(0, 25, size=60)]
    whole = cooccurrence(seqs, 30, window=4, chunk_tokens=10**9)
    for chunk_tokens in (1, 7, 100):
        chunked = cooccurrence(seqs, 30, window=4, chunk_tokens=chunk_tokens)
        assert torch.equal(chunked.indices(), whole.indices())
        torch.testing.assert_close(chunked.values(), whole.values())
    np.testing.assert_allclose(whole.to_dense().numpy(), brute_counts(seqs, 30, 4), rtol=1e-5)


def test_ppmi_matches_the_formula_on_a_dense_matrix():
    rng = np.random.default_rng(1)
    dense = rng.integers(0, 4, size=(6, 6)).astype(np.float32)
    dense = dense + dense.T  # symmetric, as co-occurrence counts are
    got = ppmi(torch.tensor(dense).to_sparse()).to_dense().numpy()
    word = dense.sum(1)
    context = word ** 0.75
    expected = np.zeros_like(dense)
    for i in range(6):
        for j in range(6):
            if dense[i, j] > 0:
                expected[i, j] = max(0.0, math.log(dense[i, j] * context.sum() / (word[i] * context[j])))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def synthetic_corpus(seed=0):
    """Two topics: ids 2-5 only ever appear with 6-9, ids 10-13 only with 14-17."""
    rng = np.random.default_rng(seed)
    texts = []
    for _ in range(300):
        base = 2 if rng.random() < 0.5 else 10
        texts.append(rng.choice(np.r_[base:base + 8], size=12))
    return texts


def test_vectors_are_unit_rows_with_zero_pad_unk_and_unseen_ids():
    vectors = ppmi_svd_vectors(synthetic_corpus(), 20, 4, window=2)
    assert vectors.shape == (20, 4) and vectors.dtype == np.float32
    norms = np.linalg.norm(vectors, axis=1)
    np.testing.assert_allclose(norms[2:18], 1.0, rtol=1e-5)
    assert np.all(vectors[[0, 1, 18, 19]] == 0)


def test_words_of_one_topic_end_up_closer_than_words_of_two():
    v = ppmi_svd_vectors(synthetic_corpus(), 18, 4, window=2)
    same = np.mean([v[a] @ v[b] for a in range(2, 10) for b in range(2, 10) if a != b])
    across = np.mean([v[a] @ v[b] for a in range(2, 10) for b in range(10, 18)])
    assert same > 0.5 and across < 0.1, (same, across)


def test_vectors_are_reproducible_and_leave_the_global_random_stream_alone():
    torch.manual_seed(123)
    expected_next = torch.rand(3)
    torch.manual_seed(123)
    a = ppmi_svd_vectors(synthetic_corpus(), 18, 4, seed=5)
    after = torch.rand(3)
    b = ppmi_svd_vectors(synthetic_corpus(), 18, 4, seed=5)
    np.testing.assert_array_equal(a, b)
    assert torch.equal(after, expected_next)


def test_a_vocabulary_smaller_than_dim_gives_zero_padded_vectors():
    vectors = ppmi_svd_vectors(synthetic_corpus(), 18, 30)
    assert vectors.shape == (18, 30) and not vectors[:, 18:].any()
    np.testing.assert_allclose(np.linalg.norm(vectors[2:], axis=1), 1.0, rtol=1e-5)


@pytest.mark.parametrize("kwargs, message", [({"dim": 0}, "dim"), ({"dim": 4, "window": 0}, "window")])
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ppmi_svd_vectors(synthetic_corpus(), 18, **kwargs)
    with pytest.raises(ValueError, match="chunk_tokens"):
        cooccurrence(synthetic_corpus(), 18, chunk_tokens=0)


def test_texts_without_pairs_give_a_clear_error():
    with pytest.raises(ValueError, match="no pair"):
        ppmi_svd_vectors([np.array([2]), np.array([1, 1, 3])], 5, 2)
