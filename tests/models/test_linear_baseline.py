"""The TF-IDF + logistic regression baseline: fits and scores on a tiny fixture, scales its features by the
naive Bayes log-count ratio on two classes, says why when it cannot fit, and comes back from its JSON +
NPZ files with the same probabilities and no pickle."""
import pickle
import random

import numpy as np
import pytest
import scipy.sparse as sp

from rnnkit.models.linear_baseline import C_GRID, BaselineUnavailable, TextBaseline, fit_baseline, nb_log_count_ratio

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
    np.testing.assert_array_equal(loaded.nb_ratio, baseline.nb_ratio)
    np.testing.assert_allclose(loaded.predict_proba(valid[0]), baseline.predict_proba(valid[0]), rtol=1e-6)


def test_long_texts_are_read_as_words_only():
    rows, labels = texts(60, 0)
    long = [" ".join([row] * 80) for row in rows]  # median far above CHAR_VIEW_MAX_MEDIAN characters
    assert list(fit_baseline((long, labels), None, 2, "english").views) == ["words"]


def test_nb_ratio_is_the_log_ratio_of_smoothed_binarized_class_counts():
    x = sp.csr_matrix(np.array([[2.0, 0, 1], [1, 0, 0], [0, 3, 1], [0, 1, 0.5]]))  # (4 texts, 3 features)
    labels = np.array([1, 1, 0, 0])
    p = 1 + np.array([2, 0, 1])  # texts of class 1 holding each feature, plus alpha
    q = 1 + np.array([0, 2, 2])
    expected = np.log((p / p.sum()) / (q / q.sum()))
    np.testing.assert_allclose(nb_log_count_ratio(x, labels), expected, rtol=1e-6)
    assert nb_log_count_ratio(x, np.array([0, 1, 2, 2])) is None  # three classes: unscaled


def test_two_classes_scale_the_features_by_the_ratio_and_more_are_unscaled():
    train, valid = texts(200, 0), texts(60, 1)
    baseline = fit_baseline(train, valid, 2, "english")
    words = baseline.views["words"].vocabulary_
    assert baseline.nb_ratio[words["great"]] > 0 > baseline.nb_ratio[words["awful"]]  # class 1 holds POS words
    unscaled = sp.hstack([v.transform(valid[0]) for v in baseline.views.values()], format="csr")
    np.testing.assert_allclose(baseline.features(valid[0]).toarray(), unscaled.toarray() * baseline.nb_ratio, rtol=1e-6)
    three = np.arange(200) % 3
    assert fit_baseline((train[0], three), (valid[0], np.arange(60) % 3), 3, "english").nb_ratio is None


def test_chinese_texts_get_character_unigrams_english_ones_do_not():
    rows = ["这家酒店很好", "服务很差", "房间很好", "早餐很差"] * 10
    labels = np.arange(40) % 2
    chinese = fit_baseline((rows, labels), None, 2, "chinese").views["chars"].vocabulary_
    assert "好" in chinese and "差" in chinese
    english = fit_baseline(texts(40, 0), None, 2, "english").views["chars"].vocabulary_
    assert not any(len(gram) == 1 for gram in english)


def keyword_texts(n, classes, seed):
    """Texts of filler words and one keyword of their class (class k's keywords: kw{k}a, kw{k}b), one text in
    five another class's keyword, so no classifier is sure."""
    rng = random.Random(seed)
    rows, labels = [], []
    for i in range(n):
        k = i % classes
        words = [rng.choice(FILLER) for _ in range(rng.randint(2, 6))]
        keyword = k if rng.random() < 0.8 else rng.randrange(classes)
        words.insert(rng.randrange(len(words) + 1), f"kw{keyword}{rng.choice('ab')}")
        rows.append(" ".join(words))
        labels.append(k)
    return rows, np.array(labels)


def test_many_classes_are_fitted_one_against_the_rest_and_read_through_a_tempered_softmax(tmp_path, monkeypatch):
    from scipy.special import log_softmax

    from rnnkit.models import linear_baseline

    train, valid = keyword_texts(600, 12, 0), keyword_texts(240, 12, 1)
    monkeypatch.setattr(linear_baseline, "MANY_WEIGHTS", 1_000)  # this small file counts as many classes
    baseline = fit_baseline(train, valid, 12, "english")
    assert baseline.fitted_by == linear_baseline.ONE_AGAINST_REST and baseline.C in linear_baseline.SVM_C_GRID
    assert baseline.classifier.coef_.dtype == np.float32  # half the run folder
    probs = baseline.predict_proba(valid[0])
    assert probs.shape == (240, 12) and np.allclose(probs.sum(1), 1) and baseline.valid_acc >= 0.75
    # the temperature is the one of lowest validation log loss: neither half nor twice it does better
    scores = baseline.features(valid[0]) @ baseline.classifier.coef_.T + baseline.classifier.intercept_
    loss = lambda t: -np.mean(log_softmax(t * scores, axis=1)[np.arange(240), valid[1]])  # noqa: E731
    assert loss(1.0) < min(loss(0.5), loss(2.0))
    baseline.save(tmp_path / "b.json", tmp_path / "b.npz")
    loaded, _ = TextBaseline.load(tmp_path / "b.json", tmp_path / "b.npz")
    assert loaded.fitted_by == baseline.fitted_by
    np.testing.assert_allclose(loaded.predict_proba(valid[0]), probs, rtol=1e-6)


def test_few_classes_keep_the_logistic_regression_and_many_classes_fewer_features(monkeypatch):
    from rnnkit.models import linear_baseline

    train, valid = keyword_texts(600, 12, 0), keyword_texts(240, 12, 1)
    assert fit_baseline(train, valid, 12, "english").fitted_by == linear_baseline.LOGISTIC
    monkeypatch.setattr(linear_baseline, "MAX_WEIGHTS", 12 * 2 * 50)  # 50 n-grams a view for 12 classes
    capped = fit_baseline(train, valid, 12, "english")
    assert [len(v.vocabulary_) for v in capped.views.values()] == [50, 50]
