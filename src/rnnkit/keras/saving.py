"""Keras' `load_model`, `model.save`, `save_weights` and `load_weights`, for rnnkit's Keras-style models.

    from rnnkit.keras.models import load_model
    model = load_model("model.keras")          # or a legacy "model.h5": same layers, same weights
    model.predict(x)                           # what Keras' model.predict(x) gives (float32)
    model.save("copy.keras")                   # keras.saving.load_model("copy.keras") opens it
    model.save_weights("w.weights.h5"); model.load_weights("w.weights.h5")

The architecture goes through `rnnkit.keras.config`, the weights through `rnnkit.keras.weights`, the
files through `rnnkit.keras.files`; Keras itself is not needed. A Keras layer or option rnnkit cannot
run exactly stops the import with one line naming the layer.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from rnnkit.errors import UserError
from rnnkit.keras.config import layer_from_keras, layer_to_keras, mask_conflicts
from rnnkit.keras.files import KerasModel, read_model_file, read_weights_file, snake_case, write_model_file, \
    write_weights_h5
from rnnkit.keras.weights import keras_weights, set_keras_weights
from rnnkit.layers import Bidirectional, Embedding, Layer, RNNLayer, TimeDistributed
from rnnkit.training.losses import LOSSES
from rnnkit.training.optim import OPTIMIZERS


def model_from_keras(keras_model: KerasModel, where: str):
    """An rnnkit Keras-style `Sequential` with the architecture (and weights, if any) of `keras_model`."""
    from rnnkit.keras.models import Sequential

    layers = [layer_from_keras(spec) for spec in keras_model.layers]
    if not layers:
        raise UserError(f"{where}: the model has no layers")
    switch_off, conflict = mask_conflicts(layers, importing=True)
    if conflict:
        raise UserError(f"{where}: {conflict}; rnnkit cannot give Keras' outputs for padded inputs")
    for k in switch_off:
        layers[k].mask_zero = False  # Keras drops this mask before any layer uses it (see mask_conflicts)
    if keras_model.input_shape is None:
        raise UserError(f"{where}: the model has no input shape (a Keras model saved before it was built)")
    layers[0].input_shape = tuple(keras_model.input_shape)
    if isinstance(layers[0], Embedding):
        layers[0].input_length = keras_model.input_shape[0]  # kept in its config: a run folder rebuilds the shapes
    model = Sequential(name=keras_model.name)
    for layer in layers:
        try:
            model.add(layer)
        except ValueError as err:
            raise UserError(f"{where}: layer {layer.name!r} ({type(layer).__name__}): "
                            f"{' '.join(str(err).split())}") from None
    if keras_model.weights is not None:
        _set_weights(model, keras_model.weights, where)
    _compile_as_saved(model, keras_model.compile_config)
    return model.eval()


def _set_weights(model, weights: list, where: str) -> None:
    if len(weights) != len(model.layers):
        raise UserError(f"{where}: weights for {len(weights)} layers, the model has {len(model.layers)}")
    for layer, arrays in zip(model.layers, weights):
        set_keras_weights(layer, arrays, f"{where}: layer {layer.name!r} ({type(layer).__name__})")


def _compile_as_saved(model, compile_config: dict[str, Any] | None) -> None:
    """Keras' load_model returns the model compiled as it was saved: the same here when rnnkit knows the
    optimizer and the loss by name (else the model is left for the user to compile)."""
    if not compile_config:
        return
    optimizer = compile_config.get("optimizer") or "rmsprop"
    lr = None
    if isinstance(optimizer, dict):
        lr = (optimizer.get("config") or {}).get("learning_rate")
        optimizer = str(optimizer.get("class_name", "")).lower()
    loss, metrics = compile_config.get("loss"), compile_config.get("metrics") or []
    if optimizer in OPTIMIZERS and loss in LOSSES and all(isinstance(m, str) for m in metrics):
        model.compile(optimizer=optimizer, loss=loss, metrics=metrics, lr=lr if isinstance(lr, float) else None)


def load_model(path: str | Path):
    """Keras' `keras.saving.load_model` for a `.keras` or legacy `.h5` file, as an rnnkit Keras-style Sequential."""
    return model_from_keras(read_model_file(path), str(path))


# ---- rnnkit -> Keras ---------------------------------------------------------------------------------

def keras_model(model) -> KerasModel:
    """The Keras description of an rnnkit Sequential: its layers' specs and input; a UserError when Keras
    cannot hold it (a layer or option it lacks, or padding it would treat otherwise)."""
    layers = list(model.layers)
    if not layers:
        raise UserError("the model has no layers to save")
    for layer in layers[:-1]:
        if isinstance(layer, Bidirectional) and layer.merge_mode is None:
            raise UserError(f"layer {layer.name!r} (Bidirectional) has merge_mode=None, two outputs, which only the "
                            f"last layer of a Keras Sequential may have")
    _, conflict = mask_conflicts(layers, importing=False)
    if conflict:
        raise UserError(f"cannot save the model in Keras' format: {conflict}")
    shape = layers[0].input_shape
    if shape is None or any(s is None for s in model.output_shapes):
        raise UserError("the model is not built: give its first layer input_shape=(steps, features) (or run it "
                        "once) before saving it in Keras' format")
    dtype = "int32" if isinstance(layers[0], Embedding) else "float32"
    return KerasModel("Sequential", model.name, [layer_to_keras(layer) for layer in layers], tuple(shape), dtype)


def keras_config(described: KerasModel) -> dict[str, Any]:
    """config.json of a `.keras` file: a Sequential whose InputLayer fixes the input shape and dtype."""
    batch_shape = [None, *described.input_shape]
    inputs = {"module": "keras.layers", "class_name": "InputLayer", "registered_name": None,
              "config": {"batch_shape": batch_shape, "dtype": described.input_dtype, "name": "input_layer"}}
    return {"module": "keras", "class_name": "Sequential", "registered_name": None,
            "config": {"name": described.name, "trainable": True, "layers": [inputs, *described.layers]},
            "build_config": {"input_shape": batch_shape}, "compile_config": None}


def weight_tree(layer: Layer, name: str | None = None) -> dict[str, Any]:
    """One layer's weights as Keras 3 files nest them (see `rnnkit.keras.files`)."""
    name = name or layer.name or snake_case(type(layer).__name__)  # a wrapped layer has no name of its own
    if isinstance(layer, TimeDistributed):
        return {"name": name, "vars": [], "layer": weight_tree(layer.layer)}
    if isinstance(layer, (RNNLayer, Bidirectional)):
        rnn = layer.layer if isinstance(layer, Bidirectional) else layer
        arrays = keras_weights(rnn)
        kind = snake_case(type(rnn).__name__)
        cell = f"{kind}_cell"
        if isinstance(layer, RNNLayer):
            return {"name": name, "vars": [], "cell": {"name": cell, "vars": arrays}}
        return {"name": name, "vars": [],
                "forward_layer": {"name": f"forward_{kind}", "vars": [], "cell": {"name": cell, "vars": arrays[:3]}},
                "backward_layer": {"name": f"backward_{kind}", "vars": [], "cell": {"name": cell, "vars": arrays[3:]}}}
    return {"name": name, "vars": keras_weights(layer)}


def save_model(model, path: str | Path) -> Path:
    """Write `model` as a Keras 3 `.keras` file that `keras.saving.load_model` opens."""
    path = Path(path)
    if path.suffix != ".keras":
        raise UserError(f"{path}: Keras' format needs a file name ending in .keras (weights alone: "
                        f"save_weights('x.weights.h5'))")
    described = keras_model(model)
    return write_model_file(path, keras_config(described), described, [weight_tree(l) for l in model.layers])


def save_weights(model, path: str | Path) -> Path:
    """Keras' `model.save_weights("x.weights.h5")`: the weights alone, in Keras 3's layout."""
    from rnnkit.atomic import atomic_write

    path = Path(path)
    if not path.name.endswith(".weights.h5"):
        raise UserError(f"{path}: Keras' weights files end in .weights.h5")
    described = keras_model(model)
    trees = [weight_tree(layer) for layer in model.layers]
    return atomic_write(path, lambda tmp: write_weights_h5(tmp, described, trees))


def load_weights(model, path: str | Path) -> None:
    """Keras' `model.load_weights(...)`: from a `.weights.h5`, a `.keras` or a legacy `.h5` file, into a model
    with the same layers."""
    described = KerasModel("Sequential", model.name, [layer_to_keras(layer) for layer in model.layers])
    _set_weights(model, read_weights_file(path, described), str(path))
