"""Keras' files read and written with h5py, json and zipfile (Keras itself is never imported).

    model.keras        a zip: config.json (the architecture), model.weights.h5, metadata.json  (Keras 3)
    model.h5           legacy HDF5: attribute model_config (JSON), group model_weights/<layer>/...  (Keras 2, 3)
    x.weights.h5       weights only, laid out as model.weights.h5 (Keras 3's save_weights)

Keras 3 stores a Sequential's weights under `layers/<key>/vars/<i>`, where the key is the layer's class
name in snake case, numbered from the second of a class on (`dense`, `dense_1`, ...: Keras' saving_lib
names them so, not by layer name); a recurrent layer's weights sit in `cell/vars`, a Bidirectional's in
`forward_layer/...` and `backward_layer/...`, a TimeDistributed's in `layer/vars`. Legacy files list each
layer's weights in its `weight_names` attribute, in `layer.weights` order.
"""
from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from rnnkit.errors import UserError

CHILDREN = ("forward_layer", "backward_layer", "cell", "layer")
"""Sub-objects holding weights, in Keras' `layer.weights` order."""
WEIGHTED = {"Embedding", "Dense", "Conv1D", "SimpleRNN", "LSTM", "GRU", "Bidirectional", "TimeDistributed"}
"""Layer classes with weights (of those rnnkit imports; a TimeDistributed wraps a Dense)."""
KERAS_FORMAT_VERSION = "3.0.0"
"""The Keras release whose `.keras` format `save` writes (metadata.json's keras_version)."""


@dataclass
class KerasModel:
    """What a Keras file holds: the model's class, its layers' specs (input layers apart), the input's
    shape and dtype, the weights of each layer (in `layer.weights` order; None when the file has none) and
    the compile settings, if any."""

    class_name: str
    name: str
    layers: list[dict[str, Any]]
    input_shape: tuple | None = None
    input_dtype: str | None = None
    weights: list[list[np.ndarray]] | None = None
    compile_config: dict[str, Any] | None = None


def snake_case(name: str) -> str:
    """Keras' `naming.to_snake_case`: MaxPooling1D -> max_pooling1d, SimpleRNN -> simple_rnn."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def weight_keys(class_names: list[str]) -> list[str]:
    """The `layers/<key>` of each layer in a Keras 3 weights file (saving_lib's unique names)."""
    used: dict[str, int] = {}
    keys = []
    for class_name in class_names:
        base = snake_case(class_name)
        if base in used:
            used[base] += 1
            keys.append(f"{base}_{used[base]}")
        else:
            used[base] = 0
            keys.append(base)
    return keys


# ---- reading -------------------------------------------------------------------------------------

def _model_from_config(config: dict[str, Any], where: str) -> KerasModel:
    if not isinstance(config, dict) or "config" not in config:
        raise UserError(f"{where}: not a Keras model config (expected {{'class_name': ..., 'config': ...}})")
    class_name, body = config.get("class_name"), config["config"]
    specs = body.get("layers") if isinstance(body, dict) else body  # Keras 2.0 wrote the layer list itself
    if not isinstance(specs, list):
        raise UserError(f"{where}: a {class_name} model without a layer list; rnnkit imports Sequential models "
                        f"and Functional chains of layers")
    if class_name in ("Functional", "Model"):
        specs = _chain(specs, body, where)
    elif class_name != "Sequential":
        raise UserError(f"{where}: a {class_name} model; rnnkit imports Sequential models and Functional chains")
    shape = dtype = None
    inputs = [s for s in specs if s.get("class_name") == "InputLayer"]
    layers = [s for s in specs if s.get("class_name") != "InputLayer"]
    for spec in inputs + layers[:1]:
        c = spec.get("config", {})
        batch_shape = c.get("batch_shape") or c.get("batch_input_shape")
        if batch_shape is not None and shape is None:
            shape, dtype = tuple(batch_shape[1:]), c.get("dtype") if isinstance(c.get("dtype"), str) else None
    if shape is None:
        built = (config.get("build_config") or {}).get("input_shape") or body.get("build_input_shape")
        shape = tuple(built[1:]) if built else None
    return KerasModel(class_name, body.get("name", "sequential"), layers, shape, dtype,
                      compile_config=config.get("compile_config"))


def _chain(specs: list[dict], body: dict, where: str) -> list[dict]:
    """A Functional model's layers when they form one chain (each reads the one before): else a UserError.
    The `NotEqual(ids, 0)` op Keras records for an Embedding's mask_zero mask is left out: the chain passes
    that mask on as a Sequential does."""
    previous, chain = None, []
    for spec in specs:
        nodes = spec.get("inbound_nodes") or []
        sources = [source for node in nodes for source in _sources(node)]
        if spec.get("class_name") == "NotEqual" and str(spec.get("module", "")).startswith("keras.src.ops"):
            continue
        if spec.get("class_name") != "InputLayer" and sources != [previous]:
            raise UserError(f"{where}: layer {spec.get('name') or spec['config'].get('name')!r} does not simply read "
                            f"the layer before it; rnnkit imports Functional models that are one chain of layers")
        previous = spec.get("name") or spec["config"].get("name")
        chain.append(spec)
    return chain


def _sources(node: Any) -> list[str]:
    """The layers an inbound node reads: Keras 3 writes {"args": [tensors], "kwargs": {...}} (a mask among the
    kwargs is not a source), Keras 2 a list of [layer name, node index, tensor index, kwargs]."""
    if isinstance(node, dict):
        return [t["config"]["keras_history"][0] for t in _tensors(node.get("args", []))]
    return [entry[0] for entry in node if isinstance(entry, list) and entry and isinstance(entry[0], str)]


def _tensors(node: Any) -> list[dict]:
    """The Keras 3 tensors (dicts with class_name __keras_tensor__) inside an inbound node."""
    if isinstance(node, dict):
        if node.get("class_name") == "__keras_tensor__":
            return [node]
        return [t for value in node.values() for t in _tensors(value)]
    if isinstance(node, list):
        return [t for value in node for t in _tensors(value)]
    return []


def _vars(group: h5py.Group) -> list[np.ndarray]:
    out = []
    if "vars" in group:
        variables = group["vars"]
        out += [np.asarray(variables[str(i)]) for i in range(len(variables))]
    for child in CHILDREN:
        if child in group:
            out += _vars(group[child])
    return out


def read_weights_h5(h5: h5py.File, model: KerasModel, where: str) -> list[list[np.ndarray]]:
    """Each layer's weights from a Keras 3 weights file (model.weights.h5 or a .weights.h5)."""
    root = h5["layers"] if "layers" in h5 else h5.get("_layer_checkpoint_dependencies")
    if root is None:
        raise UserError(f"{where}: no 'layers' group: not a Keras 3 weights file")
    names = [s["class_name"] for s in model.layers]
    offset = 0
    if model.class_name in ("Functional", "Model"):  # a Functional model's layers include its InputLayer
        names, offset = ["InputLayer"] + names, 1
    keys = weight_keys(names)[offset:]
    return [_vars(root[key]) if key in root else [] for key in keys]


def _read_legacy_h5(path: Path) -> KerasModel:
    with h5py.File(path, "r") as h5:
        raw = h5.attrs.get("model_config")
        if raw is None:
            raise UserError(f"{path}: has no model_config: a weights-only file (load it with model.load_weights)")
        model = _model_from_config(json.loads(raw.decode() if isinstance(raw, bytes) else raw), str(path))
        group = h5.get("model_weights", h5)
        model.weights = _legacy_weights(group, model, str(path))
    return model


def _legacy_weights(group: h5py.Group, model: KerasModel, where: str) -> list[list[np.ndarray]]:
    """Each layer's weights from a legacy file's group of layer groups (each layer's in the order of its
    `weight_names` attribute, `layer.weights` order). Layers are found by name when the file has every one of
    `model`'s names; otherwise, as Keras' legacy `load_weights` does, the file's layers that hold weights go
    in order to `model`'s layers of classes that hold weights."""
    def arrays(layer: h5py.Group) -> list[np.ndarray]:
        names = [n.decode() if isinstance(n, bytes) else str(n) for n in layer.attrs.get("weight_names", [])]
        return [np.asarray(layer[n]) for n in names]

    names = [spec["config"].get("name") for spec in model.layers]
    if all(name in group for name in names):
        return [arrays(group[name]) for name in names]
    stored = [n.decode() if isinstance(n, bytes) else str(n) for n in group.attrs.get("layer_names", [])]
    filled = [a for a in (arrays(group[n]) for n in stored if n in group) if a]
    weighted = [k for k, spec in enumerate(model.layers) if spec["class_name"] in WEIGHTED]
    if len(filled) != len(weighted):
        raise UserError(f"{where}: weights for {len(filled)} layers, the model has {len(weighted)} layers with weights")
    weights: list[list[np.ndarray]] = [[] for _ in model.layers]
    for k, layer_arrays in zip(weighted, filled):
        weights[k] = layer_arrays
    return weights


def read_model_file(path: str | Path) -> KerasModel:
    """A `.keras` (Keras 3) or legacy `.h5` model file: architecture and weights."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: file not found")
    if path.suffix == ".keras" or zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as zf:
                config = json.loads(zf.read("config.json"))
                weights = zf.read("model.weights.h5") if "model.weights.h5" in zf.namelist() else None
        except (zipfile.BadZipFile, KeyError, ValueError) as err:
            raise UserError(f"{path}: not a readable .keras file ({' '.join(str(err).split())})") from None
        model = _model_from_config(config, str(path))
        if weights is not None:
            with h5py.File(io.BytesIO(weights), "r") as h5:
                model.weights = read_weights_h5(h5, model, str(path))
        return model
    if h5py.is_hdf5(path):
        return _read_legacy_h5(path)
    raise UserError(f"{path}: neither a .keras zip nor an HDF5 (.h5) Keras file")


def read_weights_file(path: str | Path, model: KerasModel) -> list[list[np.ndarray]]:
    """Each layer's weights from a `.weights.h5`, a `.keras` or a legacy `.h5`, for `model`'s layers."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: file not found")
    if zipfile.is_zipfile(path):
        return read_model_file(path).weights or []
    if not h5py.is_hdf5(path):
        raise UserError(f"{path}: not an HDF5 weights file")
    with h5py.File(path, "r") as h5:
        if "layers" in h5:
            return read_weights_h5(h5, model, str(path))
        return _legacy_weights(h5.get("model_weights", h5), model, str(path))


# ---- writing -------------------------------------------------------------------------------------

def write_weights_h5(target: Any, model: KerasModel, trees: list[dict[str, Any]]) -> None:
    """Write Keras 3's weights layout to `target` (a path or a file object). `trees`: per layer
    {"name": ..., "vars": [arrays], <child>: tree}, as `saving` builds them."""
    def put(group: h5py.Group, tree: dict[str, Any]) -> None:
        variables = group.create_group("vars")
        variables.attrs["name"] = tree["name"]
        for i, array in enumerate(tree.get("vars", [])):
            variables.create_dataset(str(i), data=array)
        for child in CHILDREN:
            if child in tree:
                put(group.create_group(child), tree[child])

    with h5py.File(target, "w") as h5:
        layers = h5.create_group("layers")
        for key, tree in zip(weight_keys([s["class_name"] for s in model.layers]), trees):
            put(layers.create_group(key), tree)
        h5.create_group("vars").attrs["name"] = model.name


def write_model_file(path: str | Path, config: dict[str, Any], model: KerasModel, trees: list[dict[str, Any]]) -> Path:
    """A `.keras` zip with config.json, metadata.json and model.weights.h5, written atomically."""
    from rnnkit.atomic import atomic_write

    buffer = io.BytesIO()
    write_weights_h5(buffer, model, trees)
    metadata = {"keras_version": KERAS_FORMAT_VERSION, "date_saved": datetime.now(timezone.utc).strftime("%Y-%m-%d@%H:%M:%S")}

    def write(tmp: str) -> None:
        with zipfile.ZipFile(tmp, "w") as zf:
            zf.writestr("metadata.json", json.dumps(metadata))
            zf.writestr("config.json", json.dumps(config))
            zf.writestr("model.weights.h5", buffer.getvalue())

    return atomic_write(path, write)
