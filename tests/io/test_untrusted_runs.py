"""Run folders from someone else: config.json's format version and schema, and the weights' tensor names,
shapes and dtypes are checked against the model config.json describes before anything is used; loading
never unpickles. Each mistake is one line naming the first mismatch."""
import json
import shutil

import pytest
import torch
from safetensors.torch import load_file, save_file

from rnnkit.errors import UserError
from rnnkit.io import load
from rnnkit.io.run import FORMAT_VERSION
from rnnkit.training import Trainer, seed_everything
from testkit.tiny_models import TinyLSTMClassifier, first_token_task


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    path = tmp_path_factory.mktemp("run")
    seed_everything(0)
    x, y = first_token_task(32)
    Trainer(TinyLSTMClassifier(hidden=6), run_dir=path, quiet=True,
            config={"format_version": FORMAT_VERSION, "task": "test"}).fit((x, y), epochs=1, batch_size=16)
    return path


@pytest.fixture
def copy(trained, tmp_path):
    shutil.copytree(trained, tmp_path / "run")
    return tmp_path / "run"


def edit_config(run, **changes):
    config = json.loads((run / "config.json").read_text())
    config.update(changes)
    (run / "config.json").write_text(json.dumps(config))


def edit_weights(run, change):
    tensors = load_file(run / "model.safetensors")
    change(tensors)
    save_file(tensors, run / "model.safetensors")


def test_a_folder_with_and_without_a_format_version_loads(copy):
    assert json.loads((copy / "config.json").read_text())["format_version"] == FORMAT_VERSION
    load(copy)
    config = json.loads((copy / "config.json").read_text())
    del config["format_version"]  # folders written before it was recorded
    (copy / "config.json").write_text(json.dumps(config))
    assert isinstance(load(copy), TinyLSTMClassifier)


def test_a_newer_format_says_which_rnnkit_is_needed(copy):
    edit_config(copy, format_version=FORMAT_VERSION + 1, rnnkit_version="99.0.0")
    with pytest.raises(UserError, match=rf"format {FORMAT_VERSION + 1}; this rnnkit .* reads formats up to "
                                        rf"{FORMAT_VERSION}: it needs rnnkit 99.0.0 or newer"):
        load(copy)


@pytest.mark.parametrize("changes, needle", [
    ({"format_version": "1"}, "'format_version' should be a positive integer"),
    ({"format_version": 0}, "'format_version' should be a positive integer"),
    ({"model": [1, 2]}, "key 'model' should be a JSON object or null, got a JSON array"),
    ({"task": 7}, "key 'task' should be a JSON string, got a JSON number"),
    ({"training": "fast"}, "key 'training' should be a JSON object, got a JSON string"),
])
def test_config_json_schema(copy, changes, needle):
    edit_config(copy, **changes)
    with pytest.raises(UserError, match=needle):
        load(copy)


@pytest.mark.parametrize("change, needle", [
    (lambda t: t.update({"evil": torch.zeros(1)}), "tensor 'evil' is not in the model"),
    (lambda t: t.pop("out.bias"), "has no tensor 'out.bias' \\(the model needs it, shape \\[2\\]\\)"),
    (lambda t: t.update({"out.bias": torch.zeros(3)}), "tensor 'out.bias' has shape \\[3\\]; the model needs \\[2\\]"),
    (lambda t: t.update({"out.bias": torch.zeros(2, dtype=torch.float64)}),
     "tensor 'out.bias' is torch.float64; the model needs torch.float32"),  # load_state_dict would cast it
])
def test_tensor_names_shapes_and_dtypes_against_the_model(copy, change, needle):
    edit_weights(copy, change)
    with pytest.raises(UserError, match=needle):
        load(copy)


def test_a_config_asking_for_a_huge_model_is_refused_before_building_it(copy):
    config = json.loads((copy / "config.json").read_text())
    config["model"]["hidden"] = 2_000_000  # 4 * 2e6 * 2e6 floats if it were built for real
    (copy / "config.json").write_text(json.dumps(config))
    with pytest.raises(UserError, match="tensor 'embedding.weight' has shape \\[4, 6\\]; the model needs \\[4, 2000000\\]"):
        load(copy)


def test_truncated_and_pickle_filled_weights_never_unpickle(copy, monkeypatch):
    import pickle

    def refuse(*args, **kwargs):
        raise AssertionError("a pickle was loaded")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(torch, "load", refuse)
    data = (copy / "model.safetensors").read_bytes()
    (copy / "model.safetensors").write_bytes(data[: len(data) // 3])
    with pytest.raises(UserError, match="model.safetensors: not a readable safetensors file"):
        load(copy)
    torch.save({"out.bias": torch.zeros(2)}, copy / "model.safetensors", _use_new_zipfile_serialization=False)
    with pytest.raises(UserError, match="model.safetensors: not a readable safetensors file"):
        load(copy)
