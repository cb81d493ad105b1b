"""Every text run's TF-IDF + logistic regression baseline: reported beside the model, blended into the
run's prediction with the weight chosen on validation (predict and evaluate reproduce the run's test
numbers from the saved files, without pickle), `--baseline none`, and runs it cannot fit go on."""
import json
import pickle
import random

import numpy as np
import pytest

from rnnkit.cli.main import main
from rnnkit.tasks import load_config, read_run
from rnnkit.tasks import train as train_task
from rnnkit.tasks.text.baseline import RunBaseline, choose_weight, fit_run_baseline, report_section

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

    monkeypatch.setattr(text_train, "choose_weight", lambda *a: 0.5)  # the blend path, whatever tiny data picks
    train_file, test_file = files
    run_dir, final = train({"data": str(train_file), "test_data": str(test_file), **TINY}, tmp_path / "run")
    assert final["blend_weight"] == 0.5 and {"test_acc_model", "test_acc_baseline"} <= set(final)
    record = json.loads((run_dir / "baseline.json").read_text())
    assert record["blend_weight"] == 0.5 and (run_dir / "baseline.npz").is_file()
    report = (run_dir / "report.md").read_text()
    assert "## Baseline" in report and "baseline weight 0.5" in report and "Difference" in report

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
    np.testing.assert_allclose(run_proba(run, texts)[0], 0.5 * model + 0.5 * baseline, rtol=1e-6)


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
    assert result.baseline is None and "one class" in result.reason and "one class" in said[0]
    assert "could not be fitted: the training texts hold one class" in report_section(result, "the model", {}, None, "")


def test_the_blend_weight_is_0_unless_the_baseline_helps_on_validation():
    labels = np.array([0, 1, 0, 1])
    right, wrong = np.eye(2)[labels] * 0.8 + 0.1, np.eye(2)[1 - labels] * 0.2 + 0.4  # 0.6 on the wrong class
    assert choose_weight(right, np.full((4, 2), 0.5), labels) == 0
    assert choose_weight(wrong, right, labels) > 0


def test_the_blend_weight_follows_log_loss_where_accuracy_is_flat():
    labels = np.array([0, 1, 0, 1])
    unsure, sure = np.eye(2)[labels] * 0.2 + 0.4, np.eye(2)[labels] * 0.9 + 0.05  # both right on every text
    assert choose_weight(unsure, sure, labels) == 1.0  # every weight has accuracy 1: the surer one wins
    half = np.array([[0.9, 0.1], [0.9, 0.1], [0.9, 0.1], [0.1, 0.9]])  # right on 3, sure of a wrong one
    other = np.array([[0.1, 0.9], [0.1, 0.9], [0.9, 0.1], [0.1, 0.9]])  # right on 3, another one wrong
    assert 0 < choose_weight(half, other, labels) < 1  # each covers the other's error: a mix is best


def test_the_report_says_plainly_when_the_model_does_not_beat_the_baseline():
    from rnnkit.tasks.text.baseline import report_section as section

    class Fitted:  # only what the section reads
        C, views, nb_ratio = 1.0, {}, None

    fitted = RunBaseline(Fitted(), seconds=1.0)
    losing = {"model": {"test": 0.70}, "baseline": {"test": 0.75}, "run": {"test": 0.70}}
    winning = {"model": {"test": 0.80}, "baseline": {"test": 0.75}, "run": {"test": 0.80}}
    assert "does not beat the baseline" in section(fitted, "the model", losing, 0.0, "")
    assert "-5.00 points" in section(fitted, "the model", losing, 0.0, "")
    assert "does not beat" not in section(fitted, "the model", winning, 0.0, "")
