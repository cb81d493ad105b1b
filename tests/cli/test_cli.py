"""The rnnkit command: --help everywhere, one tiny train -> evaluate/predict/summary, bad configs exit 2."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from rnnkit.cli.main import main
from testkit import call_cli as call, subprocess_env
from testkit.tiny_models import first_token_task



def rnnkit(*args, cwd=None):
    env = subprocess_env(OMP_NUM_THREADS="1")
    return subprocess.run([sys.executable, "-m", "rnnkit", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=300)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli")
    x, y = first_token_task(320)
    xt, yt = first_token_task(64, seed=5)
    np.savez(path / "data.npz", x_train=x, y_train=y, x_test=xt, y_test=yt)
    np.save(path / "x.npy", xt[:3])
    config = {"task": "arrays", "data": "data.npz", "model": {"name": "tiny_lstm_classifier", "hidden": 8},
              "imports": ["testkit.tiny_models"], "epochs": 3, "lr": 0.03, "validation_split": 0.2}
    (path / "cfg.json").write_text(json.dumps(config))
    (path / "cfg.yaml").write_text("task: arrays\ndata: data.npz\nmodel: {name: tiny_lstm_classifier}\nepochs: 1\n")
    return path


@pytest.mark.parametrize("command", [[], ["train"], ["evaluate"], ["predict"], ["summary"], ["export"], ["tasks"], ["bench"], ["datasets"]])
def test_help(capsys, command):
    code, out, _ = call(capsys, *command, "--help")
    assert code == 0 and "Usage" in out


def test_train_then_evaluate_predict_summary(capsys, workdir, monkeypatch):
    # the real console entry point once (a subprocess), then the other commands in-process
    result = rnnkit("train", "cfg.json", "--run-dir", "run", "--set", "epochs=4", "--batch-size", "16", "--quiet",
                    cwd=workdir)
    assert result.returncode == 0, result.stderr
    monkeypatch.chdir(workdir)
    run = workdir / "run"
    config = json.loads((run / "config.json").read_text())
    assert config["task_config"]["epochs"] == 4 and config["task_config"]["batch_size"] == 16
    code, out, err = call(capsys, "evaluate", "run", "--json")
    assert code == 0, err
    assert json.loads(out)["acc"] > 0.9
    code, out, err = call(capsys, "predict", "run", "--input", "x.npy", "--output", "pred.csv")
    lines = [json.loads(l) for l in out.splitlines()]
    assert len(lines) == 3 and all(0.5 <= l["probability"] <= 1 for l in lines)
    _, yt = first_token_task(64, seed=5)
    assert [l["label"] for l in lines] == list(yt[:3])
    assert (workdir / "pred.csv").read_text().startswith("label,probability")
    code, out, _ = call(capsys, "summary", "run")
    assert "Total params: 626" in out and "final epoch" in out
    code, out, _ = call(capsys, "summary", "cfg.yaml")
    assert code == 0 and "Total params: 626" in out


@pytest.mark.parametrize("args, needle", [
    (["cfg.json", "--set", "foo=1"], "'foo'"),
    (["cfg.json", "--epochs", "abc"], "'epochs'"),
    (["cfg.json", "--lr", "fast"], "'lr'"),
    (["cfg.json", "--set", "epochs"], "epochs"),
    (["missing.json"], "missing.json"),
    (["cfg.json", "--data", "nowhere.npz"], "nowhere.npz"),
    (["bogus-task"], "bogus-task"),
    (["cfg.json", "--resume"], "--run-dir"),
])
def test_bad_train_configs_exit_2_with_one_line(capsys, workdir, monkeypatch, args, needle):
    monkeypatch.chdir(workdir)
    code, _, err = call(capsys, "train", *args)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and needle in err and "Traceback" not in err


def test_bad_yaml_type_and_missing_run_folder(capsys, workdir, monkeypatch):
    monkeypatch.chdir(workdir)
    (workdir / "bad.yaml").write_text("task: arrays\ndata: data.npz\nmodel: {name: tiny_lstm_classifier}\nepochs: three\n")
    code, _, err = call(capsys, "train", "bad.yaml")
    assert code == 2 and "'epochs'" in err
    code, _, err = call(capsys, "evaluate", "no-such-run")
    assert code == 2 and "no-such-run" in err


def test_bench_rejects_an_unknown_shape(capsys):
    code, _, err = call(capsys, "bench", "--shape", "huge")
    assert code == 2 and "--shape 'huge' is unknown" in err and "mnist_rows" in err


def test_usage_errors_exit_2_without_traceback(capsys):
    code, _, err = call(capsys, "train", "sentiment", "--nproc", "abc")
    assert code == 2 and "--nproc" in err and "Traceback" not in err
    code, _, err = call(capsys, "nosuchcommand")
    assert code == 2 and "no such command 'nosuchcommand'; see rnnkit --help" in err


@pytest.fixture(scope="module")
def trained_run(workdir):
    """A one-epoch run of cfg.yaml, trained in-process, for the predict/evaluate input tests."""
    cwd = os.getcwd()
    os.chdir(workdir)
    try:
        with pytest.raises(SystemExit) as exit_:
            main(["train", "cfg.yaml", "--run-dir", "run-bad-inputs", "--quiet"])
    finally:
        os.chdir(cwd)
    assert exit_.value.code == 0
    return workdir / "run-bad-inputs"


BAD_INPUTS = {
    "not-a-zip.npz": (b"hello, not a zip", "not a readable .npz file"),
    "truncated.npz": (b"PK\x03\x04garbage", "not a readable .npz file"),
    "garbage.npy": (b"\x00\x01 not an array", "not a readable .npy file"),
    "latin1.jsonl": ("[1, 2]\n[\xe9]\n".encode("latin-1"), "not valid UTF-8"),
    "ragged.jsonl": (b"[1, 2, 3]\n[1, 2]\n", "numeric JSON array of the same shape"),
    "words.jsonl": (b'["a", "b"]\n', "numeric JSON array of the same shape"),
    "broken.jsonl": (b"[1, 2\n", "line 1 is not a JSON array"),
    "empty.jsonl": (b"\n\n", "no input rows"),
}


@pytest.mark.parametrize("name", BAD_INPUTS)
def test_bad_predict_inputs_exit_2_with_one_line(capsys, tmp_path, trained_run, name):
    content, needle = BAD_INPUTS[name]
    (tmp_path / name).write_bytes(content)
    code, _, err = call(capsys, "predict", trained_run, "--input", tmp_path / name)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert str(tmp_path / name) in err and needle in err and "Traceback" not in err


@pytest.mark.parametrize("content, needle", [(b"not a zip", "not a readable .npz file"), (None, "data file not found")])
def test_bad_evaluate_data_exits_2_with_one_line(capsys, tmp_path, trained_run, content, needle):
    path = tmp_path / "test.npz"
    if content is not None:
        path.write_bytes(content)
    code, _, err = call(capsys, "evaluate", trained_run, "--data", path)
    assert code == 2 and len(err.strip().splitlines()) == 1 and needle in err and str(path) in err


@pytest.mark.parametrize("config, needle", [
    ("[1, 2]", "expected a JSON object"),
    ('{"model": {}}', "names no task"),
    ('{"task": "no-such-task", "task_config": {}}', "unknown task 'no-such-task'"),
    ('{"task": "arrays", "task_config": {"epochs": "many"}}', "config key 'epochs'"),
    ("{not json", "invalid JSON"),
])
@pytest.mark.parametrize("command", ["evaluate", "summary"])
def test_damaged_run_folders_exit_2_with_one_line(capsys, tmp_path, config, needle, command):
    (tmp_path / "config.json").write_text(config)
    code, _, err = call(capsys, command, tmp_path)
    assert code == 2 and len(err.strip().splitlines()) == 1 and needle in err and "Traceback" not in err
