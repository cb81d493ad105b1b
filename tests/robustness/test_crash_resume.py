"""Crash safety of `rnnkit train`: killed with SIGKILL anywhere, resumed with `rnnkit train RUN --resume`, a
run ends with the metrics and weights of a run never interrupted; no checkpoint is ever half-written;
Ctrl-C stops after saving and prints the one line that says how to resume.

Each kill is exact, not timed: `testkit.kill_run` kills the real CLI inside its N-th optimizer step
(after backward, before the update), inside its N-th file write (the temp file half written), or in
the test pass. The default run kills a few points; the slow sweep kills at least 20 across the tasks.
"""
import json
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from safetensors.torch import load_file

from rnnkit.io.checkpoint import load_tensors
from testkit import subprocess_env
from testkit.tiny_models import first_token_task

ENV = subprocess_env(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
TIMEOUT = 600


def cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "rnnkit", *map(str, args)], cwd=cwd, env=ENV, capture_output=True,
                          text=True, timeout=TIMEOUT)


def killed(point, n, *args, cwd):
    """`rnnkit ARGS` killed at its n-th `point`; returns what it wrote on stderr."""
    done = subprocess.run([sys.executable, "-m", "testkit.kill_run", point, str(n), "--", *map(str, args)], cwd=cwd,
                          env=ENV, capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == -signal.SIGKILL, f"{point} {n} was never reached (exit {done.returncode}): {done.stderr}"
    return done.stderr


# ---- the tasks, on tiny data ----------------------------------------------------------------------------
def arrays_task(folder: Path) -> list[str]:
    x, y = first_token_task(96)
    xt, yt = first_token_task(40, seed=1)
    np.savez(folder / "data.npz", x_train=x, y_train=y, x_test=xt, y_test=yt)
    config = {"task": "arrays", "data": "data.npz", "model": {"name": "tiny_lstm_classifier", "hidden": 8},
              "imports": ["testkit.tiny_models"], "epochs": 3, "batch_size": 16, "lr": 0.03,
              "validation_split": 0.25, "checkpoint_every": 2, "schedule": "cosine"}
    (folder / "cfg.json").write_text(json.dumps(config))
    return ["train", "cfg.json"]  # 72 training samples: 5 steps an epoch, 15 in all


def classify_task(folder: Path) -> list[str]:
    """A text run with a second model (character view, 1 epoch) and a test set: the pair of models."""
    rng = np.random.default_rng(0)
    words = {"pos": ["great", "loved"], "neg": ["awful", "boring"]}
    filler = ["the", "movie", "was", "a", "plot"]

    def rows(n):
        labels = ["pos" if i % 2 else "neg" for i in range(n)]
        texts = [" ".join([*rng.choice(filler, 3), rng.choice(words[label])]) for label in labels]
        return "text,label\n" + "".join(f"{t},{l}\n" for t, l in zip(texts, labels))

    (folder / "train.csv").write_text(rows(80))
    (folder / "test.csv").write_text(rows(20))
    return ["train", "classify", "--data", "train.csv", "--test-data", "test.csv", "--epochs", "2",
            "--batch-size", "16", "--embedding-dim", "8", "--hidden-size", "8", "--embedding-init", "random",
            "--second-view", "chars", "--second-view-epochs", "1", "--checkpoint-every", "2",
            "--fast", "fused", "--lr", "0.03"]
    # 72 training texts after the 10% held out: 5 steps an epoch; first model 10 steps, second 5


def mnist_task(folder: Path) -> list[str]:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, 64)
    x = rng.random((64, 28, 28), dtype=np.float32) * 0.2
    for i, c in enumerate(y):
        x[i, 2 * c:2 * c + 3] += 0.8
    np.savez(folder / "digits.npz", x_train=x[:48].reshape(48, 784), y_train=y[:48],
             x_test=x[48:].reshape(16, 784), y_test=y[48:])
    return ["train", "mnist", "--data", "digits.npz", "--mode", "rows", "--hidden-size", "8", "--epochs", "2",
            "--batch-size", "16", "--max-shift", "0", "--checkpoint-every", "2", "--fast", "fused"]


TASKS = {"arrays": arrays_task, "classify": classify_task, "mnist": mnist_task}


# ---- what must hold -----------------------------------------------------------------------------------
def run_folders(run: Path) -> list[Path]:
    """The run folder and the run folders of models trained inside it (a text run's second view)."""
    return [run, *sorted(p.parent for p in run.glob("*/config.json"))]


def outcome(run: Path) -> dict:
    """What must equal an uninterrupted run: every epoch line, the final metrics table, the weights."""
    result = {}
    for folder in run_folders(run):
        epochs = [json.loads(l) for l in (folder / "metrics.jsonl").read_text().splitlines()]
        report = (folder / "report.md").read_text()
        table = report.split("## Final metrics")[1].split("\n## ")[0]
        result[folder.name if folder != run else "."] = {
            "epochs": [l for l in epochs if l["kind"] == "epoch"], "final": table,
            "weights": {k: v.numpy() for k, v in load_file(folder / "model.safetensors").items()}}
    return result


def assert_same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for name in a:
        assert b[name]["final"] == a[name]["final"], name
        assert len(a[name]["epochs"]) == len(b[name]["epochs"]), name
        for la, lb in zip(a[name]["epochs"], b[name]["epochs"]):
            assert la.keys() == lb.keys()
            for key in la:
                assert lb[key] == pytest.approx(la[key], rel=1e-6, abs=1e-9), (name, key)
        for key, value in a[name]["weights"].items():
            np.testing.assert_allclose(b[name]["weights"][key], value, rtol=1e-6, atol=1e-7, err_msg=f"{name} {key}")


def assert_checkpoints_whole(run: Path) -> None:
    """Every checkpoint under its final name loads in full (checksums match); last.json points at one;
    every other file a reader could open is complete (JSON parses, tensors match their checksum)."""
    for folder in run_folders(run):
        root = folder / "checkpoints"
        for ckpt in root.glob("step-*"):
            load_tensors(ckpt / "model.safetensors")
            load_tensors(ckpt / "state.safetensors")
            json.loads((ckpt / "state.json").read_text())
        if (root / "last.json").exists():
            assert (root / json.loads((root / "last.json").read_text())["checkpoint"]).is_dir()
        for name in ("config.json", "vocab.json", "labels.json"):
            if (folder / name).exists():
                json.loads((folder / name).read_text())
        if (folder / "metrics.jsonl").exists():
            [json.loads(l) for l in (folder / "metrics.jsonl").read_text().splitlines()]
        if (folder / "model.safetensors").exists():
            load_tensors(folder / "model.safetensors")


def continue_run(run: Path, args: list[str], cwd: Path) -> None:
    """`rnnkit train RUN --resume`; a run killed before its first checkpoint is told so and started again."""
    done = cli("train", run, "--resume", "--quiet", cwd=cwd)
    if not (run / "checkpoints" / "last.json").exists():
        assert done.returncode == 2 and "no checkpoint to resume from" in done.stderr, done.stderr
        done = cli(*args, "--run-dir", run, "--quiet", cwd=cwd)
    assert done.returncode == 0, done.stderr


def kill_and_resume(task: str, folder: Path, baseline: dict, point: str, n: int) -> str:
    args = TASKS[task](folder)
    run = folder / f"{point}-{n}"
    stderr = killed(point, n, *args, "--run-dir", run, "--quiet", cwd=folder)
    assert_checkpoints_whole(run)
    continue_run(run, args, folder)
    assert_same(baseline, outcome(run))
    return stderr


@pytest.fixture(scope="module")
def baselines(tmp_path_factory):
    """Each task's uninterrupted run, made when first asked for."""
    made = {}

    def get(task: str) -> dict:
        if task not in made:
            folder = tmp_path_factory.mktemp(f"{task}-whole")
            done = cli(*TASKS[task](folder), "--run-dir", folder / "run", "--quiet", cwd=folder)
            assert done.returncode == 0, done.stderr
            made[task] = outcome(folder / "run")
        return made[task]

    return get


# ---- the default run: a few points ---------------------------------------------------------------------
@pytest.mark.parametrize("task, point, n", [
    ("arrays", "step", 7),      # mid-epoch 2, one step after the step-6 checkpoint
    ("arrays", "write", 9),     # inside the step-4 checkpoint (its state files)
    ("classify", "step", 13),   # the second model of the pair, its step 3
])
def test_killed_run_resumes_to_the_uninterrupted_result(tmp_path, baselines, task, point, n):
    kill_and_resume(task, tmp_path, baselines(task), point, n)


def test_ctrl_c_saves_stops_and_says_how_to_resume(tmp_path, baselines):
    args = arrays_task(tmp_path)
    run = tmp_path / "run"
    done = subprocess.run([sys.executable, "-m", "testkit.kill_run", "sigint", "7", "--", *args, "--run-dir", run,
                           "--quiet"], cwd=tmp_path, env=ENV, capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 130
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert lines[0].startswith("error: training interrupted (Ctrl-C) after epoch 2, step 2 (global step 7)")
    assert lines[0].endswith(f"continue with: rnnkit train {run} --resume")
    assert (run / "checkpoints" / "step-00000007").is_dir()  # saved at the step it stopped after
    assert_checkpoints_whole(run)
    continue_run(run, args, tmp_path)
    assert_same(baselines("arrays"), outcome(run))


@pytest.mark.slow
def test_ctrl_c_in_a_second_model_names_the_whole_run(tmp_path):
    args = classify_task(tmp_path)
    run = tmp_path / "run"
    done = subprocess.run([sys.executable, "-m", "testkit.kill_run", "sigint", "12", "--", *args, "--run-dir", run,
                           "--quiet"], cwd=tmp_path, env=ENV, capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 130, done.stderr
    assert f"saved {run}/second-view/checkpoints/" in done.stderr
    assert done.stderr.strip().endswith(f"continue with: rnnkit train {run} --resume")


# ---- the sweep: 25 kill points across the tasks ---------------------------------------------------------
SWEEP = [("arrays", "step", n) for n in (1, 3, 5, 6, 10, 11, 15)] \
    + [("arrays", "write", n) for n in (1, 3, 6, 12, 14, 21, 30)] + [("arrays", "test", 1)] \
    + [("classify", "step", n) for n in (2, 10, 11, 15)] + [("classify", "test", 1)] + [("classify", "write", n) for n in (8, 40)] \
    + [("mnist", "step", n) for n in (3, 6)] + [("mnist", "test", 1)]


@pytest.mark.slow
@pytest.mark.parametrize("task, point, n", SWEEP)
def test_sweep_of_kill_points(tmp_path, baselines, task, point, n):
    kill_and_resume(task, tmp_path, baselines(task), point, n)
