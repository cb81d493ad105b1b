"""Keras -> rnnkit: real Keras models (torch backend) with random weights, saved as .keras and legacy .h5,
loaded by `rnnkit.keras.models.load_model`, predict the same (max abs <= 1e-5, float32); what rnnkit cannot
run exactly is refused with one line naming the layer."""
import re

import numpy as np
import pytest

from rnnkit.errors import UserError
from rnnkit.keras.models import Sequential, load_model

TOL = 1e-5


def float_inputs(rows, steps, features, seed=0):
    return np.random.default_rng(seed).normal(size=(rows, steps, features)).astype("float32")


def architectures(k):
    """name -> (Keras layers after the Input, input shape, input dtype, inputs)."""
    L = k.layers
    ids = dict(shape=(9,), dtype="int32")
    return {
        "embedding_lstm": ([L.Embedding(12, 6), L.LSTM(5), L.Dense(1, activation="sigmoid")], ids),
        "mask_zero_stacked_lstm": ([L.Embedding(12, 6, mask_zero=True), L.LSTM(5, return_sequences=True), L.LSTM(4),
                                    L.Dense(3, activation="softmax")], ids),
        "mask_zero_sequences_out": ([L.Embedding(12, 6, mask_zero=True), L.GRU(4, return_sequences=True),
                                     L.TimeDistributed(L.Dense(2)), L.Dropout(0.5)], ids),
        "simple_rnn_relu_time_distributed": ([L.SimpleRNN(5, activation="relu", return_sequences=True),
                                              L.TimeDistributed(L.Dense(3, activation="tanh")), L.Activation("softmax")],
                                             dict(shape=(7, 3), dtype="float32")),
        "gru_reset_before_and_after": ([L.GRU(5, reset_after=False, return_sequences=True), L.GRU(4, reset_after=True),
                                        L.Dense(2, activation="relu")], dict(shape=(7, 3), dtype="float32")),
        "bidirectional_concat_lstm": ([L.Embedding(12, 6, mask_zero=True), L.Bidirectional(L.LSTM(4, return_sequences=True)),
                                       L.GlobalAveragePooling1D(), L.Dense(1, activation="sigmoid")], ids),
        "bidirectional_sum_gru": ([L.Embedding(12, 6, mask_zero=True),
                                   L.Bidirectional(L.GRU(4, return_sequences=True), merge_mode="sum"), L.LSTM(3),
                                   L.Dense(2)], ids),
        "bidirectional_mul_simple_rnn": ([L.Embedding(12, 6, mask_zero=True), L.Bidirectional(L.SimpleRNN(4), merge_mode="mul"),
                                          L.Dense(2)], ids),
        "bidirectional_ave_gru_reset_before": ([L.Bidirectional(L.GRU(4, reset_after=False), merge_mode="ave"), L.Dense(2)],
                                               dict(shape=(7, 3), dtype="float32")),
        "conv_same_strided_pool_global_max": ([L.Conv1D(4, 3, strides=2, padding="same", activation="tanh"),
                                               L.MaxPooling1D(2), L.GlobalMaxPooling1D(), L.Dropout(0.3),
                                               L.Dense(2, activation="softmax")], dict(shape=(12, 3), dtype="float32")),
        "embedding_conv_flatten": ([L.Embedding(12, 5), L.Conv1D(4, 2, activation="relu"), L.Flatten(), L.Dense(1)], ids),
        "conv_global_average": ([L.Conv1D(4, 3), L.MaxPooling1D(3, strides=2), L.GlobalAveragePooling1D(), L.Dense(2)],
                                dict(shape=(12, 3), dtype="float32")),
        # Keras drops the mask at Conv1D before any layer used it: rnnkit turns mask_zero off and agrees
        "mask_zero_dropped_at_conv": ([L.Embedding(12, 6, mask_zero=True), L.Conv1D(4, 3, activation="relu"),
                                       L.MaxPooling1D(2), L.LSTM(3), L.Dense(1)], ids),
    }


def inputs_for(spec, padded_ids):
    if spec["dtype"] == "int32":
        return padded_ids(6, spec["shape"][0], 12, seed=3)
    return float_inputs(6, *spec["shape"], seed=3)


def build(keras, layers, spec, randomize, seed=0):
    model = keras.Sequential([keras.Input(spec["shape"], dtype=spec["dtype"]), *layers])
    randomize(model, seed)
    return model


NAMES = [
    "embedding_lstm", "mask_zero_stacked_lstm", "mask_zero_sequences_out", "simple_rnn_relu_time_distributed",
    "gru_reset_before_and_after", "bidirectional_concat_lstm", "bidirectional_sum_gru", "bidirectional_mul_simple_rnn",
    "bidirectional_ave_gru_reset_before", "conv_same_strided_pool_global_max", "embedding_conv_flatten",
    "conv_global_average", "mask_zero_dropped_at_conv"]


@pytest.mark.parametrize("name", NAMES)
def test_keras_model_imports_with_equal_predictions(name, keras, randomize, padded_ids, tmp_path):
    layers, spec = architectures(keras)[name]
    model = build(keras, layers, spec, randomize)
    x = inputs_for(spec, padded_ids)
    expected = model.predict(x, verbose=0)
    assert expected.std() > 1e-3, "outputs that do not vary with the input could hide a wrong mapping"
    model.save(tmp_path / "m.keras")
    model.save(tmp_path / "m.h5")
    for path in (tmp_path / "m.keras", tmp_path / "m.h5"):
        imported = load_model(path)
        assert isinstance(imported, Sequential)
        assert [l.name for l in imported.layers] == [l.name for l in model.layers]
        assert imported.count_params() == model.count_params()
        got = imported.predict(x)
        assert got.dtype == np.float32 and got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=0, atol=TOL, err_msg=f"{name} from {path.suffix}")


def test_bidirectional_merge_none_predicts_both_directions(keras, randomize, tmp_path):
    L = keras.layers
    spec = dict(shape=(7, 3), dtype="float32")
    model = build(keras, [L.Bidirectional(L.LSTM(3, return_sequences=True), merge_mode=None)], spec, randomize)
    x = float_inputs(4, 7, 3)
    forward, backward = model.predict(x, verbose=0)
    model.save(tmp_path / "m.keras")
    got = load_model(tmp_path / "m.keras").predict(x)
    assert isinstance(got, tuple) and len(got) == 2
    np.testing.assert_allclose(got[0], forward, atol=TOL, rtol=0)
    np.testing.assert_allclose(got[1], backward, atol=TOL, rtol=0)


def test_functional_chain_imports(keras, randomize, tmp_path):
    L = keras.layers
    inputs = keras.Input((9,), dtype="int32")
    x = L.Embedding(12, 6, mask_zero=True)(inputs)
    x = L.Bidirectional(L.GRU(4))(x)
    model = keras.Model(inputs, L.Dense(2, activation="softmax")(x))
    randomize(model)
    ids = np.random.default_rng(0).integers(0, 12, (5, 9)).astype("int32")
    ids[:, -1] = 1
    model.save(tmp_path / "f.keras")
    np.testing.assert_allclose(load_model(tmp_path / "f.keras").predict(ids), model.predict(ids, verbose=0), atol=TOL, rtol=0)


def test_functional_branches_are_refused(keras, tmp_path):
    L = keras.layers
    inputs = keras.Input((5, 3))
    model = keras.Model(inputs, L.Add()([L.Dense(2)(inputs), L.Dense(2)(inputs)]))
    model.save(tmp_path / "branches.keras")
    with pytest.raises(UserError, match="one chain of layers") as err:
        load_model(tmp_path / "branches.keras")
    assert "\n" not in str(err.value)


def one_line_error(path) -> str:
    with pytest.raises(UserError) as err:
        load_model(path)
    assert "\n" not in str(err.value)
    return str(err.value)


def test_a_layer_rnnkit_lacks_names_itself(keras, tmp_path):
    L = keras.layers
    model = keras.Sequential([keras.Input((5, 3)), L.LSTM(4, return_sequences=True), L.LayerNormalization(), L.Dense(1)])
    model.save(tmp_path / "m.keras")
    message = one_line_error(tmp_path / "m.keras")
    assert re.search(r"'layer_normalization(_\d+)?' \(LayerNormalization\)", message) and "cannot import" in message


@pytest.mark.parametrize("layer, option", [
    (lambda L: L.LSTM(4, activation="relu"), "activation='relu'"),
    (lambda L: L.GRU(4, recurrent_activation="hard_sigmoid"), "recurrent_activation='hard_sigmoid'"),
    (lambda L: L.SimpleRNN(4, use_bias=False), "use_bias=False"),
    (lambda L: L.Conv1D(4, 2, dilation_rate=2), "dilation_rate=2"),
    (lambda L: L.Conv1D(4, 2, padding="causal"), "padding='causal'"),
])
def test_an_option_rnnkit_lacks_names_the_layer_and_option(layer, option, keras, tmp_path):
    model = keras.Sequential([keras.Input((6, 3)), layer(keras.layers), keras.layers.Flatten()])
    model.save(tmp_path / "m.keras")
    message = one_line_error(tmp_path / "m.keras")
    assert option in message and "Keras layer" in message


def test_an_unknown_option_is_refused_not_ignored():
    from rnnkit.keras.config import layer_from_keras

    spec = {"class_name": "Bidirectional", "config": {"name": "bi", "layer": {
        "class_name": "LSTM", "config": {"name": "lstm", "units": 3, "attention_window": 4}}}}
    with pytest.raises(UserError, match=r"'lstm' \(LSTM\): option attention_window=4 is not one"):
        layer_from_keras(spec)
    spec["config"]["layer"]["config"]["attention_window"] = None  # an option left off is no obstacle
    assert layer_from_keras(spec).layer.units == 3
    half = {"class_name": "Dense", "config": {"name": "d", "units": 2, "dtype": {"class_name": "DTypePolicy",
                                                                                 "config": {"name": "mixed_float16"}}}}
    with pytest.raises(UserError, match="dtype policy 'mixed_float16'"):
        layer_from_keras(half)


def test_a_mask_used_then_dropped_by_keras_is_refused(keras, tmp_path):
    L = keras.layers
    model = keras.Sequential([keras.Input((9,), dtype="int32"), L.Embedding(12, 4, mask_zero=True),
                              L.LSTM(4, return_sequences=True), L.Conv1D(3, 2), L.LSTM(2)])
    model.save(tmp_path / "m.keras")
    message = one_line_error(tmp_path / "m.keras")
    assert re.search(r"'conv1d(_\d+)?' \(Conv1D\)", message) and "skipping the padding" in message


def test_regularizers_are_left_behind_with_a_warning(keras, randomize, tmp_path):
    L = keras.layers
    model = build(keras, [L.LSTM(4, kernel_regularizer="l2"), L.Dense(1)], dict(shape=(5, 3), dtype="float32"), randomize)
    model.save(tmp_path / "m.keras")
    with pytest.warns(UserWarning, match="kernel_regularizer"):
        imported = load_model(tmp_path / "m.keras")
    x = float_inputs(3, 5, 3)
    np.testing.assert_allclose(imported.predict(x), model.predict(x, verbose=0), atol=TOL, rtol=0)


def test_files_that_are_not_keras_models(tmp_path):
    (tmp_path / "notes.keras").write_text("not a zip")
    assert "not a readable .keras file" in one_line_error(tmp_path / "notes.keras")
    (tmp_path / "notes.h5").write_text("not HDF5")
    assert "neither a .keras zip nor an HDF5" in one_line_error(tmp_path / "notes.h5")
    assert "file not found" in one_line_error(tmp_path / "missing.keras")


def test_article_003_convnet_lstm_trained_in_keras_imports(keras, tmp_path):
    """Article 003's Embedding -> Conv1D -> MaxPooling1D -> LSTM -> Dense(sigmoid), compiled as the article
    does and trained one epoch in Keras on a small slice, imports with the same predictions and compile."""
    L = keras.layers
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.integers(1, 200, (256, 40)).astype("int32")
    y = (x[:, -1] % 2).astype("float32")
    model = keras.Sequential()  # as the article writes it: no Input, built by fit
    for layer in (L.Embedding(200, 16), L.Conv1D(8, 5, activation="relu"), L.MaxPooling1D(3), L.LSTM(8),
                  L.Dense(1, activation="sigmoid")):
        model.add(layer)
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["acc"])
    model.fit(x[:192], y[:192], epochs=1, batch_size=32, verbose=0)
    model.save(tmp_path / "article003.keras")
    imported = load_model(tmp_path / "article003.keras")
    expected = model.predict(x[192:], verbose=0)
    np.testing.assert_allclose(imported.predict(x[192:]), expected, atol=TOL, rtol=0)
    keras_loss, keras_acc = model.evaluate(x[192:], y[192:], verbose=0)
    loss, acc = imported.evaluate(x[192:], y[192:], verbose=0)  # compiled as saved: rmsprop, BCE, acc
    assert loss == pytest.approx(keras_loss, rel=1e-4) and acc == pytest.approx(keras_acc)
    history = imported.fit(x[:192], y[:192], epochs=1, batch_size=32, verbose=0)  # and it trains on in rnnkit
    assert np.isfinite(history.history["loss"][0])
    assert not np.allclose(imported.predict(x[192:]), expected)


def test_a_row_that_is_all_padding(keras, randomize, tmp_path):
    """Keras gives a row with no real step its initial state; so does rnnkit (the mask path takes it)."""
    L = keras.layers
    model = build(keras, [L.Embedding(6, 3, mask_zero=True), L.LSTM(2), L.Dense(1)], dict(shape=(5,), dtype="int32"),
                  randomize)
    model.save(tmp_path / "m.keras")
    x = np.array([[1, 2, 3, 0, 0], [0, 0, 0, 0, 0], [4, 1, 0, 0, 0]], "int32")
    np.testing.assert_allclose(load_model(tmp_path / "m.keras").predict(x), model.predict(x, verbose=0), atol=TOL, rtol=0)
