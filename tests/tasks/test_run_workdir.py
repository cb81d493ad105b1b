"""A run folder knows the folder training was started in (config.json's `workdir`), so its relative file paths
still name the user's files when `rnnkit evaluate RUN` is called from another folder."""
import json

from rnnkit.tasks import read_run
from testkit import call_cli
from testkit.tiny_runs import train_tiny


def test_evaluate_finds_the_runs_relative_test_file_from_another_folder(tmp_path, monkeypatch, capsys):
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.chdir(data)
    run_dir = train_tiny("tag", data, data="train.conll", test_data="test.conll")  # relative, as a user types them
    saved = json.loads((run_dir / "config.json").read_text())
    assert saved["workdir"] == str(data) and saved["task_config"]["test_data"] == "test.conll"
    code, here, err = call_cli(capsys, "evaluate", run_dir, "--json")
    assert code == 0, err
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert read_run(run_dir).config.test_data == str(data / "test.conll")
    code, there, err = call_cli(capsys, "evaluate", run_dir, "--json")
    assert code == 0, err
    assert json.loads(there) == json.loads(here)
    (elsewhere / "test.conll").write_text("x\tO\n")  # a file of that name here is the one meant: read as before
    assert read_run(run_dir).config.test_data == "test.conll"
