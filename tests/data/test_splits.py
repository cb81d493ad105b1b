"""The held-out parts of rnnkit.data.splits: stratified, random, grouped and tail."""
from __future__ import annotations

import numpy as np
import pytest

from rnnkit.data.splits import grouped_holdout, random_holdout, stratified_holdout, tail_holdout
from rnnkit.errors import UserError


def partition(train, valid, n):
    assert not set(train) & set(valid) and sorted(np.concatenate([train, valid])) == list(range(n))


def test_stratified_holds_out_the_same_fraction_of_every_label_seeded():
    labels = np.repeat([0, 1, 2], [10, 20, 40])
    train, valid = stratified_holdout(labels, 0.2, seed=0)
    partition(train, valid, 70)
    assert np.bincount(labels[valid]).tolist() == [2, 4, 8]
    np.testing.assert_array_equal(stratified_holdout(labels, 0.2, seed=0)[1], valid)
    assert not np.array_equal(stratified_holdout(labels, 0.2, seed=1)[1], valid)


def test_labels_too_rare_for_a_stratified_part_still_give_a_validation_part():
    """52 labels of 2 samples (UCR's PigCVP), or intents of 2-4 examples: 20% of each rounds to none; the
    hold-out takes round(0.2 N) samples, one from each of as many labels, so every label keeps one to train on."""
    labels = np.repeat(np.arange(52), 2)
    train, valid = stratified_holdout(labels, 0.2, seed=0)
    partition(train, valid, 104)
    assert len(valid) == 21 and len(set(labels[valid])) == 21 and set(labels[train]) == set(range(52))
    np.testing.assert_array_equal(stratified_holdout(labels, 0.2, seed=0)[1], valid)
    intents = np.repeat(np.arange(30), np.arange(30) % 3 + 2)  # 2, 3 or 4 examples each
    train, valid = stratified_holdout(intents, 0.1, seed=0)
    assert len(valid) == round(0.1 * len(intents)) and set(intents[train]) == set(range(30))


def test_single_examples_only_leave_nothing_to_hold_out():
    with pytest.raises(UserError, match="leaves an empty part"):
        stratified_holdout(np.arange(10), 0.2, seed=0)


def test_random_grouped_and_tail():
    train, valid = random_holdout(50, 0.2, seed=0)
    partition(train, valid, 50)
    assert len(valid) == 10
    groups = ["a", "a", "b", "c", "c", "c", "d"]
    train, valid = grouped_holdout(groups, 0.25, seed=0)
    partition(train, valid, 7)
    assert not {groups[i] for i in train} & {groups[i] for i in valid}
    train, valid = tail_holdout(10, 0.3)
    assert train.tolist() == list(range(7)) and valid.tolist() == [7, 8, 9]
    with pytest.raises(UserError, match="leaves an empty part"):
        random_holdout(3, 0.01, seed=0)
