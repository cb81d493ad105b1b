"""Run folders written by an earlier release still load and evaluate to the numbers they gave then.

tests/fixtures/runs-f9a2b43/ holds one small run of every task, trained and evaluated by commit f9a2b43
(the release before the shared training skeleton renamed lm's and classify-series' --valid/--test and
split the holdouts into rnnkit.data.splits), each beside its data and the `rnnkit evaluate RUN --json`
it printed then (evaluate.json). The commands are those of tests/testkit/tiny_tasks.py at that commit.
"""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from testkit import subprocess_env

FIXTURES = Path(__file__).parent.parent / "fixtures" / "runs-f9a2b43"
TASKS = sorted(p.name for p in FIXTURES.iterdir())


def timed(key: str) -> bool:
    """Speeds depend on the clock, not on the run."""
    return key.endswith(("_per_s", "_per_second"))


@pytest.mark.parametrize("task", TASKS)
def test_an_earlier_releases_run_evaluates_to_the_same_numbers(tmp_path, task):
    folder = tmp_path / task
    shutil.copytree(FIXTURES / task, folder)  # evaluate may write nothing, but the fixture stays untouched
    done = subprocess.run([sys.executable, "-m", "rnnkit", "evaluate", "run", "--json", "--trust-imports"],
                          cwd=folder, env=subprocess_env(OMP_NUM_THREADS="1"), capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    then = json.loads((folder / "evaluate.json").read_text())
    now = json.loads(done.stdout)
    for key, value in then.items():
        if not timed(key):
            assert now[key] == pytest.approx(value, rel=1e-5, abs=1e-7), key
    summary = subprocess.run([sys.executable, "-m", "rnnkit", "summary", "run", "--trust-imports"], cwd=folder,
                             env=subprocess_env(), capture_output=True, text=True, timeout=300)
    assert summary.returncode == 0, summary.stderr


def test_a_forecast_run_whose_lookback_was_written_null_evaluates_to_the_same_numbers(tmp_path):
    """Releases before the lookback was chosen on validation wrote a file run's default lookback as null in
    task_config (the config filled it when read); it now reads back from the run's data facts."""
    folder = tmp_path / "forecast"
    shutil.copytree(FIXTURES / "forecast", folder)
    config_file = folder / "run" / "config.json"
    saved = json.loads(config_file.read_text())
    assert saved["task_config"]["lookback"] == saved["data"]["lookback"] == 24
    saved["task_config"]["lookback"] = saved["task_config"]["ar_lags"] = None
    config_file.write_text(json.dumps(saved))
    done = subprocess.run([sys.executable, "-m", "rnnkit", "evaluate", "run", "--json"], cwd=folder,
                          env=subprocess_env(OMP_NUM_THREADS="1"), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    then = json.loads((folder / "evaluate.json").read_text())
    now = json.loads(done.stdout)
    assert all(now[k] == pytest.approx(v, rel=1e-5, abs=1e-7) for k, v in then.items() if not timed(k))
