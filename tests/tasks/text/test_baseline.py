"""Every text run's TF-IDF + logistic regression baseline: reported beside the model, blended into the
run's prediction with the weight and Platt scaling chosen on validation (predict and evaluate reproduce the
run's test numbers from the saved files, without pickle; runs saved before the scaling predict as they did),
`--baseline none`, and runs it cannot fit go on."""
import json
import pickle
import random

import numpy as np
import pytest

from rnnkit.cli.main import main
from rnnkit.tasks import load_config, read_run
from rnnkit.tasks import train as train_task
from rnnkit.models.blend import WEIGHTS, blend
from rnnkit.models.linear_baseline import LOGISTIC
from rnnkit.models.calibration import Scaling, fit_scaling
from rnnkit.tasks.text.baseline import (LARGE_VALIDATION, Blend, RunBaseline, choose_blend, fit_run_baseline,
                                        report_section)

POS, NEG = ["great", "wonderful", "loved", "excellent"], ["awful", "boring", "hated", "terrible"]
FILLER = ["the", "movie", "was", "a", "plot", "and", "it", "actors"]
TINY = {"epochs": "2", "batch_size": "16", "embedding_dim": "12", "hidden_size": "8", "lr": "0.03",
        "validation_split": "0.2", "second_view": "none"}


def write_reviews(path, n, seed):
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        words = [rng.choice(FILLER) for _ in range(rng.randint(2, 9))]
        words.insert(rng.randrange(len(words) + 1), rng.choice(POS if i % 2 else NEG))
        rows.append(f"{' '.join(words)},{'pos' if i % 2 else 'neg'}")
    path.write_text("text,label\n" + "\n".join(rows) + "\n")
    return path


def train(overrides, run_dir):
    return train_task(*load_config("classify", overrides), run_dir=run_dir, quiet=True)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("baseline")
    return write_reviews(folder / "train.csv", 200, 0), write_reviews(folder / "test.csv", 60, 1)


def test_the_run_blends_the_baseline_and_predict_and_evaluate_reproduce_its_test_numbers(files, tmp_path,
                                                                                         monkeypatch):
    import rnnkit.tasks.text.train as text_train
    from rnnkit.io.run import load
    from rnnkit.models.linear_baseline import TextBaseline
    from rnnkit.tasks.text.predict import encode_like_run, evaluate_texts, predict_proba, run_proba

    chosen = Blend(0.5, Scaling(1.5, (0.25,)))
    monkeypatch.setattr(text_train, "choose_blend", lambda *a: chosen)  # the blend path, whatever tiny data picks
    train_file, test_file = files
    run_dir, final = train({"data": str(train_file), "test_data": str(test_file), **TINY}, tmp_path / "run")
    assert final["blend_weight"] == 0.5 and {"test_acc_model", "test_acc_baseline"} <= set(final)
    record = json.loads((run_dir / "baseline.json").read_text())
    assert record["blend_weight"] == 0.5 and (run_dir / "baseline.npz").is_file()
    assert record["blend_scaling"] == {"scale": 1.5, "bias": [0.25]}
    report = (run_dir / "report.md").read_text()
    assert "## Baseline" in report and "Difference" in report
    assert "baseline weight 0.5, Platt-scaled (scale 1.5" in report

    def no_pickle(*args, **kwargs):
        raise AssertionError("pickle used")

    monkeypatch.setattr(pickle, "load", no_pickle)
    monkeypatch.setattr(pickle, "loads", no_pickle)
    run = read_run(run_dir)
    scores = evaluate_texts(run)  # the run's own test file, from the folder alone
    assert scores["acc"] == pytest.approx(final["test_acc"]) and scores["loss"] == pytest.approx(final["test_loss"],
                                                                                                 rel=1e-5)
    texts = [line.rsplit(",", 1)[0] for line in test_file.read_text().splitlines()[1:]]
    model = predict_proba(load(run_dir), encode_like_run(run, texts))
    baseline = TextBaseline.load(run_dir / "baseline.json", run_dir / "baseline.npz")[0].predict_proba(texts)
    np.testing.assert_allclose(run_proba(run, texts)[0], chosen.scaling.apply(0.5 * model + 0.5 * baseline), rtol=1e-6)

    # A run saved before the scaling (no "blend_scaling" in baseline.json) predicts the plain blend, as it did.
    del record["blend_scaling"]
    (run_dir / "baseline.json").write_text(json.dumps(record))
    np.testing.assert_allclose(run_proba(run, texts)[0], 0.5 * model + 0.5 * baseline, rtol=1e-6)
    old = evaluate_texts(read_run(run_dir))
    labels = np.array([line.rsplit(",", 1)[1] == "pos" for line in test_file.read_text().splitlines()[1:]], int)
    plain = 0.5 * model + 0.5 * baseline
    assert old["acc"] == pytest.approx(np.mean(plain.argmax(1) == labels))
    assert old["loss"] == pytest.approx(-np.mean(np.log(plain[np.arange(len(labels)), labels])), rel=1e-5)


def test_baseline_none_trains_the_model_alone(files, tmp_path, capsys):
    run_dir = tmp_path / "run"
    flags = [f"--{k.replace('_', '-')}={v}" for k, v in TINY.items()]
    with pytest.raises(SystemExit) as exit_:
        main(["train", "classify", "--data", str(files[0]), "--baseline", "none", "--run-dir", str(run_dir), *flags])
    assert exit_.value.code in (0, None), capsys.readouterr().err
    assert "TF-IDF" not in capsys.readouterr().out
    assert not (run_dir / "baseline.json").exists() and "## Baseline" not in (run_dir / "report.md").read_text()


def test_a_baseline_that_cannot_fit_leaves_a_note_and_the_run_goes_on(tmp_path):
    from rnnkit.tasks.text.predict import evaluate_texts

    rows = [f"{chr(0x4E00 + i)},{'pos' if i % 2 else 'neg'}" for i in range(40)]  # no n-gram in two texts
    data = tmp_path / "train.csv"
    data.write_text("text,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    run_dir, final = train({"data": str(data), "test_data": str(data), **TINY, "embedding_init": "random"},
                           tmp_path / "run")
    assert "test_acc" in final and "blend_weight" not in final
    report = (run_dir / "report.md").read_text()
    assert "could not be fitted" in report and "empty vocabulary" in report
    assert not (run_dir / "baseline.json").exists()
    assert evaluate_texts(read_run(run_dir))["acc"] == pytest.approx(final["test_acc"])


def test_one_class_in_the_training_split_becomes_the_reported_reason():
    said = []
    splits = {"train": (["good", "fine", "nice"], np.zeros(3, dtype=np.int64)), "valid": None, "test": None}
    result = fit_run_baseline(splits, 2, "english", said.append)
    assert result.baseline is None and "one class" in result.reason and said[0].startswith("baseline (TF-IDF + logistic regression): fitting on 3 training texts") and "one class" in said[-1]
    assert "could not be fitted: the training texts hold one class" in report_section(result, "the model", {}, None, "")


def test_the_blend_weight_is_0_unless_the_baseline_helps_on_validation():
    labels = np.array([0, 1, 0, 1])
    right, wrong = np.eye(2)[labels] * 0.8 + 0.1, np.eye(2)[1 - labels] * 0.2 + 0.4  # 0.6 on the wrong class
    assert choose_blend(right, np.full((4, 2), 0.5), labels).weight == 0
    assert choose_blend(wrong, right, labels).weight > 0


def test_the_blend_weight_follows_log_loss_where_accuracy_is_flat():
    labels = np.array([0, 1, 0, 1])
    unsure, sure = np.eye(2)[labels] * 0.2 + 0.4, np.eye(2)[labels] * 0.9 + 0.05  # both right on every text
    assert choose_blend(unsure, sure, labels).weight == 1.0  # every weight has accuracy 1: the surer one wins
    half = np.array([[0.9, 0.1], [0.9, 0.1], [0.9, 0.1], [0.1, 0.9]])  # right on 3, sure of a wrong one
    other = np.array([[0.1, 0.9], [0.1, 0.9], [0.9, 0.1], [0.1, 0.9]])  # right on 3, another one wrong
    many = LARGE_VALIDATION // 4  # the four texts 50 times over: validation large enough to choose freely
    mixed = choose_blend(np.tile(half, (many, 1)), np.tile(other, (many, 1)), np.tile(labels, many))
    assert 0 < mixed.weight < 1  # each covers the other's error: a mix is best


def two_members(n, rng, model_scale, model_noise, baseline_scale, baseline_noise, shift=0.0, positives=0.5):
    """Labels and two members' probabilities: each member's log-odds = scale * (+-1 + noise) + shift."""
    y = (rng.random(n) < positives).astype(int)
    probs = []
    for scale, noise in ((model_scale, model_noise), (baseline_scale, baseline_noise)):
        z = scale * (2 * y - 1 + rng.normal(0, noise, n)) + shift
        probs.append(np.c_[1 / (1 + np.exp(z)), 1 / (1 + np.exp(-z))])
    return probs[0], probs[1], y


def accuracy_of(probs, labels):
    return np.mean(probs.argmax(1) == labels)


def test_an_accurate_but_underconfident_baseline_gets_the_weight_its_accuracy_earns():
    # IMDB's case: the baseline is the more accurate member, but its probabilities hug 0.5, so unscaled log
    # loss weighs it by its spread (the old rule: weight 0.2, under both the baseline and the scaled blend).
    rng = np.random.default_rng(0)
    valid, test = two_members(1000, rng, 4.0, 1.0, 0.6, 0.6), two_members(20_000, rng, 4.0, 1.0, 0.6, 0.6)
    unscaled = min(np.round(np.arange(21) * 0.05, 2),
                   key=lambda w: -np.mean(np.log(blend(valid[0], valid[1], w)[np.arange(1000), valid[2]])))
    chosen = choose_blend(*valid)
    assert chosen.weight > unscaled + 0.3
    baseline_alone, old = accuracy_of(test[1], test[2]), accuracy_of(blend(test[0], test[1], unscaled), test[2])
    assert accuracy_of(chosen.apply(test[0], test[1]), test[2]) > max(baseline_alone, old + 0.05)


def test_class_biases_move_the_boundary_where_both_members_under_predict_a_class():
    # vader-tweets' case: 30% negatives, and both members lean toward the frequent positive class.
    rng = np.random.default_rng(1)
    valid, test = (two_members(n, rng, 1.5, 1.0, 1.5, 1.0, shift=1.2, positives=0.7) for n in (1000, 20_000))
    chosen = choose_blend(*valid)
    assert chosen.scaling.bias[0] < -0.5  # toward the negatives
    unscaled = blend(test[0], test[1], chosen.weight)
    assert accuracy_of(chosen.apply(test[0], test[1]), test[2]) > accuracy_of(unscaled, test[2]) + 0.02


def lowest_log_loss_weight(model, baseline, labels):
    """The weight the rule of lowest validation log loss picks, before the small-validation guard."""
    fits = {w: fit_scaling(blend(model, baseline, w), labels)[1] for w in WEIGHTS}
    return min(WEIGHTS, key=lambda w: (round(fits[w], 9), w))


def test_a_small_noisy_validation_split_keeps_the_baseline_s_own_prediction():
    # A user's small file: the model knows nothing the baseline does not (its log-odds are the baseline's plus
    # noise of its own), 40 validation texts. Lowest log loss picks a blend by chance; that gain is within its
    # noise, so the run delivers the baseline's own classes and says why.
    rng = np.random.default_rng(3)
    labels = (rng.random(40) < 0.5).astype(int)
    shared = 2 * labels - 1 + rng.normal(0, 1, 40)
    baseline, model = (np.c_[1 / (1 + np.exp(z)), 1 / (1 + np.exp(-z))]
                       for z in (1.5 * shared, 1.5 * (shared + rng.normal(0, 1, 40))))
    assert lowest_log_loss_weight(model, baseline, labels) == 0.8
    chosen = choose_blend(model, baseline, labels)
    assert chosen.weight == 1.0 and chosen.scaling.bias == ()
    assert np.array_equal(chosen.apply(model, baseline).argmax(1), baseline.argmax(1))
    assert "within 2 standard errors" in chosen.why and "40 validation texts" in chosen.why
    assert chosen.describe().endswith("Platt-scaled (scale " + f"{chosen.scaling.scale:.3g})")  # no class biases


def test_a_clear_gain_on_a_small_split_keeps_the_blend():
    # The model far better than the baseline (a task TF-IDF cannot do): 40 validation texts are enough to see it.
    rng = np.random.default_rng(4)
    valid = two_members(40, rng, 4.0, 0.3, 0.5, 2.0)
    chosen = choose_blend(*valid)
    assert chosen.weight < 0.5 and chosen.why == ""


def test_a_large_validation_split_chooses_by_log_loss_alone():
    # vader-tweets' and movie-snippets' case: 200 texts or more, the lowest log loss stands even where its gain
    # over the baseline is small against its noise.
    rng = np.random.default_rng(5)
    valid = two_members(LARGE_VALIDATION, rng, 1.5, 1.0, 1.5, 1.0, shift=0.3)
    chosen = choose_blend(*valid)
    assert chosen.weight == lowest_log_loss_weight(*valid) < 1 and chosen.why == ""


def test_the_report_says_plainly_when_the_model_does_not_beat_the_baseline():
    from rnnkit.tasks.text.baseline import report_section as section

    class Fitted:  # only what the section reads
        C, views, nb_ratio, fitted_by = 1.0, {}, None, LOGISTIC

    fitted = RunBaseline(Fitted(), seconds=1.0)
    losing = {"model": {"test": 0.70}, "baseline": {"test": 0.75}, "run": {"test": 0.70}}
    winning = {"model": {"test": 0.80}, "baseline": {"test": 0.75}, "run": {"test": 0.80}}
    assert "does not beat the baseline" in section(fitted, "the model", losing, Blend(), "")
    assert "-5.00 points" in section(fitted, "the model", losing, Blend(), "")
    assert "does not beat" not in section(fitted, "the model", winning, Blend(), "")
