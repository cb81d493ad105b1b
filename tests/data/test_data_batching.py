"""pad_sequences (Keras semantics), length bucketing and collate."""

import numpy as np
import pytest
import torch

from rnnkit.data.batching import BucketBatchSampler, collate, pad_sequences, padding_fraction

SEQS = [[1, 2, 3, 4, 5], [6, 7], [], [8, 9, 10]]


def test_pad_pre_truncate_pre_is_the_keras_default():
    expected = np.array([[3, 4, 5], [0, 6, 7], [0, 0, 0], [8, 9, 10]])
    out = pad_sequences(SEQS, maxlen=3)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out, expected)


def test_pad_post_truncate_post():
    expected = np.array([[1, 2, 3], [6, 7, -1], [-1, -1, -1], [8, 9, 10]])
    np.testing.assert_array_equal(pad_sequences(SEQS, maxlen=3, padding="post", truncating="post", value=-1),
                                  expected)


def test_pad_pre_truncate_post_and_post_truncate_pre():
    np.testing.assert_array_equal(pad_sequences(SEQS, maxlen=4, padding="pre", truncating="post"),
                                  [[1, 2, 3, 4], [0, 0, 6, 7], [0, 0, 0, 0], [0, 8, 9, 10]])
    np.testing.assert_array_equal(pad_sequences(SEQS, maxlen=4, padding="post", truncating="pre"),
                                  [[2, 3, 4, 5], [6, 7, 0, 0], [0, 0, 0, 0], [8, 9, 10, 0]])


def test_pad_default_maxlen_is_longest_and_bad_arguments_quoted():
    assert pad_sequences(SEQS).shape == (4, 5)
    assert pad_sequences([[], []]).shape == (2, 0)
    with pytest.raises(ValueError, match="padding='middle'"):
        pad_sequences(SEQS, padding="middle")
    with pytest.raises(ValueError, match="truncating='x'"):
        pad_sequences(SEQS, truncating="x")


def test_bucketing_covers_every_index_once_and_is_seeded():
    lengths = np.random.default_rng(0).integers(1, 200, size=1003)
    sampler = BucketBatchSampler(lengths, batch_size=16, chunk_batches=10, seed=3)
    batches = list(sampler)
    flat = sorted(i for b in batches for i in b)
    assert flat == list(range(1003))
    assert len(batches) == len(sampler) == 63
    assert batches == list(BucketBatchSampler(lengths, batch_size=16, chunk_batches=10, seed=3))
    sampler.set_epoch(1)
    assert list(sampler) != batches  # a new epoch reshuffles


def test_bucketing_wastes_less_padding_than_random_batches():
    lengths = np.random.default_rng(1).integers(1, 300, size=2000)
    bucketed = list(BucketBatchSampler(lengths, batch_size=32, chunk_batches=20, seed=0))
    order = np.random.default_rng(0).permutation(len(lengths))
    random_batches = [order[i:i + 32].tolist() for i in range(0, len(order), 32)]
    assert padding_fraction(bucketed, lengths) < 0.5 * padding_fraction(random_batches, lengths)


def test_bucketing_drop_last():
    sampler = BucketBatchSampler(range(1, 11), batch_size=4, drop_last=True, shuffle=False)
    batches = list(sampler)
    assert len(batches) == len(sampler) == 2 and all(len(b) == 4 for b in batches)


def test_collate_returns_post_padded_long_tensors_and_lengths():
    padded, lengths = collate([[5, 6, 7], [8], [9, 10]])
    assert padded.dtype == torch.int64 and lengths.dtype == torch.int64
    assert padded.tolist() == [[5, 6, 7], [8, 0, 0], [9, 10, 0]]
    assert lengths.tolist() == [3, 1, 2]
