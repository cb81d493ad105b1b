"""rnnkit -> Keras: `Sequential.save("m.keras")` opens in Keras 3's own `keras.saving.load_model` (torch
backend) and predicts the same; `save_weights` / `load_weights` trade `.weights.h5` files with Keras both
ways; what Keras cannot hold is refused with one line."""
import numpy as np
import pytest
import torch

from rnnkit.errors import UserError
from rnnkit.keras.layers import (GRU, LSTM, Activation, Bidirectional, Conv1D, Dense, Dropout, Embedding, Flatten,
                                 GlobalAveragePooling1D, GlobalMaxPooling1D, MaxPooling1D, SimpleRNN, TimeDistributed)
from rnnkit.keras.models import Sequential, load_model

TOL = 1e-5


def rnnkit_model(layers, seed=0):
    torch.manual_seed(seed)
    model = Sequential()
    for layer in layers:
        model.add(layer)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0.0, 0.4)  # biases too: a bias mapped to the wrong gate shows
    return model.eval()


def float_inputs(rows, steps, features, seed=1):
    return np.random.default_rng(seed).normal(size=(rows, steps, features)).astype("float32")


MODELS = {
    "embedding_bidirectional_gru_concat": lambda: [
        Embedding(12, 6, input_length=9, mask_zero=True), Bidirectional(GRU(4, return_sequences=True)),
        TimeDistributed(Dense(3, activation="tanh")), GlobalAveragePooling1D(), Dense(1, activation="sigmoid")],
    "conv_lstm_simple_rnn": lambda: [
        Conv1D(4, 3, padding="same", activation="relu", input_shape=(10, 3)), MaxPooling1D(2),
        LSTM(5, return_sequences=True), SimpleRNN(3, activation="relu"), Dense(2, activation="softmax")],
    "embedding_conv_flatten": lambda: [
        Embedding(12, 5, input_length=9), Conv1D(4, 2, strides=2), Flatten(), Dropout(0.2), Dense(2), Activation("tanh")],
    "gru_reset_before_bidirectional_ave": lambda: [
        Bidirectional(GRU(4, reset_after=False, return_sequences=True), merge_mode="ave", input_shape=(7, 3)),
        Bidirectional(LSTM(3), merge_mode="mul"), Dense(2)],
    "bidirectional_sum_global_max": lambda: [
        Bidirectional(SimpleRNN(4, return_sequences=True), merge_mode="sum", input_shape=(7, 3)), GlobalMaxPooling1D(),
        Dense(2)],
}


def inputs_for(model, padded_ids):
    if isinstance(model.layers[0], Embedding):
        return padded_ids(6, 9, 12, seed=2)
    return float_inputs(6, *model.layers[0].input_shape)


@pytest.mark.parametrize("name", list(MODELS))
def test_saved_model_opens_in_keras_with_equal_predictions(name, keras, padded_ids, tmp_path):
    model = rnnkit_model(MODELS[name]())
    x = inputs_for(model, padded_ids)
    expected = model.predict(x)
    assert expected.std() > 1e-3
    model.save(tmp_path / "m.keras")
    reloaded = keras.saving.load_model(tmp_path / "m.keras")
    assert [l.name for l in reloaded.layers] == [l.name for l in model.layers]
    assert reloaded.count_params() == model.count_params()
    np.testing.assert_allclose(reloaded.predict(x, verbose=0), expected, atol=TOL, rtol=0)
    again = load_model(tmp_path / "m.keras")  # and back into rnnkit
    np.testing.assert_allclose(again.predict(x), expected, atol=TOL, rtol=0)


def test_a_bidirectional_is_written_with_its_backward_layer_as_keras_writes_it(keras, tmp_path):
    """Keras' own files hold each Bidirectional's backward layer; one left to Keras to derive made a model of two
    Bidirectionals fail to load, now and then, with 'forward_layer.go_backwards True' (its object sharing keys layers
    by id(), which Python reuses once the first Bidirectional's temporary layer is freed)."""
    import json
    import zipfile
    model = rnnkit_model(MODELS["gru_reset_before_bidirectional_ave"]())
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        written = [spec["config"] for spec in json.loads(archive.read("config.json"))["config"]["layers"]
                   if spec["class_name"] == "Bidirectional"]
    loaded = [layer.get_config() for layer in keras.saving.load_model(tmp_path / "m.keras").layers
              if type(layer).__name__ == "Bidirectional"]
    assert len(written) == len(loaded) == 2
    for ours, theirs in zip(written, loaded):
        assert ours["backward_layer"]["config"]["go_backwards"] is True
        assert not ours["layer"]["config"].get("go_backwards")
        for part in ("layer", "backward_layer"):
            assert ours[part]["class_name"] == theirs[part]["class_name"]
            assert ours[part]["config"]["name"] == theirs[part]["config"]["name"]


def test_bidirectional_merge_none_saves(keras, tmp_path):
    model = rnnkit_model([Bidirectional(LSTM(3, return_sequences=True), merge_mode=None, input_shape=(6, 2))])
    x = float_inputs(3, 6, 2)
    forward, backward = model.predict(x)
    model.save(tmp_path / "m.keras")
    k_forward, k_backward = keras.saving.load_model(tmp_path / "m.keras").predict(x, verbose=0)
    np.testing.assert_allclose(k_forward, forward, atol=TOL, rtol=0)
    np.testing.assert_allclose(k_backward, backward, atol=TOL, rtol=0)


def test_weights_files_trade_both_ways_with_keras(keras, randomize, padded_ids, tmp_path):
    model = rnnkit_model(MODELS["embedding_bidirectional_gru_concat"]())
    x = inputs_for(model, padded_ids)
    model.save(tmp_path / "m.keras")
    twin = keras.saving.load_model(tmp_path / "m.keras")

    randomize(twin, seed=5)  # Keras' weights now differ; rnnkit's file puts them back
    model.save_weights(tmp_path / "rnnkit.weights.h5")
    twin.load_weights(tmp_path / "rnnkit.weights.h5")
    np.testing.assert_allclose(twin.predict(x, verbose=0), model.predict(x), atol=TOL, rtol=0)

    randomize(twin, seed=6)  # and the other way: Keras' own weights file into rnnkit
    twin.save_weights(tmp_path / "keras.weights.h5")
    model.load_weights(tmp_path / "keras.weights.h5")
    np.testing.assert_allclose(model.predict(x), twin.predict(x, verbose=0), atol=TOL, rtol=0)

    for seed, suffix in ((7, ".keras"), (8, ".h5")):  # load_weights also takes a .keras or a legacy .h5, as Keras'
        randomize(twin, seed=seed)
        twin.save(tmp_path / f"twin{suffix}")
        model.load_weights(tmp_path / f"twin{suffix}")
        np.testing.assert_allclose(model.predict(x), twin.predict(x, verbose=0), atol=TOL, rtol=0)


def test_legacy_weights_go_by_order_when_names_differ(keras, randomize, tmp_path):
    """Keras' legacy load_weights matches the file's layers with weights to the model's in order, whatever
    their names; so does rnnkit's."""
    L = keras.layers
    source = keras.Sequential([keras.Input((6, 3)), L.LSTM(4, name="encoder"), L.Dropout(0.1, name="drop"),
                               L.Dense(2, name="head")])
    randomize(source, seed=9)
    source.save(tmp_path / "named.h5")
    model = rnnkit_model([LSTM(4, input_shape=(6, 3)), Dropout(0.1), Dense(2)])
    model.load_weights(tmp_path / "named.h5")
    x = float_inputs(3, 6, 3)
    np.testing.assert_allclose(model.predict(x), source.predict(x, verbose=0), atol=TOL, rtol=0)


def test_save_weights_round_trip_without_keras(tmp_path):
    model = rnnkit_model(MODELS["conv_lstm_simple_rnn"]())
    copy = rnnkit_model(MODELS["conv_lstm_simple_rnn"](), seed=1)
    x = float_inputs(4, 10, 3)
    assert not np.allclose(copy.predict(x), model.predict(x))
    model.save_weights(tmp_path / "w.weights.h5")
    copy.load_weights(tmp_path / "w.weights.h5")
    np.testing.assert_array_equal(copy.predict(x), model.predict(x))


def one_line_error(call) -> str:
    with pytest.raises(UserError) as err:
        call()
    assert "\n" not in str(err.value)
    return str(err.value)


def test_what_keras_cannot_hold_is_refused(tmp_path):
    peephole = rnnkit_model([LSTM(4, peephole=True, input_shape=(5, 3)), Dense(1)])
    assert "'lstm' (LSTM): option peephole=True" in one_line_error(lambda: peephole.save(tmp_path / "p.keras"))
    plain = rnnkit_model([LSTM(4, input_shape=(5, 3)), Dense(1)])
    assert "ending in .keras" in one_line_error(lambda: plain.save(tmp_path / "p.h5"))
    assert "end in .weights.h5" in one_line_error(lambda: plain.save_weights(tmp_path / "p.h5"))
    unbuilt = Sequential()
    unbuilt.add(LSTM(4))
    assert "not built" in one_line_error(lambda: unbuilt.save(tmp_path / "u.keras"))
    # rnnkit shrinks the padding lengths through Conv1D and the LSTM skips the padding; Keras drops the mask there
    masked = rnnkit_model([Embedding(12, 4, input_length=9, mask_zero=True), Conv1D(3, 2), LSTM(2)])
    assert "skipping the padding" in one_line_error(lambda: masked.save(tmp_path / "m.keras"))
    two_outputs = rnnkit_model([Bidirectional(LSTM(3, return_sequences=True), merge_mode=None, input_shape=(6, 2)), Dense(1)])
    assert "merge_mode=None" in one_line_error(lambda: two_outputs.save(tmp_path / "b.keras"))
    assert not list(tmp_path.iterdir()), "a refused save leaves no file behind"
