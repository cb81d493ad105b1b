"""Loading a run folder runs none of its code: a config.json whose `imports` names a module (here one that
writes a marker file when imported) is refused by predict, evaluate, summary, train from the folder and
the Python API, in one line naming the module and how to allow it, and the marker never appears; with
--trust-imports (or once the user imported the module) the folder loads, so the marker test can fail."""
import json
import subprocess
import sys

import numpy as np
import pytest

from rnnkit.errors import UserError
from rnnkit.tasks import load_config, read_run
from rnnkit.tasks import train as train_task
from rnnkit.tasks.summary import summarize
from testkit import call_cli as call, subprocess_env
from testkit.tiny_models import first_token_task

MODULE = "rnnkit_marker_module"
"""The module the tampered run folder names: importing it writes `marker` next to it (and registers the
run's model, so that a trusted load succeeds)."""


@pytest.fixture(scope="module")
def tampered(tmp_path_factory):
    """A trained arrays run whose config.json was edited to import MODULE on load."""
    folder = tmp_path_factory.mktemp("untrusted")
    x, y = first_token_task(48)
    np.savez(folder / "data.npz", x_train=x, y_train=y, x_test=x[:8], y_test=y[:8])
    np.save(folder / "x.npy", x[:3])
    (folder / "cfg.json").write_text(json.dumps({
        "task": "arrays", "data": str(folder / "data.npz"), "model": {"name": "tiny_lstm_classifier", "hidden": 4},
        "imports": ["testkit.tiny_models"], "epochs": 1}))
    (folder / f"{MODULE}.py").write_text(
        "from pathlib import Path\nPath(__file__).with_name('marker').write_text('code ran')\n"
        "import testkit.tiny_models\n")
    train_task(*load_config(str(folder / "cfg.json")), run_dir=folder / "run", quiet=True)
    config = json.loads((folder / "run" / "config.json").read_text())
    config["task_config"]["imports"] = [MODULE]
    (folder / "run" / "config.json").write_text(json.dumps(config))
    return folder


def assert_refused(code: int, err: str) -> None:
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "Traceback" not in err, err
    assert f"names module '{MODULE}' to import" in lines[0] and "--trust-imports" in lines[0], lines[0]


@pytest.mark.parametrize("args", [
    ["predict", "run", "--input", "x.npy"],
    ["evaluate", "run"],
    ["summary", "run"],
    ["train", "run", "--resume"],
    ["train", "run", "--run-dir", "again"],
    ["train", "run/config.json", "--run-dir", "again"],  # the folder's config file, named as a config
    ["summary", "run/config.json"],
])
def test_the_cli_refuses_to_import_what_a_run_folder_names(tampered, capsys, monkeypatch, args):
    monkeypatch.chdir(tampered)
    monkeypatch.syspath_prepend(str(tampered))  # the module is importable: only the refusal stops it
    assert MODULE not in sys.modules
    code, _, err = call(capsys, *args)
    assert_refused(code, err)
    assert not (tampered / "marker").exists() and MODULE not in sys.modules
    assert not (tampered / "again").exists()


def test_the_python_api_refuses_too(tampered, monkeypatch):
    monkeypatch.syspath_prepend(str(tampered))
    for load in (read_run, summarize, load_config):
        with pytest.raises(UserError, match=f"names module '{MODULE}'"):
            load(str(tampered / "run"))
    assert not (tampered / "marker").exists() and MODULE not in sys.modules


def test_the_real_command_refuses_and_trust_imports_allows(tampered):
    """Through `python -m rnnkit` (the module is on PYTHONPATH there): refused, then run when trusted."""
    env = subprocess_env(OMP_NUM_THREADS="1", RNNKIT_NO_COMPILE="1")
    env["PYTHONPATH"] = f"{tampered}:{env['PYTHONPATH']}"

    def rnnkit(*args):
        return subprocess.run([sys.executable, "-m", "rnnkit", *args], cwd=tampered, env=env, capture_output=True,
                              text=True, timeout=300)

    refused = rnnkit("predict", "run", "--input", "x.npy")
    assert_refused(refused.returncode, refused.stderr)
    assert not (tampered / "marker").exists()
    trusted = rnnkit("predict", "run", "--input", "x.npy", "--trust-imports")
    assert trusted.returncode == 0, trusted.stderr
    assert len(trusted.stdout.splitlines()) == 3 and (tampered / "marker").read_text() == "code ran"
    (tampered / "marker").unlink()


def test_a_module_the_user_already_imported_runs_no_new_code(tampered):
    """Named by the folder but already imported by the user: nothing is imported, so it is allowed."""
    config = json.loads((tampered / "run" / "config.json").read_text())
    config["task_config"]["imports"] = ["testkit.tiny_models"]  # imported by this test module
    (tampered / "ok").mkdir()
    for name in ("config.json", "model.safetensors"):
        (tampered / "ok" / name).write_bytes((tampered / "run" / name).read_bytes())
    (tampered / "ok" / "config.json").write_text(json.dumps(config))
    run = read_run(tampered / "ok")
    assert run.config.imports == ["testkit.tiny_models"]
    assert run.task.model_of(run) is not None
