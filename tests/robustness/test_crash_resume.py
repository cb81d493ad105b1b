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

from rnnkit.io.checkpoint import load_tensors
from testkit import subprocess_env
from testkit.tiny_tasks import TASKS, arrays_task, classify_task, outcome, run_folders

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


# ---- what must hold -----------------------------------------------------------------------------------
def assert_same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for name in a:
        assert b[name]["final"] == a[name]["final"], name
        assert len(a[name]["epochs"]) == len(b[name]["epochs"]), name
        for la, lb in zip(a[name]["epochs"], b[name]["epochs"]):
            assert la.keys() == lb.keys()
            for key in la:  # a log also holds strings (the lr schedule's name...): those compare as they are
                if isinstance(la[key], (int, float)) and not isinstance(la[key], bool):
                    assert lb[key] == pytest.approx(la[key], rel=1e-6, abs=1e-9), (name, key)
                else:
                    assert lb[key] == la[key], (name, key)
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
    """`rnnkit train RUN --resume` (trusting the imports of the arrays run: the test's own); a run killed
    before its first checkpoint starts again from its config.json, and one killed before that is told so
    in one line (no config.json) and started again with its command."""
    done = cli("train", run, "--resume", "--trust-imports", "--quiet", cwd=cwd)
    if not (run / "checkpoints" / "last.json").exists():
        assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert "no checkpoint to resume from" in done.stderr or "config.json: config file not found" in done.stderr
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
    # every other family once, in its second epoch: they all train through tasks/fit.py
    ("tag", "step", 7),
    ("lm", "step", 20),
    ("seq2seq", "step", 4),
    ("forecast", "step", 4),
    ("classify-series", "step", 4),
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
    assert lines[0].endswith(f"continue with: rnnkit train {run} --resume --trust-imports")  # it imports testkit
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


@pytest.mark.slow  # two spawned DDP processes
def test_ctrl_c_under_nproc_stops_every_process_and_names_the_last_checkpoint(tmp_path):
    """Under --nproc a Ctrl-C (to the terminal's process group) stops every rank at once: one line, exit
    130, the last checkpoint whole and named, and the command that continues with the same --nproc."""
    import os
    import time

    args = arrays_task(tmp_path)
    run = tmp_path / "run"
    process = subprocess.Popen([sys.executable, "-m", "rnnkit", *args, "--epochs", "500", "--nproc", "2",
                                "--run-dir", run, "--quiet"], cwd=tmp_path, env=ENV, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)
    deadline = time.monotonic() + TIMEOUT
    while not (run / "checkpoints" / "last.json").exists() and process.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    time.sleep(1.0)  # some steps more
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=TIMEOUT)
    lines = stderr.strip().splitlines()
    assert process.returncode == 130 and len(lines) == 1 and "Traceback" not in stderr, stderr
    assert lines[0].startswith("error: training interrupted (Ctrl-C) in its 2 processes, stopped at once")
    assert lines[0].endswith(f"continue with: rnnkit train {run} --resume --nproc 2 --trust-imports")
    named = lines[0].split("the last is ")[1].split(";")[0]
    assert named == str(run / "checkpoints" / json.loads((run / "checkpoints" / "last.json").read_text())["checkpoint"])
    assert_checkpoints_whole(run)


# ---- the sweep: 32 kill points across the tasks ---------------------------------------------------------
SWEEP = [("arrays", "step", n) for n in (1, 3, 5, 6, 10, 11, 15)] \
    + [("arrays", "write", n) for n in (1, 3, 6, 12, 14, 21, 30)] + [("arrays", "test", 1)] \
    + [("classify", "step", n) for n in (2, 10, 11, 15)] + [("classify", "test", 1)] + [("classify", "write", n) for n in (8, 40)] \
    + [("mnist", "step", n) for n in (3, 6)] + [("mnist", "test", 1)] \
    + [(task, "write", 2) for task in ("tag", "lm", "seq2seq", "forecast", "classify-series")] \
    + [(task, "test", 1) for task in ("lm", "classify-series")]  # the trainer's test pass (tag, seq2seq and
    # forecast decode or forecast the test set with their own code, which the "test" point does not hook)


@pytest.mark.slow
@pytest.mark.parametrize("task, point, n", SWEEP)
def test_sweep_of_kill_points(tmp_path, baselines, task, point, n):
    kill_and_resume(task, tmp_path, baselines(task), point, n)
