"""The series task end to end on synthetic .ts files: two classes classified perfectly through the CLI
(train, predict, evaluate), unequal lengths masked, bad files exit 2 with one line naming file and line."""
import json

import numpy as np
import pytest

from rnnkit.data.ts_format import read_ts
from rnnkit.tasks.classify_series.config import SeriesConfig
from rnnkit.tasks.classify_series.data import Scaling
from rnnkit.tasks.classify_series.model import build_model
from rnnkit.tasks.classify_series.predict import class_probabilities
from testkit import call_cli as call


def write_ts(path, series, labels, classes=("up", "down")):
    """Cases (T_i, C) as a multivariate, unequal-length .ts file."""
    head = (f"@problemName synthetic\n@univariate false\n@dimensions {series[0].shape[1]}\n@equalLength false\n"
            f"@classLabel true {' '.join(classes)}\n@data\n")
    rows = [":".join(",".join(f"{v:.5f}" for v in channel) for channel in s.T) + f":{label}"
            for s, label in zip(series, labels)]
    path.write_text(head + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def rising_or_falling(n, seed):
    """Channel 0 rises ('up') or falls ('down') over 6-16 steps under noise; channel 1 is noise alone."""
    rng = np.random.default_rng(seed)
    labels = rng.choice(["up", "down"], n)
    series = []
    for label in labels:
        t = np.linspace(0, 1, rng.integers(6, 17))
        trend = (t if label == "up" else 1 - t) * 3 + rng.normal(0, 0.3, len(t))
        series.append(np.stack([trend, rng.normal(0, 1, len(t))], axis=1))
    return series, labels


def synthetic_files(path, n_train, n_test):
    """train.ts and test.ts of `rising_or_falling` series (seeds 0 and 1) in `path`."""
    write_ts(path / "train.ts", *rising_or_falling(n_train, 0))
    write_ts(path / "test.ts", *rising_or_falling(n_test, 1))
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return synthetic_files(tmp_path_factory.mktemp("series"), 80, 40)


def test_two_synthetic_classes_are_classified_perfectly(capsys, files):
    run = files / "run"
    code, out, err = call(capsys, "train", "classify-series", "--data", files / "train.ts", "--test-data", files / "test.ts",
                          "--hidden-size", 8, "--epochs", 12, "--min-steps", 0, "--fast", "native", "--run-dir", run, "--quiet")
    assert code == 0, err
    code, out, err = call(capsys, "evaluate", run, "--json")
    assert code == 0, err
    metrics = json.loads(out)
    assert metrics["acc"] == 1.0 and metrics["samples"] == 40
    truth = read_ts(files / "test.ts")
    per_class = {c["name"]: c for c in metrics["classes"]["classes"]}
    for name in set(truth.labels):  # every class recalled in full, each with its own support
        assert per_class[name]["recall"] == 1.0 and per_class[name]["support"] == list(truth.labels).count(name)
    assert json.loads((run / "class_report.json").read_text())["confusion_matrix"] == \
        metrics["classes"]["confusion_matrix"]
    assert (run / "confusion.png").read_bytes()[:4] == b"\x89PNG"
    report = (run / "report.md").read_text()
    assert "## Per class (test set" in report and "![confusion matrix](confusion.png)" in report
    code, out, err = call(capsys, "evaluate", run)  # the per-class table, printed
    assert code == 0 and "precision" in out and "recall" in out and "macro" in out, out
    code, out, err = call(capsys, "predict", run, "--input", files / "test.ts")
    assert code == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["label"] for r in records] == list(truth.labels) and [r["line"] for r in records] == truth.lines
    assert "## Reproduce" in report and report.count("# classify-series") == 1  # report.md written once


@pytest.mark.parametrize("architecture", ["lstm-fcn", "rnn"])
def test_unequal_lengths_are_masked(files, architecture):
    """A padded batch of unequal series gives each series' output alone, unpadded."""
    ts = read_ts(files / "test.ts")
    assert len(set(ts.lengths)) > 1
    model = build_model(SeriesConfig(architecture=architecture, hidden_size=8, num_layers=2, fast="native"), 2, ts.channels)
    scaling = Scaling.fit(ts, True)
    x, lengths = scaling.arrays(ts)
    together = class_probabilities(model, x, lengths)
    alone = np.concatenate([class_probabilities(model, s[None], np.array([len(s)]))
                            for s in (x[i, :n] for i, n in enumerate(lengths))])
    np.testing.assert_allclose(together, alone, atol=1e-5)


BAD_FILES = {
    "no-data.ts": ("@univariate true\n@classLabel true 1 2\n1,2:1\n", "line 3: data before the @data line"),
    "dims.ts": ("@univariate false\n@classLabel true 1 2\n@data\n1,2:3,4:1\n1,2:2\n", "line 5: 1 dimension(s), expected 2"),
    "label.ts": ("@univariate true\n@classLabel true 1 2\n@data\n1,2:1\n1,2:7\n", "line 5: class label '7' is not one"),
    "words.ts": ("@univariate true\n@classLabel true 1 2\n@data\n1,x:1\n", "line 4: 'x' is not a number"),
    "unlabelled.ts": ("@univariate true\n@classLabel false\n@data\n1,2\n", "has no class labels"),
    "weka.arff": ("@relation x\n@attribute a numeric\n@attribute c {p,q}\n@data\n1,p\n2,r\n",
                  "not read as ARFF: r value not in ('p', 'q')"),
    "regression.ts": ("@univariate true\n@targetLabel true\n@data\n1,2:0.5\n", "a regression file (@targetLabel true"),
    # a table whose label column is a measurement: 30 values, each on two series (it trained 30 "classes")
    "score.csv": ("label,t0,t1,t2\n" + "".join(f"{i / 7:.3f},{i},{k},1\n" for i in range(30) for k in range(2)),
                  "the class labels: 30 distinct numbers such as '0.143' among 60 series: a score, not classes"),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_bad_ts_files_exit_2_with_one_line(capsys, tmp_path, name):
    text, needle = BAD_FILES[name]
    (tmp_path / name).write_text(text)
    code, _, err = call(capsys, "train", "classify-series", "--data", tmp_path / name, "--run-dir", tmp_path / "run",
                        "--quiet")
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert str(tmp_path / name) in err and needle in err and "Traceback" not in err


def test_predict_and_evaluate_refuse_files_the_model_cannot_read(capsys, files, tmp_path):
    run = files / "run"
    if not (run / "model.safetensors").is_file():  # xdist ran the test that trains it on another worker
        run = tmp_path / "run"
        code, _, err = call(capsys, "train", "classify-series", "--data", files / "train.ts", "--hidden-size", 8,
                            "--epochs", 2, "--min-steps", 0, "--fast", "native", "--run-dir", run, "--quiet")
        assert code == 0, err
    one_channel = write_ts(tmp_path / "one.ts", [np.zeros((5, 1))], ["up"])
    code, _, err = call(capsys, "predict", run, "--input", one_channel)
    assert code == 2 and f"{one_channel}: its series have 1 channel(s), the model was trained on 2" in err
    other_labels = write_ts(tmp_path / "other.ts", [np.zeros((5, 2))], ["left"], classes=("left", "right"))
    code, _, err = call(capsys, "evaluate", run, "--data", other_labels)
    assert code == 2 and f"{other_labels}: line 7: class label 'left' is not one the model knows: up down" in err
    assert len(err.strip().splitlines()) == 1


def write_arff(path, ts):
    """A .ts file's cases as the UEA archive's multivariate ARFF: a relational attribute of channels, shorter
    series padded with ? to the longest, the class last."""
    steps = max(ts.lengths)
    head = (f"@relation {ts.header.problem_name}\n@attribute relationalAtt relational\n"
            + "".join(f"@attribute att{t} numeric\n" for t in range(steps))
            + f"@end relationalAtt\n@attribute target {{{','.join(ts.header.class_labels)}}}\n@data\n")
    rows = ["'" + "\\n".join(",".join([f"{v:.5f}" for v in channel] + ["?"] * (steps - len(channel)))
                              for channel in s.T) + f"',{label}" for s, label in zip(ts.series, ts.labels)]
    path.write_text(head + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_an_arff_copy_predicts_and_evaluates_as_its_ts_file(capsys, files, tmp_path):
    """The archive's ARFF download of a problem gives what its .ts file gives (it was refused in one line)."""
    run = tmp_path / "run"
    code, _, err = call(capsys, "train", "classify-series", "--data", write_arff(tmp_path / "train.arff",
                        read_ts(files / "train.ts")), "--hidden-size", 4, "--epochs", 1, "--baseline", "false",
                        "--fast", "native", "--run-dir", run, "--quiet")
    assert code == 0, err
    arff = write_arff(tmp_path / "test.arff", read_ts(files / "test.ts"))
    outputs = [call(capsys, *command) for data in (files / "test.ts", arff)
               for command in (("predict", run, "--input", data), ("evaluate", run, "--data", data, "--json"))]
    assert all(code == 0 for code, _, _ in outputs), outputs
    predicted_ts, scores_ts, predicted_arff, scores_arff = (out for _, out, _ in outputs)
    labels = [[json.loads(r)["label"] for r in out.splitlines()] for out in (predicted_ts, predicted_arff)]
    assert labels[0] == labels[1] and len(labels[0]) == 40
    assert json.loads(scores_ts)["acc"] == json.loads(scores_arff)["acc"] and json.loads(scores_arff)["samples"] == 40


def test_scaling_is_fitted_per_channel_and_missing_values_become_the_mean(tmp_path):
    path = tmp_path / "m.ts"
    path.write_text("@univariate false\n@equalLength false\n@classLabel true a\n@data\n1,?,3:5,5,5:a\n5:5:a\n")
    ts = read_ts(path)
    scaling = Scaling.fit(ts, True)
    np.testing.assert_allclose(scaling.mean, [3, 5])  # (1 + 3 + 5) / 3; the '?' left out
    np.testing.assert_allclose(scaling.scale, [np.std([1, 3, 5]), 1.0])  # a constant channel keeps scale 1
    x, lengths = scaling.arrays(ts)
    assert list(lengths) == [3, 1] and x[0, 1, 0] == 0.0 and x[1, 1:].tolist() == [[0, 0], [0, 0]]
    np.testing.assert_allclose(x[0, :, 0], [-2 / np.std([1, 3, 5]), 0, 0], rtol=1e-6)  # 1, ?, 3
    assert (Scaling.fit(ts, False).arrays(ts)[0][0, 0] == [1, 5]).all()


def test_a_shuffle_model_refuses_series_longer_than_its_training_file(tmp_path):
    from rnnkit.errors import UserError
    model = build_model(SeriesConfig(rnn_input="shuffle", hidden_size=4, fast="native"), 2, 1, steps=6).eval()
    assert class_probabilities(model, np.zeros((2, 6, 1), np.float32), np.array([6, 3])).shape == (2, 2)
    with pytest.raises(UserError, match="series of 7 points: the model .* at most 6 points"):
        class_probabilities(model, np.zeros((1, 7, 1), np.float32), np.array([7]))


def test_hidden_size_0_is_the_fcn_alone_and_an_error_for_the_recurrent_architecture():
    from rnnkit.tasks.config import make_config
    from rnnkit.errors import UserError
    assert build_model(SeriesConfig(hidden_size=0), 3, 2).rnn is None
    with pytest.raises(UserError, match="hidden_size.*only architecture lstm-fcn"):
        make_config(SeriesConfig, {"architecture": "rnn", "hidden_size": 0})


def test_a_run_folder_from_before_architecture_resumes_as_the_recurrent_classifier(capsys, files, tmp_path):
    """config.json written before the `architecture` key (and LSTM-FCN's keys) existed holds the plain
    recurrent classifier: it reads back as architecture rnn, so resume rebuilds that model (LSTM-FCN, the
    default now, would not take its checkpoint) and evaluate scores it."""
    from rnnkit.tasks import read_run
    from rnnkit.tasks.classify_series.model import describe
    run = tmp_path / "old"
    code, _, err = call(capsys, "train", "classify-series", "--data", files / "train.ts", "--architecture", "rnn",
                        "--hidden-size", 4, "--epochs", 1, "--baseline", "false", "--fast", "native", "--run-dir", run,
                        "--quiet")
    assert code == 0, err
    saved = json.loads((run / "config.json").read_text())
    for key in ("architecture", "fcn_filters", "fcn_kernels", "rnn_input", "rnn_pool", "rnn_dropout",
                "augment_scale", "augment_noise", "augment_slice", "members"):  # what the folder of an older release lacks
        del saved["task_config"][key]
    (run / "config.json").write_text(json.dumps(saved))
    config = read_run(run).config
    assert config.architecture == "rnn" and describe(config).startswith("SequenceClassifier")
    code, _, err = call(capsys, "train", run, "--resume", "--epochs", 2, "--quiet")
    assert code == 0, err
    assert len((run / "metrics.jsonl").read_text().splitlines()) == 2  # the checkpoint's epoch, then one more
    assert json.loads((run / "config.json").read_text())["model"]["name"] == "sequence_classifier"
    code, out, err = call(capsys, "evaluate", run, "--data", files / "test.ts", "--json")
    assert code == 0 and json.loads(out)["samples"] == 40, err
    fresh = SeriesConfig()  # a config that names no architecture is still the default, LSTM-FCN
    assert fresh.architecture == "lstm-fcn"
