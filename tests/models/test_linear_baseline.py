"""The TF-IDF + logistic regression baseline: fits and scores on a tiny fixture, says why when it cannot
fit, and comes back from its JSON + NPZ files with the same probabilities and no pickle."""
import pickle
import random

import numpy as np
import pytest

from rnnkit.models.linear_baseline import C_GRID, BaselineUnavailable, TextBaseline, fit_baseline

POS, NEG = ["great", "wonderful", "loved", "excellent"], ["awful", "boring", "hated", "terrible"]
FILLER = ["the", "movie", "was", "a", "plot", "and", "it", "actors"]


def texts(n, seed):
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        words = [rng.choice(FILLER) for _ in range(rng.randint(2, 8))]
        words.insert(rng.randrange(len(words) + 1), rng.choice(POS if i % 2 else NEG))
        rows.append(" ".join(words))
    return rows, np.arange(n) % 2


def test_fits_on_the_training_texts_and_chooses_c_on_the_validation_texts():
    train, valid = texts(200, 0), texts(60, 1)
    baseline = fit_baseline(train, valid, 2, "english")
    assert set(baseline.views) == {"words", "chars"} and baseline.C in C_GRID
    assert "great" in baseline.views["words"].vocabulary_ and "the movie" in baseline.views["words"].vocabulary_
    probs = baseline.predict_proba(valid[0])
    assert probs.shape == (60, 2) and np.allclose(probs.sum(1), 1)
    assert baseline.valid_acc == pytest.approx(float(np.mean(probs.argmax(1) == valid[1])))
    assert baseline.valid_acc >= 0.95  # one keyword decides the label


def test_a_class_missing_from_the_training_texts_gets_probability_0():
    train, valid = texts(100, 0), texts(20, 1)
    probs = fit_baseline(train, valid, 3, "english").predict_proba(valid[0])
    assert probs.shape == (20, 3) and np.all(probs[:, 2] == 0) and np.allclose(probs.sum(1), 1)


def test_one_class_is_refused_with_the_reason():
    train = texts(50, 0)[0], np.zeros(50, dtype=np.int64)
    with pytest.raises(BaselineUnavailable, match="one class"):
        fit_baseline(train, None, 2, "english")


def test_an_empty_vocabulary_is_refused_with_the_reason():
    train = [chr(0x4E00 + i) for i in range(30)], np.arange(30) % 2  # no n-gram in two texts
    with pytest.raises(BaselineUnavailable, match="empty vocabulary"):
        fit_baseline(train, None, 2, "chinese")


def test_a_view_without_features_is_left_out():
    train = ["%d%d" % (i, i) for i in range(10, 40)], np.arange(30) % 2  # "1010": chars repeat, no word twice
    baseline = fit_baseline(train, None, 2, "english")
    assert list(baseline.views) == ["chars"]


def test_saved_baseline_loads_from_json_and_npz_without_pickle(tmp_path, monkeypatch):
    train, valid = texts(200, 0), texts(60, 1)
    baseline = fit_baseline(train, valid, 2, "english")
    baseline.save(tmp_path / "b.json", tmp_path / "b.npz", blend_weight=0.25)

    def no_pickle(*args, **kwargs):
        raise AssertionError("pickle used")

    monkeypatch.setattr(pickle, "load", no_pickle)
    monkeypatch.setattr(pickle, "loads", no_pickle)
    loaded, record = TextBaseline.load(tmp_path / "b.json", tmp_path / "b.npz")
    assert record["blend_weight"] == 0.25 and loaded.C == baseline.C
    np.testing.assert_allclose(loaded.predict_proba(valid[0]), baseline.predict_proba(valid[0]), rtol=1e-6)


def test_long_texts_are_read_as_words_only():
    rows, labels = texts(60, 0)
    long = [" ".join([row] * 80) for row in rows]  # median far above CHAR_VIEW_MAX_MEDIAN characters
    assert list(fit_baseline((long, labels), None, 2, "english").views) == ["words"]
