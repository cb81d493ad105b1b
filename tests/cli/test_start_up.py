"""A command pays only for what it uses: `rnnkit train TASK --help` and the mistakes caught before training
(a bad option value, a missing --data file, a run folder that is not there) import neither torch nor
scikit-learn, for every task family. Each case runs in a fresh process, which then reports what it imported."""
import dataclasses
import json
import subprocess
import sys

import pytest

from rnnkit.tasks import TASKS
from testkit import subprocess_env

HEAVY = ("torch", "sklearn")
REPORT = """
import json, sys
from rnnkit.cli.main import run_command
code = run_command(json.loads(sys.argv[1]))
print(json.dumps([code, sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'sklearn', 'pandas'})]))
"""


def run_in_fresh_process(args: list[str], cwd) -> tuple[int, list[str], str]:
    """(exit code, the heavy packages imported, stderr) of `rnnkit ARGS` in its own Python process."""
    done = subprocess.run([sys.executable, "-c", REPORT, json.dumps(args)], cwd=cwd, capture_output=True,
                          text=True, env=subprocess_env(), timeout=120)
    assert done.stdout.strip(), done.stderr[-2000:]
    code, heavy = json.loads(done.stdout.strip().splitlines()[-1])
    return code, heavy, done.stderr


def mistakes(task: str) -> list[tuple[list[str], str]]:
    """(options, what the error line says) of mistakes `rnnkit train TASK` tells before training: a value out
    of range, and a missing --data file where the task reads one."""
    found = [(["--epochs", "0"], "epochs")]
    if "data" in {f.name for f in dataclasses.fields(TASKS[task].config_cls)}:
        model = ["--model", '{"name": "sequential"}'] if task == "arrays" else []  # arrays needs one to say more
        found.append((["--data", "missing.csv", *model], "missing.csv: file not found"))
    return found


@pytest.mark.parametrize("task", list(TASKS))
def test_task_help_and_early_mistakes_import_no_torch_or_sklearn(task, tmp_path):
    code, heavy, err = run_in_fresh_process(["train", task, "--help"], tmp_path)
    assert (code, heavy) == (0, []), err[-2000:]  # pandas neither: the configs read their choices from data.choices
    for options, message in mistakes(task):
        code, heavy, err = run_in_fresh_process(["train", task, *options, "--quiet"], tmp_path)
        assert code == 2 and message in err and len(err.strip().splitlines()) == 1, (options, err[-2000:])
        assert set(heavy) <= {"pandas"}, (options, heavy)
    assert not list(tmp_path.iterdir())  # and nothing was written


@pytest.mark.parametrize("args", [["train", "--help"], ["tasks"], ["predict", "missing-run", "--input", "x"],
                                  ["evaluate", "missing-run"]])
def test_commands_that_read_only_the_task_list_or_a_missing_run_import_no_torch_or_sklearn(args, tmp_path):
    code, heavy, err = run_in_fresh_process(args, tmp_path)
    assert heavy == [] and code in (0, 2), (code, heavy, err[-2000:])


def test_the_check_sees_torch_where_a_command_needs_it(tmp_path):
    """The same report names torch once a mistake is one that only torch's side can tell (a loss name)."""
    (tmp_path / "x.csv").write_text("time,y\n1,2\n")
    code, heavy, err = run_in_fresh_process(["train", "forecast", "--data", "x.csv", "--loss", "no-such-loss",
                                             "--quiet"], tmp_path)
    assert code == 2 and "loss" in err and "torch" in heavy, (code, heavy, err[-2000:])
