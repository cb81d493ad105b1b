"""The text tasks end to end on tiny data: classify trains on a CSV and predicts from its run folder
(library and CLI), bad files exit 2 with one line, a run's second model is averaged in."""
import json
import random
import re

import numpy as np
import pytest

from rnnkit.io.run import load, model_entry
from rnnkit.models.registry import model_config
from rnnkit.tasks import load_config, read_run
from rnnkit.tasks import train as train_task
from testkit import call_cli as call
from testkit.tiny_texts import tiny_review

POS, NEG = ["great", "wonderful", "loved", "excellent"], ["awful", "boring", "hated", "terrible"]
FILLER = ["the", "movie", "was", "a", "plot", "and", "it", "actors"]
TINY = ["--epochs", "8", "--batch-size", "16", "--embedding-dim", "12", "--hidden-size", "8", "--lr", "0.03",
        "--head-dropout", "0", "--embedding-dropout", "0", "--dropout", "0", "--validation-split", "0.2", "--quiet"]


def review(rng, positive):
    return tiny_review(rng, positive, POS, NEG, FILLER)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    path = tmp_path_factory.mktemp("classify")
    rng = random.Random(0)
    rows = [(review(rng, i % 2 == 1), "pos" if i % 2 else "neg") for i in range(240)]
    lines = ["text,label"] + [f"{t},{l}" for t, l in rows]
    (path / "train.csv").write_text("\n".join(lines) + "\n")
    (path / "new.txt").write_text("a great movie\nthe plot was boring\n")
    return path


def train(target, overrides, **options):
    """The library's train from a task name and command-line strings, as the CLI calls it."""
    return train_task(*load_config(target, overrides), **options)


def overrides(flags):
    pairs = [a for a in flags if a != "--quiet"]
    return {k[2:].replace("-", "_"): v for k, v in zip(pairs[::2], pairs[1::2])}


def test_classify_trains_and_predicts_from_its_run_folder(data):
    from rnnkit.tasks.text.predict import evaluate_texts, predict_texts

    run_dir, final = train("classify", {"data": str(data / "train.csv"), **overrides(TINY)},
                           run_dir=data / "run", quiet=True)
    for name in ("config.json", "model.safetensors", "vocab.json", "labels.json", "report.md", "history.png"):
        assert (run_dir / name).is_file(), name
    saved = json.loads((run_dir / "config.json").read_text())
    assert saved["task_config"]["batch_size"] == 16 and "batch_size" not in saved["training"]  # texts, said once
    assert saved["training"] and all(saved["task_config"].get(k) != v for k, v in saved["training"].items())
    model = saved["model"]  # the model's cell and sizes are the task config's: named, not repeated
    assert {"cell", "hidden_size", "embedding_dim"} <= set(model["from_task_config"]) and "cell" not in model
    assert all(saved["task_config"].get(k, ...) != v for k, v in model.items() if k != "from_task_config")
    rebuilt = model_config(load(run_dir))  # the model config.json describes is the one trained
    assert rebuilt == model_entry(saved) and rebuilt["cell"] == saved["task_config"]["cell"]
    assert final["val_acc"] >= 0.9  # the label is one keyword: learnable in a few steps
    run = read_run(run_dir)
    records = predict_texts(run, str(data / "new.txt"))
    assert [r["label"] for r in records] == ["pos", "neg"]
    assert all(0.5 < r["probability"] <= 1 for r in records)
    scored = evaluate_texts(run, str(data / "train.csv"))
    assert scored["acc"] >= 0.9
    per_class = {c["name"]: c for c in scored["classes"]["classes"]}  # the per-class report, for evaluate
    assert set(per_class) == {"neg", "pos"} and sum(c["support"] for c in per_class.values()) == scored["samples"]


def test_the_report_has_the_per_class_table_of_the_delivered_prediction(data, tmp_path):
    """With a test file, report.md and class_report.json score what the run delivers (the blend)."""
    run_dir, final = train("classify", {"data": str(data / "train.csv"), "test_data": str(data / "train.csv"),
                                        **overrides(TINY)}, run_dir=tmp_path / "run", quiet=True)
    saved = json.loads((run_dir / "class_report.json").read_text())
    assert saved["accuracy"] == pytest.approx(final["test_acc"], abs=1e-12)
    assert "## Per class (test set, the run's prediction)" in (run_dir / "report.md").read_text()


def test_classify_starts_from_ppmi_svd_vectors_of_its_training_texts(data, tmp_path, monkeypatch):
    import rnnkit.tasks.text.model as tc

    loaded = []
    original = tc.SequenceClassifier.load_word_vectors
    monkeypatch.setattr(tc.SequenceClassifier, "load_word_vectors",
                        lambda self, v: (loaded.append(v), original(self, v))[1])
    _, final = train("classify", {"data": str(data / "train.csv"), **overrides(TINY), "embedding_init": "ppmi-svd",
                                  "second_view": "none"},
                     run_dir=tmp_path / "run", quiet=True)
    (vectors,) = loaded
    assert vectors.shape[1] == 12 and np.allclose(np.linalg.norm(vectors[2:], axis=1), 1, atol=1e-5)
    assert final["val_acc"] >= 0.9


def test_classify_through_the_cli(data, capsys, tmp_path):
    run_dir = tmp_path / "cli-run"
    code, _, err = call(capsys, "train", "classify", "--data", data / "train.csv", "--text-col", "text",
                        "--label-col", "label", "--run-dir", run_dir, *TINY)
    assert code in (0, None), err
    out_csv = tmp_path / "pred.csv"
    code, out, err = call(capsys, "predict", run_dir, "--input", data / "new.txt", "--output", out_csv)
    assert code in (0, None), err
    lines = [json.loads(line) for line in out.splitlines()]
    assert [r["label"] for r in lines] == ["pos", "neg"]
    assert out_csv.read_text().splitlines()[0] == "text,label,probability"


@pytest.mark.parametrize("content,expected", [
    ("text,label\nnice,pos\n,neg\n", "row 2, column 'text': empty text"),
    ("words,label\nnice,pos\n", "no column 'text'"),
    (b"text,label\nnice,pos\n\xff\xfe,neg\n", "not valid utf-8"),
    ("text,label\nnice,pos\ngood,pos\n", "only one label"),
    ("text,label\n" + "".join(f"t{i},{i / 3:.3f}\nu{i},pos\n" for i in range(25)),
     "column 'label': 26 distinct labels among 50 texts, 25 of them on one text only (e.g. '0.000'); expected classes that each "
     "label several texts; numbers such as this are a score"),
    # a score with each value on three texts: no class is seen once, yet it is no set of classes
    ("text,label\n" + "".join(f"t{i} w{k},{i / 8:.3f}\n" for i in range(25) for k in range(3)),
     "column 'label': 25 distinct numbers such as '0.125' among 75 texts: a score, not classes"),
])
def test_bad_training_files_exit_2_with_one_line(tmp_path, capsys, content, expected):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content if isinstance(content, bytes) else content.encode())
    code, _, err = call(capsys, "train", "classify", "--data", bad, "--run-dir", tmp_path / "run", "--quiet")
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and str(bad) in err and expected in err


def test_unknown_label_at_evaluation_names_file_row_and_column(data, capsys, tmp_path):
    run_dir = data / "run"
    if not run_dir.is_dir():  # xdist ran the first test, which trains it, on another worker: train one here
        run_dir, _ = train("classify", {"data": str(data / "train.csv"), **overrides(TINY)}, run_dir=tmp_path / "run",
                           quiet=True)
    bad = tmp_path / "test.csv"
    bad.write_text("text,label\na great movie,pos\nso so,meh\n")
    code, _, err = call(capsys, "evaluate", run_dir, "--data", bad)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert f"{bad}: row 2, column 'label': unknown label 'meh'" in err


def test_chinese_texts_get_a_second_view_over_characters_whose_average_predict_and_evaluate_use(tmp_path):
    from rnnkit.io.run import load
    from rnnkit.tasks.text.model import SECOND_VIEW_DIR, predict_proba
    from rnnkit.tasks.text.predict import (encode_like_run, evaluate_texts,
                                           predict_texts, run_proba)

    rng = random.Random(1)
    good, bad, filler = ["很好", "满意", "喜欢"], ["很差", "失望", "难用"], ["这个", "房间", "服务", "价格", "我们", "酒店"]
    def text(positive):
        words = [rng.choice(filler) for _ in range(rng.randint(2, 6))]
        words.insert(rng.randrange(len(words) + 1), rng.choice(good if positive else bad))
        return "".join(words)
    rows = [(text(i % 2 == 1), "pos" if i % 2 else "neg") for i in range(200)]
    (tmp_path / "train.csv").write_text("text,label\n" + "\n".join(f"{t},{l}" for t, l in rows) + "\n", encoding="utf-8")
    (tmp_path / "test.csv").write_text("text,label\n" + "\n".join(f"{t},{l}" for t, l in rows[:40]) + "\n", encoding="utf-8")
    settings = {**overrides(TINY), "epochs": "3", "second_view_epochs": "4", "blend": "false"}  # the average alone
    run_dir, final = train("classify", {"data": str(tmp_path / "train.csv"), "test_data": str(tmp_path / "test.csv"),
                                        **settings}, run_dir=tmp_path / "run", quiet=True)
    view_dir = run_dir / SECOND_VIEW_DIR
    first, second = json.loads((run_dir / "config.json").read_text()), json.loads((view_dir / "config.json").read_text())
    assert first["data"]["tokenizer"] == "chinese" and second["data"]["tokenizer"] == "chinese-chars"
    assert second["task_config"]["epochs"] == 4 and second["task_config"]["second_view"] == "none"
    assert "## Second view" in (run_dir / "report.md").read_text()

    texts, labels = [t for t, _ in rows[:40]], np.array([int(l == "pos") for _, l in rows[:40]])
    each = []
    for folder in (run_dir, view_dir):  # each model on its own tokens
        each.append(predict_proba(load(folder), encode_like_run(read_run(folder), texts)))
    average = (each[0] + each[1]) / 2
    run = read_run(run_dir)
    np.testing.assert_allclose(run_proba(run, texts)[0], average, rtol=1e-6)
    scores = evaluate_texts(run)  # the run's own test file
    assert scores["acc"] == pytest.approx(float((average.argmax(1) == labels).mean()))
    assert scores["acc"] == pytest.approx(final["test_acc"]) and scores["loss"] == pytest.approx(final["test_loss"], rel=1e-5)
    assert {"test_acc_first_view", "test_acc_second_view"} <= set(final)
    records = predict_texts(run, str(tmp_path / "test.csv"))
    assert [r["probability"] for r in records] == pytest.approx(average.max(1).tolist(), abs=1e-6)


def test_one_view_evaluates_as_its_trainer_scored_it(data, tmp_path):
    from rnnkit.tasks.text.predict import evaluate_texts

    run_dir, final = train("classify", {"data": str(data / "train.csv"), "test_data": str(data / "train.csv"),
                                        **overrides(TINY), "epochs": "2", "second_view": "none"},
                           run_dir=tmp_path / "run", quiet=True)
    assert not (run_dir / "second-view").exists()
    scores = evaluate_texts(read_run(run_dir))
    assert scores["acc"] == pytest.approx(final["test_acc"]) and scores["loss"] == pytest.approx(final["test_loss"], rel=1e-5)


def test_auto_second_view_same_tokens_for_long_texts_none_for_short_ones():
    from rnnkit.tasks.text.model import second_view_tokenizer

    assert second_view_tokenizer("auto", "english", short=False) == "english"  # long: a second seed
    assert second_view_tokenizer("auto", "english", short=True) is None  # short: the baseline's blend instead
    assert second_view_tokenizer("auto", "chinese", short=True) == "chinese-chars"  # another view, at any length
    assert second_view_tokenizer("auto", "english") == "english"  # runs from before the length rule
    assert second_view_tokenizer("chars", "english", short=True) == "chars"
    assert second_view_tokenizer("none", "chinese", short=False) is None


def test_short_english_texts_train_one_model_by_default(data, tmp_path):
    from rnnkit.tasks.summary import summarize

    run_dir, _ = train("classify", {"data": str(data / "train.csv"), **overrides(TINY), "epochs": "1"},
                       run_dir=tmp_path / "run", quiet=True)
    assert json.loads((run_dir / "config.json").read_text())["data"]["second_view"] == "none"
    assert not (run_dir / "second-view").exists() and "average this model" not in summarize(run_dir)


def test_a_second_model_over_the_same_tokens_with_the_next_seed(data, tmp_path):
    from rnnkit.tasks.summary import summarize
    from rnnkit.tasks.text.predict import SECOND_VIEW_DIR, evaluate_texts

    run_dir, final = train("classify", {"data": str(data / "train.csv"), "test_data": str(data / "train.csv"),
                                        **overrides(TINY), "epochs": "2", "seed": "4", "second_view": "english"},
                           run_dir=tmp_path / "run", quiet=True)
    first = json.loads((run_dir / "config.json").read_text())
    assert first["data"]["second_view"] == "english"
    second = json.loads((run_dir / SECOND_VIEW_DIR / "config.json").read_text())
    assert second["data"]["tokenizer"] == first["data"]["tokenizer"] == "english"
    assert second["task_config"]["seed"] == 5 and second["task_config"]["epochs"] == 2  # words: the same epochs
    assert (run_dir / SECOND_VIEW_DIR / "model.safetensors").read_bytes() != (run_dir / "model.safetensors").read_bytes()
    scores = evaluate_texts(read_run(run_dir))  # the average, predicted again from the folder
    assert scores["acc"] == pytest.approx(final["test_acc"]) and scores["loss"] == pytest.approx(final["test_loss"], rel=1e-5)
    assert final["test_loss"] != pytest.approx(final["test_loss_first_view"])
    assert f"average this model with {run_dir / SECOND_VIEW_DIR}" in summarize(run_dir)
    assert re.search(r"`rnnkit train classify( --[\w-]+ \S+)+`", (run_dir / "report.md").read_text())


def test_a_run_with_hashed_ngram_inputs_trains_and_predicts_from_its_folder(data, tmp_path):
    """--ngram-buckets: the run trains, saves the option, rebuilds the model and predicts from its folder."""
    from rnnkit.tasks.text.model import describe
    from rnnkit.tasks.text.predict import predict_texts

    run_dir, final = train("classify", {"data": str(data / "train.csv"), **overrides(TINY), "ngram_buckets": "64",
                                        "ngram_max": "3"}, run_dir=tmp_path / "run", quiet=True)
    assert final["val_acc"] >= 0.9 and "test_acc" not in final
    assert (run_dir / "baseline.json").is_file()
    run = read_run(run_dir)
    assert (run.config.ngram_buckets, run.config.ngram_max) == (64, 3)
    assert run.task.model_of(run).ngrams.weight.abs().sum() > 0  # trained away from its zero start, and saved
    assert "hashed word 2- to 3-grams (64 buckets)" in describe(run.config)
    assert [r["label"] for r in predict_texts(run, str(data / "new.txt"))] == ["pos", "neg"]


def test_a_latin1_run_evaluates_and_predicts_its_files_in_their_encoding(data, tmp_path):
    """A run trained with --encoding latin-1 reads the files given to evaluate and predict the same way
    (they failed with 'bytes e9 are not valid utf-8')."""
    from rnnkit.tasks.text.predict import evaluate_texts, predict_texts

    rows = (data / "train.csv").read_text().splitlines()
    rows = [rows[0]] + [r.replace("movie", "café") for r in rows[1:]]
    (tmp_path / "latin.csv").write_bytes(("\n".join(rows) + "\n").encode("latin-1"))
    (tmp_path / "latin.txt").write_bytes("un café great\nthe café was boring\n".encode("latin-1"))
    run_dir, _ = train("classify", {"data": str(tmp_path / "latin.csv"), "encoding": "latin-1",
                                    "baseline": "none", **overrides(TINY)}, run_dir=tmp_path / "run", quiet=True)
    run = read_run(run_dir)
    assert evaluate_texts(run, str(tmp_path / "latin.csv"))["acc"] >= 0.9
    assert [r["text"] for r in predict_texts(run, str(tmp_path / "latin.txt"))] == ["un café great",
                                                                                  "the café was boring"]
    assert [r["label"] for r in predict_texts(run, str(tmp_path / "latin.csv"))][:2] == [l.rsplit(",", 1)[1]
                                                                                       for l in rows[1:3]]


def test_classes_the_validation_texts_never_hold_are_named():
    """doc_modules.csv (38 stdlib modules' docstrings) held out 10% of each class: 7 classes of 1-5 texts got
    none, and nothing said that the validation accuracy and the blend's weight never saw them."""
    from rnnkit.data import LabelMap
    from rnnkit.tasks.text.data import unvalidated_note

    label_map = LabelMap(["big", "one", "two"])
    held = {"train": (["t"] * 13, np.array([0] * 10 + [1] + [2, 2])), "valid": (["v"], np.array([0]))}
    assert unvalidated_note(held, label_map) == ("2 of 3 classes have no validation text (training texts in brackets): "
                                                 "one (1), two (2); the validation figures and the choices made on "
                                                 "them do not see them")
    held["valid"] = (["v"] * 3, np.array([0, 1, 2]))
    assert unvalidated_note(held, label_map) is None and unvalidated_note({**held, "valid": None}, label_map) is None


def test_predict_reads_a_one_column_table_and_takes_text_col(data, tmp_path, capsys):
    """A table of texts under another header ended in "no column 'text' ... e.g. label<TAB>text" (a label is
    not needed to predict), and classify's predict had no --text-col."""
    run_dir, _ = train("classify", {"data": str(data / "train.csv"), "baseline": "none", **overrides(TINY)},
                       run_dir=tmp_path / "run", quiet=True)
    (tmp_path / "one.csv").write_text("sentence\na great movie\nthe plot was boring\n")
    (tmp_path / "two.csv").write_text("snippet,stars\na great movie,5\n")
    (tmp_path / "named.csv").write_text("stars,review\n5,a great movie\n")  # a column named as texts (probes5)
    code, out, _ = call(capsys, "predict", run_dir, "--input", tmp_path / "one.csv")
    assert code == 0 and [json.loads(line)["label"] for line in out.splitlines()] == ["pos", "neg"]
    code, _, err = call(capsys, "predict", run_dir, "--input", tmp_path / "two.csv")
    assert code == 2 and "no column 'text'; available columns: snippet, stars (--text-col names the column" in err
    code, out, _ = call(capsys, "predict", run_dir, "--input", tmp_path / "two.csv", "--text-col", "snippet")
    assert code == 0 and json.loads(out)["text"] == "a great movie"
    code, out, err = call(capsys, "predict", run_dir, "--input", tmp_path / "named.csv")
    assert code == 0 and json.loads(out)["text"] == "a great movie", err
    code, _, err = call(capsys, "predict", run_dir, "--input", tmp_path / "one.csv", "--text-col", "text")
    assert code == 2 and "no column 'text'; available columns: sentence" in err  # named: no guessing


def test_a_kaggle_shaped_file_trains_without_naming_its_columns(tmp_path, capsys):
    """review,sentiment: the run finds both columns, says so, and keeps them in config.json, so evaluate reads a
    test file of the same shape without flags."""
    rows = [("a film I loved from start to end", "pos"), ("dull and far too long", "neg")] * 20
    (tmp_path / "reviews.csv").write_text("review,sentiment\n" + "".join(f"{t},{y}\n" for t, y in rows))
    code, out, err = call(capsys, "train", "classify", "--data", tmp_path / "reviews.csv", "--run-dir",
                          tmp_path / "run", *[a for a in TINY if a != "--quiet"])
    assert code in (0, None), err
    assert "text column 'review' (there is no column 'text'" in out and "label column 'sentiment'" in out
    saved = json.loads((tmp_path / "run" / "config.json").read_text())["task_config"]
    assert (saved["text_col"], saved["label_col"]) == ("review", "sentiment")
    code, out, err = call(capsys, "evaluate", tmp_path / "run", "--data", tmp_path / "reviews.csv")
    assert code in (0, None) and "acc" in out, err


def test_a_small_file_trains_min_class_steps_unless_epochs_are_given(data, tmp_path):
    """192 training texts at batch 16 are 12 steps an epoch: left at its default, epochs is raised from 5 so
    that the model takes min_class_steps optimizer steps per class (5 epochs of a small many-class file trained
    nothing); an epochs given is kept, and a second model over the same tokens trains the first one's epochs."""
    tiny = {k: v for k, v in overrides(TINY).items() if k != "epochs"}
    run_dir, _ = train("classify", {"data": str(data / "train.csv"), **tiny, "min_class_steps": "50",
                                    "second_view": "english"}, run_dir=tmp_path / "raised", quiet=True)
    saved = json.loads((run_dir / "config.json").read_text())
    assert saved["task_config"]["epochs"] is None and saved["training"]["epochs"] == 9  # ceil(2 x 50 / 12)
    assert len((run_dir / "metrics.jsonl").read_text().splitlines()) == 9
    second = json.loads((run_dir / "second-view" / "config.json").read_text())
    assert second["task_config"]["epochs"] == 9  # given to it, so said once, in its task config
    run_dir, _ = train("classify", {"data": str(data / "train.csv"), **tiny, "min_class_steps": "50", "epochs": "2",
                                    "second_view": "none"}, run_dir=tmp_path / "given", quiet=True)
    assert len((run_dir / "metrics.jsonl").read_text().splitlines()) == 2


def test_default_epochs_stand_on_a_file_of_many_steps_or_few_classes():
    from rnnkit.tasks.text.config import ClassifyConfig, SentimentConfig
    from rnnkit.tasks.text.train import epochs_to_train

    classify, sentiment = ClassifyConfig(data="x.csv"), SentimentConfig()
    assert epochs_to_train(classify, 400, 19) == 5 and epochs_to_train(sentiment, 53, 2) == 3  # vader-tweets
    assert epochs_to_train(classify, 13, 37) == 86  # 789 texts at batch 64 in 37 classes: 1,110 steps
    assert epochs_to_train(ClassifyConfig(data="x.csv", min_class_steps=0), 13, 37) == 5
    assert epochs_to_train(ClassifyConfig(data="x.csv", epochs=1), 13, 37) == 1
