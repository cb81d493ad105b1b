"""`rnnkit.load(RUN)`: a trained run of every family as a Python object whose `predict` gives exactly the
records `rnnkit predict RUN --input FILE` prints, for inputs held in memory and for files; `model` and
`config` are the run's; the object still calls like the bare model `load` used to return."""
import json

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

import rnnkit
from rnnkit.errors import UserError
from testkit import call_cli
from testkit.tiny_runs import train_tiny

TASKS = ("classify", "mnist", "tag", "lm", "seq2seq", "forecast", "classify-series")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("load-runs")
    return {task: train_tiny(task, folder) for task in TASKS}


def printed(capsys, run, path, *options):
    """The records `rnnkit predict` prints: JSON lines as dicts, other lines as they are."""
    code, out, err = call_cli(capsys, "predict", run, "--input", path, *options)
    assert code == 0, err
    return [json.loads(line) for line in out.splitlines()]


def test_text_classifier(runs, capsys, tmp_path):
    texts = ["the movie was great", "a plot so boring", "awful awful movie"]
    (tmp_path / "in.txt").write_text("\n".join(texts) + "\n")
    run = rnnkit.load(runs["classify"])
    records = run.predict(texts)
    assert records == printed(capsys, runs["classify"], tmp_path / "in.txt")
    assert [r["text"] for r in records] == texts and {r["label"] for r in records} <= {"pos", "neg"}
    assert run.predict(file=tmp_path / "in.txt") == records
    assert run.predict("the movie was great") == records[:1]  # one text


def test_tagger(runs, capsys, tmp_path):
    sentences = ["Mary works in Rome .", "John lives in Paris ."]
    (tmp_path / "in.txt").write_text("\n".join(sentences) + "\n")
    run = rnnkit.load(runs["tag"])
    records = run.predict(sentences)
    assert records == printed(capsys, runs["tag"], tmp_path / "in.txt")
    assert records[0]["tokens"] == ["Mary", "works", "in", "Rome", "."] and len(records[0]["tags"]) == 5
    assert run.predict([s.split() for s in sentences]) == records  # sentences as token lists
    _, conll, _ = call_cli(capsys, "predict", runs["tag"], "--input", tmp_path / "in.txt", "--format", "conll")
    assert "".join(r + "\n" for r in run.predict(sentences, format="conll")) == conll  # a task option


def test_seq2seq_with_options(runs, capsys, tmp_path):
    sources = ["abc", "dcba", "bd"]
    (tmp_path / "in.txt").write_text("\n".join(sources) + "\n")
    run = rnnkit.load(runs["seq2seq"])
    records = run.predict(sources, beam=2, nbest=2)
    assert records == printed(capsys, runs["seq2seq"], tmp_path / "in.txt", "--beam", "2", "--nbest", "2")
    assert len(records[0]["nbest"]) == 2
    with pytest.raises(UserError, match="beem"):
        run.predict(sources, beem=2)


def test_series_classifier(runs, capsys, tmp_path):
    rng = np.random.default_rng(4)
    series = [np.linspace(0, 1, 7) + rng.normal(0, 0.1, 7), -np.linspace(0, 1, 10), np.linspace(0, 1, 5)]
    rows = "\n".join(",".join(repr(float(v)) for v in s) for s in series)
    (tmp_path / "in.ts").write_text("@problemName predict\n@univariate true\n@dimensions 1\n@equalLength false\n"
                                    f"@classLabel false\n@data\n{rows}\n")
    run = rnnkit.load(runs["classify-series"])
    records = run.predict(series)
    assert records == printed(capsys, runs["classify-series"], tmp_path / "in.ts")
    assert [r["line"] for r in records] == [7, 8, 9] and {r["label"] for r in records} <= {"up", "down"}


def test_image_classifier(runs, capsys, tmp_path):
    images = np.random.default_rng(5).random((4, 28, 28), dtype=np.float32)
    np.save(tmp_path / "in.npy", images)
    run = rnnkit.load(runs["mnist"])
    assert run.predict(images) == printed(capsys, runs["mnist"], tmp_path / "in.npy")


def test_forecaster(runs, capsys, tmp_path):
    history = pd.read_csv(runs["forecast"].parent / "series.csv").tail(30)
    history.to_csv(tmp_path / "in.csv", index=False)
    run = rnnkit.load(runs["forecast"])
    records = run.predict(history)
    assert records == printed(capsys, runs["forecast"], tmp_path / "in.csv")
    # "model": the model alone beside the delivered blend, where validation chose a baseline weight
    assert len(records) == run.config.horizon and set(records[0]) - {"model"} == {"time", "load"}


def test_arrays(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the arrays config names its data file relative to where it runs
    run_dir = train_tiny("arrays", tmp_path)
    rows = np.load(tmp_path / "data.npz")["x_test"][:5]
    np.save(tmp_path / "in.npy", rows)
    assert rnnkit.load(run_dir).predict(rows) == printed(capsys, run_dir, tmp_path / "in.npy")


def test_language_model_generates(runs, capsys):
    run = rnnkit.load(runs["lm"])
    with pytest.raises(UserError, match="generate"):
        run.predict(["the"])
    code, out, err = call_cli(capsys, "generate", runs["lm"], "--prompt", "the ", "--length", "20", "--seed", "3")
    assert code == 0, err
    assert run.generate("the ", length=20, seed=3) + "\n" == out
    assert "".join(rnnkit.generate(run, "the ", 20, seed=3)) + "\n" == out  # the library's generate takes it too


def test_model_config_and_the_bare_module_behaviour(runs):
    run = rnnkit.load(runs["tag"])
    assert isinstance(run.model, nn.Module) and not run.model.training
    assert type(run.config).__name__ == "TagConfig" and run.config.hidden_size == 8 and run.task.name == "tag"
    ids, lengths = torch.tensor([[3, 4, 5, 0]]), torch.tensor([3])
    with torch.no_grad():
        assert torch.equal(run(ids, lengths), run.model(ids, lengths))  # calls like the model
    assert run.num_tags == run.model.num_tags and run.eval() is run.model  # the model's attributes
    assert list(run.state_dict()) == list(run.model.state_dict())
    assert not hasattr(run, "no_such_attribute")


def test_a_bad_input_is_one_line(runs):
    run = rnnkit.load(runs["classify"])
    with pytest.raises(UserError, match="empty text"):
        run.predict(["fine", "  "])
    with pytest.raises(UserError, match="inputs or file"):
        run.predict()
    with pytest.raises(UserError, match="not found"):
        rnnkit.load(runs["classify"].parent / "nothing-here")
