"""Resume after a real `kill -9` mid-epoch ends with the same metrics and weights as an uninterrupted run."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from safetensors.torch import load_file

from testkit import subprocess_env

SCRIPT = ["-m", "testkit.resume_run"]


def run(run_dir, *flags):
    subprocess.run([sys.executable, *SCRIPT, str(run_dir), *flags], check=True, timeout=120, env=subprocess_env())


def epoch_lines(run_dir):
    lines = [json.loads(l) for l in (Path(run_dir) / "metrics.jsonl").read_text().splitlines()]
    return [l for l in lines if l["kind"] == "epoch"]


def test_kill_9_mid_epoch_then_resume_equals_uninterrupted(tmp_path):
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    run(whole)
    proc = subprocess.Popen([sys.executable, *SCRIPT, str(killed), "--slow"], env=subprocess_env())
    pointer = killed / "checkpoints" / "last.json"
    deadline = time.time() + 90
    try:
        # 144 training samples / 16 = 9 steps an epoch; checkpoints every 3 steps: wait for one in epoch 2
        while time.time() < deadline:
            if pointer.exists():
                step = json.loads(pointer.read_text())["step"]
                if step > 9 and "epoch-end" not in json.loads(pointer.read_text())["checkpoint"]:
                    break
            time.sleep(0.02)
        else:
            pytest.fail("no mid-epoch checkpoint appeared")
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert len(epoch_lines(killed)) == 1  # killed during the second epoch
    run(killed, "--resume")
    a, b = epoch_lines(whole), epoch_lines(killed)
    assert len(a) == len(b) == 3
    for la, lb in zip(a, b):
        for key in ("loss", "acc", "val_loss", "val_acc", "lr", "step"):
            assert lb[key] == pytest.approx(la[key], abs=1e-6), key
    wa, wb = load_file(whole / "model.safetensors"), load_file(killed / "model.safetensors")
    assert all((wa[k] - wb[k]).abs().max() <= 1e-6 for k in wa)
