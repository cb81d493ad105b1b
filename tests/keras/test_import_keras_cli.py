"""`rnnkit import-keras MODEL RUN_DIR`: the run folder it writes is taken by `rnnkit summary`, `predict` and
`evaluate` like a trained one, with Keras' predictions; mistakes end in one line and exit code 2."""
import json
import re

import numpy as np
import pytest
from testkit import call_cli


@pytest.fixture
def keras_file(keras, randomize, tmp_path):
    L = keras.layers
    model = keras.Sequential([keras.Input((12,), dtype="int32"), L.Embedding(30, 8), L.Conv1D(6, 3, activation="relu"),
                              L.MaxPooling1D(2), L.LSTM(5), L.Dense(1, activation="sigmoid")], name="imdb_like")
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["acc"])
    randomize(model, scale=0.6)
    model.save(tmp_path / "model.keras")
    return model, tmp_path / "model.keras"


def test_import_keras_run_folder_serves_summary_predict_evaluate(keras_file, capsys, tmp_path):
    model, path = keras_file
    x = np.random.default_rng(0).integers(0, 30, (8, 12))
    y = (x[:, 0] % 2).astype("float32")
    np.save(tmp_path / "x.npy", x)
    np.savez(tmp_path / "test.npz", x_test=x, y_test=y)
    run = tmp_path / "run"
    code, out, err = call_cli(capsys, "import-keras", path, run, "--data", tmp_path / "test.npz")
    assert code == 0, err
    assert (run / "model.safetensors").is_file() and json.loads((run / "config.json").read_text())["task"] == "arrays"

    code, out, err = call_cli(capsys, "summary", run)
    assert code == 0, err
    assert "lstm (LSTM)" in out and f"Total params: {model.count_params():,}" in out

    code, out, err = call_cli(capsys, "predict", run, "--input", tmp_path / "x.npy")
    assert code == 0, err
    probabilities = [json.loads(line)["probability"] for line in out.splitlines()]
    np.testing.assert_allclose(probabilities, model.predict(x.astype("int32"), verbose=0)[:, 0], atol=1e-5, rtol=0)

    code, out, err = call_cli(capsys, "evaluate", run, "--json")
    assert code == 0, err
    keras_loss, keras_acc = model.evaluate(x.astype("int32"), y, verbose=0)
    metrics = json.loads(out)
    assert metrics["loss"] == pytest.approx(keras_loss, rel=1e-4) and metrics["acc"] == pytest.approx(keras_acc)


def test_an_imported_keras_run_is_inspected(keras_file, capsys, tmp_path):
    """`rnnkit inspect` reads an import-keras run (an arrays run): --input rows as predict reads them, each
    row's LSTM gates and states pictured and on the page, with predict's record as its prediction."""
    _, path = keras_file
    x = np.random.default_rng(1).integers(1, 30, (3, 12))
    np.save(tmp_path / "x.npy", x)
    run = tmp_path / "run"
    assert call_cli(capsys, "import-keras", path, run)[0] == 0
    code, out, err = call_cli(capsys, "inspect", run, "--input", tmp_path / "x.npy", "--out", tmp_path / "seen")
    assert code == 0, err
    written = out.split()
    assert sum(name.endswith("forget-gate.png") for name in written) == 3  # one per row
    page = (tmp_path / "seen" / "inspect.html").read_text()
    _, predicted, _ = call_cli(capsys, "predict", run, "--input", tmp_path / "x.npy")
    first = json.loads(predicted.splitlines()[0])
    shown = re.findall(r"probability: ([0-9.eE+-]+)", page)  # the rows in order; batch 1 here, 3 in predict
    assert "forget gate" in page and float(shown[0]) == pytest.approx(first["probability"], abs=1e-6)
    code, _, err = call_cli(capsys, "inspect", run, "--text", "a review")
    assert code == 2 and "give --input FILE" in err and err.count("\n") == 1


def test_import_keras_mistakes_are_one_line(keras, keras_file, capsys, tmp_path):
    _, path = keras_file
    assert call_cli(capsys, "import-keras", path, tmp_path / "run")[0] == 0
    code, _, err = call_cli(capsys, "import-keras", path, tmp_path / "run")
    assert code == 2 and "already a run folder" in err and err.count("\n") == 1
    code, _, err = call_cli(capsys, "evaluate", tmp_path / "run")  # imported without --data: nothing to test on
    assert code == 2 and "imported from a Keras file" in err and "--data" in err and err.count("\n") == 1
    unsupported = keras.Sequential([keras.Input((4, 2)), keras.layers.LayerNormalization()])
    unsupported.save(tmp_path / "norm.keras")
    code, _, err = call_cli(capsys, "import-keras", tmp_path / "norm.keras", tmp_path / "run2")
    assert code == 2 and "LayerNormalization" in err and err.count("\n") == 1
    assert not (tmp_path / "run2").exists()


def test_import_keras_help(capsys):
    code, out, _ = call_cli(capsys, "import-keras", "--help")
    assert code == 0 and "RUN_DIR" in out and "--loss" in out
