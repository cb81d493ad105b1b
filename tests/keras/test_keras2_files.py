"""Legacy HDF5 files as Keras 2 (tf.keras 2.x, the articles' era) wrote them: no InputLayer in a Sequential
(the first layer's batch_input_shape instead), no Bidirectional backward_layer, weights named
"lstm_1/lstm_cell/kernel:0", Functional models' inbound nodes as nested lists. TensorFlow is not installed,
so the file is written here with h5py, as tf.keras 2's `save_model` lays it out (Keras 3's own legacy loader
stumbles on such files: Embedding's batch_input_shape, TimeDistributed's inner Dense); the expected outputs
come from the same architecture built in Keras 3 with the same weights (`set_weights`)."""
import json

import h5py
import numpy as np
import pytest

from rnnkit.keras.models import load_model


def keras2_layer(class_name, name, **config):
    return {"class_name": class_name, "config": {"name": name, "trainable": True, "dtype": "float32", **config}}


def rnn_config(units, **extra):
    """What Keras 2 wrote for SimpleRNN; LSTM and GRU add recurrent_activation and implementation."""
    return {**dict(units=units, activation="tanh", use_bias=True, return_sequences=False, return_state=False,
                   go_backwards=False, stateful=False, unroll=False, dropout=0.0, recurrent_dropout=0.0), **extra}


def gated_config(units, **extra):
    return rnn_config(units, recurrent_activation="sigmoid", implementation=2, **extra)


def write_keras2_h5(path, model_config, weights):
    """`weights`: [(layer name, [(weight name, array)])] in layer order, as Keras 2's save_model wrote them."""
    with h5py.File(path, "w") as h5:
        h5.attrs["keras_version"] = b"2.4.0"
        h5.attrs["backend"] = b"tensorflow"
        h5.attrs["model_config"] = json.dumps(model_config).encode()
        group = h5.create_group("model_weights")
        group.attrs["layer_names"] = np.array([n.encode() for n, _ in weights])
        group.attrs["backend"], group.attrs["keras_version"] = b"tensorflow", b"2.4.0"
        for layer_name, named in weights:
            layer = group.create_group(layer_name)
            layer.attrs["weight_names"] = np.array([w.encode() for w, _ in named])
            for weight_name, array in named:
                layer.create_dataset(weight_name, data=array)


def random_arrays(shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(0, 0.4, s).astype("float32") for s in shapes]


@pytest.fixture
def sequential_file(tmp_path, keras):
    emb, = random_arrays([(12, 6)], 1)
    lstm = random_arrays([(6, 20), (5, 20), (20,)], 2)
    gru = random_arrays([(5, 9), (3, 9), (9,), (5, 9), (3, 9), (9,)], 3)
    dense = random_arrays([(6, 1), (1,)], 4)
    layers = [
        keras2_layer("Embedding", "embedding_1", batch_input_shape=[None, 9], input_dim=12, output_dim=6, mask_zero=True,
                     input_length=9, embeddings_initializer={"class_name": "RandomUniform", "config": {}}),
        keras2_layer("LSTM", "lstm_1", **gated_config(5, return_sequences=True, unit_forget_bias=True)),
        keras2_layer("Bidirectional", "bidirectional_1", merge_mode="concat",
                     layer=keras2_layer("GRU", "gru_1", **gated_config(3, reset_after=False))),
        keras2_layer("Dense", "dense_1", units=1, activation="sigmoid", use_bias=True),
    ]
    weights = [("embedding_1", [("embedding_1/embeddings:0", emb)]),
               ("lstm_1", [(f"lstm_1/lstm_cell/{n}:0", a) for n, a in zip(("kernel", "recurrent_kernel", "bias"), lstm)]),
               ("bidirectional_1", [(f"bidirectional_1/{d}_gru_1/gru_cell_{k}/{n}:0", a) for (d, k), n, a in
                                    zip([("forward", 1)] * 3 + [("backward", 2)] * 3,
                                        ("kernel", "recurrent_kernel", "bias") * 2, gru)]),
               ("dense_1", [("dense_1/kernel:0", dense[0]), ("dense_1/bias:0", dense[1])])]
    path = tmp_path / "keras2.h5"
    write_keras2_h5(path, {"class_name": "Sequential", "config": {"name": "sequential_1", "layers": layers}}, weights)
    L = keras.layers
    twin = keras.Sequential([keras.Input((9,), dtype="int32"), L.Embedding(12, 6, mask_zero=True),
                             L.LSTM(5, return_sequences=True), L.Bidirectional(L.GRU(3, reset_after=False)),
                             L.Dense(1, activation="sigmoid")])
    twin.set_weights([emb, *lstm, *gru, *dense])
    return path, twin


def test_keras2_sequential_h5_imports(sequential_file, padded_ids):
    path, twin = sequential_file
    x = padded_ids(6, 9, 12, seed=4)
    expected = twin.predict(x, verbose=0)
    assert expected.std() > 1e-3
    assert expected.std() > 1e-3
    np.testing.assert_allclose(load_model(path).predict(x), expected, atol=1e-5, rtol=0)


def test_keras2_functional_chain_imports(keras, tmp_path):
    dense = random_arrays([(4, 3), (3,)], 5)
    simple = random_arrays([(3, 4), (4, 4), (4,)], 6)
    layers = [
        {**keras2_layer("InputLayer", "input_1", batch_input_shape=[None, 5, 3], sparse=False), "name": "input_1",
         "inbound_nodes": []},
        {**keras2_layer("SimpleRNN", "simple_rnn_1", **rnn_config(4, return_sequences=True)), "name": "simple_rnn_1",
         "inbound_nodes": [[["input_1", 0, 0, {}]]]},
        {**keras2_layer("TimeDistributed", "time_distributed_1", layer=keras2_layer("Dense", "dense_1", units=3,
                                                                                       activation="softmax")),
         "name": "time_distributed_1", "inbound_nodes": [[["simple_rnn_1", 0, 0, {}]]]},
    ]
    config = {"class_name": "Functional", "config": {"name": "model_1", "layers": layers,
                                                     "input_layers": [["input_1", 0, 0]],
                                                     "output_layers": [["time_distributed_1", 0, 0]]}}
    weights = [("input_1", []),
               ("simple_rnn_1", [(f"simple_rnn_1/simple_rnn_cell/{n}:0", a)
                                 for n, a in zip(("kernel", "recurrent_kernel", "bias"), simple)]),
               ("time_distributed_1", [("time_distributed_1/kernel:0", dense[0]), ("time_distributed_1/bias:0", dense[1])])]
    path = tmp_path / "functional.h5"
    write_keras2_h5(path, config, weights)
    x = np.random.default_rng(0).normal(size=(4, 5, 3)).astype("float32")
    twin = keras.Sequential([keras.Input((5, 3)), keras.layers.SimpleRNN(4, return_sequences=True),
                             keras.layers.TimeDistributed(keras.layers.Dense(3, activation="softmax"))])
    twin.set_weights([*simple, *dense])
    np.testing.assert_allclose(load_model(path).predict(x), twin.predict(x, verbose=0), atol=1e-5, rtol=0)
