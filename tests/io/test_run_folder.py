"""Run folders: no pickle anywhere, `load(run_dir)` rebuilds the model, damaged checkpoints fail clearly."""
import json
import struct

import pytest
import torch

from rnnkit.errors import UserError
from rnnkit.io import RunDir, load
from rnnkit.io.checkpoint import (flatten_state, last_checkpoint, load_checkpoint, load_tensors, save_tensors,
                                  unflatten_state)
from rnnkit.training import Trainer, seed_everything
from testkit.tiny_models import TinyLSTMClassifier, first_token_task


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("run")
    seed_everything(0)
    x, y = first_token_task(64)
    trainer = Trainer(TinyLSTMClassifier(hidden=6), run_dir=path, checkpoint_every=3, quiet=True,
                      config={"task": "test"})
    trainer.fit((x, y), epochs=2, batch_size=16, validation_split=0.25)
    trainer.trained_model = trainer.model
    return path, trainer


def is_safetensors(path):
    data = path.read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    return isinstance(header, dict)


def test_every_file_is_safetensors_json_or_plain_text(run_dir):
    path, _ = run_dir
    files = [p for p in path.rglob("*") if p.is_file()]
    suffixes = {p.suffix for p in files}
    assert suffixes <= {".safetensors", ".json", ".jsonl", ".png", ".md"}, suffixes
    for p in files:
        assert not p.read_bytes().startswith(b"\x80"), f"{p} looks like a pickle"
        assert b"PK\x03\x04" not in p.read_bytes()[:4], f"{p} looks like a torch.save zip"
        if p.suffix == ".safetensors":
            assert is_safetensors(p)
        if p.suffix == ".json":
            json.loads(p.read_text())
    assert not list(path.rglob("*.tmp")), "temp files left behind"


def test_load_rebuilds_the_model_and_predicts_the_same(run_dir):
    path, trainer = run_dir
    config = json.loads((path / "config.json").read_text())
    assert config["model"] == {"name": "tiny_lstm_classifier", "vocab": 4, "hidden": 6, "classes": 2}
    assert config["task"] == "test" and config["training"]["batch_size"] == 16
    model = load(path)
    x = torch.as_tensor(first_token_task(10, seed=3)[0])
    trainer.model.eval()
    assert torch.equal(model(x), trainer.model(x))


def test_checkpoint_restores_optimizer_state(run_dir):
    path, trainer = run_dir
    model = TinyLSTMClassifier(hidden=6)
    state = load_checkpoint(last_checkpoint(path), model)
    opt = torch.optim.Adam(model.parameters())
    opt.load_state_dict(state["optimizer"])
    saved = trainer.optimizer.state_dict()["state"]
    for key, value in opt.state_dict()["state"].items():
        assert torch.equal(value["exp_avg"], saved[key]["exp_avg"])
    assert state["epoch"] == 2 and state["batch"] == 0


def test_tampered_and_truncated_weights_fail_clearly(run_dir, tmp_path):
    path, _ = run_dir
    data = (path / "model.safetensors").read_bytes()
    tampered = tmp_path / "tampered.safetensors"
    tampered.write_bytes(data[:-4] + bytes(b ^ 0xFF for b in data[-4:]))
    with pytest.raises(UserError, match="checksum"):
        load_tensors(tampered)
    truncated = tmp_path / "truncated.safetensors"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(UserError, match="truncated or corrupted"):
        load_tensors(truncated)
    copy = tmp_path / "run"
    copy.mkdir()
    (copy / "config.json").write_text((path / "config.json").read_text())
    (copy / "model.safetensors").write_bytes(data[:100])
    with pytest.raises(UserError, match="model.safetensors"):
        load(copy)


def test_wrong_shapes_and_missing_run_are_user_errors(run_dir, tmp_path):
    path, _ = run_dir
    with pytest.raises(UserError, match=r"tensor 'embedding.weight' has shape \[4, 6\]; the model needs \[4, 5\]"):
        RunDir(path).load_weights(TinyLSTMClassifier(hidden=5))
    with pytest.raises(UserError, match="not found"):
        load(tmp_path / "nowhere")


def test_nested_state_round_trip(tmp_path):
    state = {"a": torch.arange(3), "b": [1.5, {"c": torch.ones(2, 2), 3: "x"}], "inf": float("inf"), "n": None}
    tree, tensors = flatten_state(state)
    save_tensors(tmp_path / "s.safetensors", tensors)
    json.dumps(tree)
    back = unflatten_state(json.loads(json.dumps(tree)), load_tensors(tmp_path / "s.safetensors"))
    assert torch.equal(back["a"], state["a"]) and torch.equal(back["b"][1]["c"], state["b"][1]["c"])
    assert back["b"][1][3] == "x" and back["inf"] == float("inf") and back["n"] is None


def test_a_checkpoint_is_fsynced_file_by_file_and_its_folder_after_the_rename(tmp_path, monkeypatch):
    """Every rename is made durable: after each os.replace, the folder it happened in is fsynced before
    the next rename (last.json must not point at a checkpoint a power cut could take away)."""
    import os

    from rnnkit.io.checkpoint import save_checkpoint

    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(src, dst):
        events.append(("replace", str(dst)))
        real_replace(src, dst)

    if not os.path.exists("/proc/self/fd"):
        pytest.skip("needs /proc to name the fsynced files")
    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    final = save_checkpoint(tmp_path, 3, TinyLSTMClassifier(), {"step": 3})
    monkeypatch.undo()
    renames = [i for i, e in enumerate(events) if e[0] == "replace"]
    assert [events[i][1] for i in renames][-2:] == [str(final), str(tmp_path / "checkpoints" / "last.json")]
    for i in renames:
        folder = os.path.dirname(events[i][1])
        assert ("fsync", folder) in events[i + 1:i + 2], (events[i], events[i + 1:i + 2])  # right after it
        assert events[i - 1][0] == "fsync"  # the file (or, for the checkpoint, its folder's last file) first


def test_a_model_entry_that_names_settings_the_task_config_lacks_is_one_line(tmp_path):
    """config.json's "model" takes the settings it lists under from_task_config from the task config; a
    hand-edited list naming a key the task config lacks is a one-line error, not a KeyError."""
    from rnnkit.io.run import model_entry

    config = {"task_config": {"hidden": 6}, "model": {"name": "tiny_lstm_classifier", "vocab": 4,
                                                       "from_task_config": ["hidden"]}}
    assert model_entry(config) == {"name": "tiny_lstm_classifier", "vocab": 4, "hidden": 6}
    config["model"]["from_task_config"] = ["hidden", "classes"]
    with pytest.raises(UserError, match=r"'model.from_task_config' should list keys of 'task_config'"):
        model_entry(config, tmp_path / "config.json")


def test_written_files_get_the_umask_permissions_and_keep_those_of_the_file_they_replace(tmp_path):
    """An atomic write goes through mkstemp's private (0600) temp file; the file the user gets is readable as
    any file they would create (0666 under their umask), and a replaced file keeps its own permissions."""
    import os

    from rnnkit.atomic import process_umask, write_text

    old = os.umask(0o022)
    try:
        new = write_text(tmp_path / "report.md", "one")
        assert new.stat().st_mode & 0o777 == 0o644
        os.chmod(new, 0o640)
        write_text(new, "two")
        assert new.stat().st_mode & 0o777 == 0o640 and new.read_text() == "two"
        os.umask(0o027)
        assert process_umask() == 0o027 and write_text(tmp_path / "b.md", "b").stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(old)
