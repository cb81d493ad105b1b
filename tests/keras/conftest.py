"""Keras runs in these tests only, on its torch backend (set before anything imports keras); rnnkit never
imports it. Fixtures: `keras` (the module), `randomize` (every weight of a Keras model random, biases
too) and `padded_ids` (word ids padded as Keras pads them)."""
import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest


@pytest.fixture(scope="session")
def keras():
    keras = pytest.importorskip("keras")  # a test dependency (the `test` extra); its absence is a skip, not a pass
    assert keras.backend.backend() == "torch"
    return keras


@pytest.fixture
def randomize():
    return randomize_weights


@pytest.fixture
def padded_ids():
    return make_padded_ids


def randomize_weights(model, seed: int = 0, scale: float = 0.4) -> None:
    """Every weight of a Keras model drawn from N(0, scale^2): no zero bias hides a mis-mapped one."""
    rng = np.random.default_rng(seed)
    for variable in model.weights:
        variable.assign(rng.normal(0.0, scale, variable.shape).astype("float32"))


def make_padded_ids(rows: int, steps: int, vocab: int, seed: int = 0) -> np.ndarray:
    """Word ids in [1, vocab) with padding 0 as Keras' pad_sequences puts it (at the start), one row padded
    at the end and one with a 0 inside; no row is all padding."""
    rng = np.random.default_rng(seed)
    x = rng.integers(1, vocab, (rows, steps)).astype("int32")
    for r in range(rows):
        x[r, :rng.integers(0, steps - 2)] = 0
    x[0, -2:] = 0
    x[1, steps // 2] = 0
    return x
