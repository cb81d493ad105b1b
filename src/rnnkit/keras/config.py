"""Keras layer configs <-> rnnkit's Keras-style layers: the architecture half of `load_model` / `save`.

A Keras layer spec is `{"class_name": "LSTM", "config": {"units": 32, ...}}`, as a `.keras` file's
config.json (Keras 3) or a legacy `.h5` file's `model_config` attribute (Keras 2 and 3) holds it.
`layer_from_keras` builds the rnnkit layer with the same forward pass; `layer_to_keras` writes the
spec Keras 3's `keras.saving.load_model` rebuilds. What one side has and the other lacks (an LSTM with
activation="relu", rnnkit's peephole LSTM) stops with one line naming the layer and the option;
options that only change training (initializers, regularizers, constraints) are left behind with a
warning, since the loaded weights and the forward pass are exact without them.

Masks differ in one place: Keras drops the padding mask of `Embedding(mask_zero=True)` at Conv1D,
MaxPooling1D and GlobalMaxPooling1D (they do not support masking), where rnnkit carries the padding
lengths on (shrunk) or pools real steps only. `mask_conflicts` walks a model and says where that
changes the outputs (and which mask an import can switch off so that it does not).
"""
from __future__ import annotations

import warnings
from typing import Any, Callable

from rnnkit.errors import UserError
from rnnkit.keras.files import snake_case
from rnnkit.layers import (GRU, LSTM, Activation, Bidirectional, Conv1D, Dense, Dropout, Embedding, Flatten,
                           GlobalAveragePooling1D, GlobalMaxPooling1D, Layer, MaxPooling1D, RNNLayer, SimpleRNN,
                           TimeDistributed)
from rnnkit.layers.base import ACTIVATIONS

Spec = dict[str, Any]
KNOWN = {
    # what the builders below read (and check)
    "units", "activation", "recurrent_activation", "use_bias", "unit_forget_bias", "reset_after", "return_sequences",
    "return_state", "go_backwards", "stateful", "time_major", "dropout", "recurrent_dropout", "input_dim", "output_dim",
    "mask_zero", "rate", "filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "groups",
    "pool_size", "keepdims", "merge_mode", "layer", "backward_layer", "lora_rank",
    # what does not change the forward pass of the weights loaded: names, shapes (read from the model's input),
    # dtype policies (float32 only), seeds, Keras' kernel choice, and what changes training only (warned about)
    "name", "trainable", "dtype", "batch_input_shape", "batch_shape", "input_shape", "batch_size", "input_length",
    "seed", "implementation", "unroll", "zero_output_for_mask", "quantization_config", "noise_shape", "lora_alpha",
    "activity_regularizer", "sparse", "ragged", "optional"}
"""Keras config keys the importer knows; any other key set to something besides None/False stops the import
(a new Keras option that could change the outputs is refused, never ignored). Keys ending in _initializer,
_regularizer or _constraint are known too."""
TRAINING_ONLY = ("_regularizer", "_constraint", "noise_shape")
"""Keys whose setting changes training only: left behind with a warning (rnnkit has no regularizers)."""


def _where(spec: Spec) -> str:
    return f"Keras layer {spec.get('config', {}).get('name', '?')!r} ({spec.get('class_name')})"


def _only(spec: Spec, key: str, allowed: tuple, default: Any = None) -> Any:
    """The option's value, or a one-line UserError when rnnkit's layer cannot do it."""
    value = spec["config"].get(key, default)
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if value not in allowed:
        raise UserError(f"{_where(spec)}: {key}={value!r} cannot be imported (rnnkit's {spec['class_name']} "
                        f"supports {', '.join(map(repr, allowed))})")
    return value


def _activation(spec: Spec, key: str = "activation", default: str = "linear") -> str | None:
    value = _only(spec, key, tuple(a for a in ACTIVATIONS if a), default)
    return None if value == "linear" else value


def _one(value: Any) -> Any:
    """Keras 3 writes kernel_size=[3], strides=[1]: the single number."""
    return value[0] if isinstance(value, (list, tuple)) else value


def _check_keys(spec: Spec) -> None:
    """Refuse unknown options that are set; warn about the training-only ones rnnkit leaves behind."""
    dtype = spec["config"].get("dtype")
    dtype = (dtype.get("config") or {}).get("name") if isinstance(dtype, dict) else dtype
    if dtype not in (None, "float32"):
        raise UserError(f"{_where(spec)}: dtype policy {dtype!r}; rnnkit imports float32 models")
    for key, value in spec["config"].items():
        if value is None or value is False:
            continue
        if key.endswith(TRAINING_ONLY):
            warnings.warn(f"{_where(spec)}: {key} is not imported (rnnkit has no such option); predictions are "
                          f"exact, training from here would differ", stacklevel=4)
        elif key not in KNOWN and not key.endswith("_initializer"):
            raise UserError(f"{_where(spec)}: option {key}={value!r} is not one rnnkit's importer knows; it cannot "
                            f"tell whether the outputs would be Keras'")


def _rnn_options(spec: Spec, backward: bool = False) -> dict[str, Any]:
    config = spec["config"]
    for key, ok in (("use_bias", (True,)), ("stateful", (False,)), ("return_state", (False,)),
                    ("go_backwards", (backward,)), ("time_major", (False,))):
        _only(spec, key, ok, key == "use_bias")
    options = dict(units=config["units"], return_sequences=bool(config.get("return_sequences", False)),
                   dropout=float(config.get("dropout", 0.0)), recurrent_dropout=float(config.get("recurrent_dropout", 0.0)))
    if spec["class_name"] == "SimpleRNN":
        options["activation"] = _only(spec, "activation", ("tanh", "relu"), "tanh")
    else:
        _only(spec, "activation", ("tanh",), "tanh")
        _only(spec, "recurrent_activation", ("sigmoid",), "sigmoid")
    if spec["class_name"] == "LSTM":
        options["unit_forget_bias"] = bool(config.get("unit_forget_bias", True))
    if spec["class_name"] == "GRU":
        options["reset_after"] = bool(config.get("reset_after", True))
    return options


_RNN = {"SimpleRNN": SimpleRNN, "LSTM": LSTM, "GRU": GRU}


def _bidirectional(spec: Spec) -> Layer:
    config = spec["config"]
    inner = config["layer"]
    for wrapped in filter(None, (inner, config.get("backward_layer"))):
        _check_keys(wrapped)
    if inner.get("class_name") not in _RNN:
        raise UserError(f"{_where(spec)}: wraps {inner.get('class_name')}; rnnkit's Bidirectional wraps SimpleRNN, LSTM or GRU")
    options = _rnn_options(inner)
    back = config.get("backward_layer")
    mirrored = back is None or (back.get("class_name") == inner["class_name"]
                                and _rnn_options(back, backward=True) == options)
    if not mirrored:
        raise UserError(f"{_where(spec)}: its backward layer differs from its forward one; rnnkit's "
                        f"Bidirectional runs the same layer both ways")
    merge = _only(spec, "merge_mode", ("concat", "sum", "mul", "ave", None), "concat")
    return Bidirectional(_RNN[inner["class_name"]](**options), merge_mode=merge)


def _conv1d(spec: Spec) -> Layer:
    c = spec["config"]
    for key, ok, default in (("data_format", ("channels_last",), "channels_last"), ("dilation_rate", (1,), 1),
                             ("groups", (1,), 1), ("use_bias", (True,), True)):
        _only(spec, key, ok, default)
    return Conv1D(c["filters"], _one(c["kernel_size"]), strides=_one(c.get("strides", 1)),
                  padding=_only(spec, "padding", ("valid", "same"), "valid"), activation=_activation(spec))


def _max_pooling(spec: Spec) -> Layer:
    c = spec["config"]
    _only(spec, "padding", ("valid",), "valid")
    _only(spec, "data_format", ("channels_last",), "channels_last")
    strides = c.get("strides")
    return MaxPooling1D(_one(c.get("pool_size", 2)), strides=None if strides is None else _one(strides))


def _global(cls) -> Callable[[Spec], Layer]:
    def build(spec: Spec) -> Layer:
        _only(spec, "data_format", ("channels_last",), "channels_last")
        _only(spec, "keepdims", (False,), False)
        return cls()
    return build


def _dense(spec: Spec) -> Layer:
    _only(spec, "use_bias", (True,), True)
    _only(spec, "lora_rank", (None,), None)
    return Dense(spec["config"]["units"], activation=_activation(spec))


def _time_distributed(spec: Spec) -> Layer:
    return TimeDistributed(layer_from_keras(spec["config"]["layer"]))


def _flatten(spec: Spec) -> Layer:
    _only(spec, "data_format", ("channels_last", None), None)
    return Flatten()


FROM_KERAS: dict[str, Callable[[Spec], Layer]] = {
    "Embedding": lambda s: Embedding(s["config"]["input_dim"], s["config"]["output_dim"],
                                     mask_zero=bool(s["config"].get("mask_zero", False))),
    "Dense": _dense,
    "Activation": lambda s: Activation(_activation(s) or "linear"),
    "Dropout": lambda s: Dropout(float(s["config"]["rate"])),
    "SimpleRNN": lambda s: SimpleRNN(**_rnn_options(s)),
    "LSTM": lambda s: LSTM(**_rnn_options(s)),
    "GRU": lambda s: GRU(**_rnn_options(s)),
    "Bidirectional": _bidirectional,
    "TimeDistributed": _time_distributed,
    "Conv1D": _conv1d,
    "MaxPooling1D": _max_pooling,
    "GlobalMaxPooling1D": _global(GlobalMaxPooling1D),
    "GlobalAveragePooling1D": _global(GlobalAveragePooling1D),
    "Flatten": _flatten,
}


def layer_from_keras(spec: Spec) -> Layer:
    """The rnnkit layer a Keras layer spec describes (unbuilt; `Sequential.add` builds it), named as in Keras."""
    builder = FROM_KERAS.get(spec.get("class_name"))
    if builder is None:
        raise UserError(f"{_where(spec)}: rnnkit cannot import this layer class; it imports {', '.join(FROM_KERAS)}")
    spec = {**spec, "config": dict(spec.get("config") or {})}
    _check_keys(spec)
    try:
        layer = builder(spec)
    except (ValueError, KeyError, TypeError) as err:
        raise UserError(f"{_where(spec)}: cannot import it ({' '.join(str(err).split())})") from None
    layer.name = spec["config"].get("name")
    return layer


# ---- rnnkit -> Keras ---------------------------------------------------------------------------------

def _refuse(layer: Layer, what: str) -> UserError:
    return UserError(f"layer {layer.name!r} ({type(layer).__name__}): {what}; Keras has no equivalent, so the model "
                     f"cannot be saved in Keras' format")


def _rnn_config(layer: RNNLayer) -> dict[str, Any]:
    options = dict(layer.cell_options)
    activation = options.pop("activation", "tanh")
    unit_forget_bias = options.pop("unit_forget_bias", True)
    reset_after = options.pop("reset_after", True)
    extra = {k: v for k, v in options.items() if v not in (False, 0, 0.0, None)}
    if extra:
        raise _refuse(layer, "option " + ", ".join(f"{k}={v!r}" for k, v in extra.items()))
    if layer.return_state:
        raise _refuse(layer, "return_state=True inside a Sequential")
    config = {"units": layer.units, "return_sequences": layer.return_sequences, "dropout": layer.dropout,
              "recurrent_dropout": layer.recurrent_dropout}
    if isinstance(layer, SimpleRNN):
        config["activation"] = activation
    if isinstance(layer, LSTM):
        config["unit_forget_bias"] = unit_forget_bias
    if isinstance(layer, GRU):
        config["reset_after"] = reset_after
    return config


def _spec(class_name: str, name: str | None, **config) -> Spec:
    return {"module": "keras.layers", "class_name": class_name, "config": {"name": name, **config},
            "registered_name": None}


def layer_to_keras(layer: Layer) -> Spec:
    """The Keras 3 spec of an rnnkit Keras-style layer."""
    name = layer.name
    if isinstance(layer, Embedding):
        return _spec("Embedding", name, input_dim=layer.input_dim, output_dim=layer.output_dim, mask_zero=layer.mask_zero)
    if isinstance(layer, Dense):
        return _spec("Dense", name, units=layer.units, activation=layer.activation or "linear")
    if isinstance(layer, Activation):
        return _spec("Activation", name, activation=layer.activation or "linear")
    if isinstance(layer, Dropout):
        return _spec("Dropout", name, rate=layer.rate)
    if isinstance(layer, Bidirectional):
        inner = layer.layer
        kind, options = type(inner).__name__, _rnn_config(inner)
        forward = _spec(kind, f"forward_{snake_case(kind)}", **options)
        # the backward layer written out, as Keras' own get_config writes it: left to Keras to derive, a model of two
        # Bidirectionals could load with the first's backward layer as the second's forward (its object sharing
        # keys layers by id(), which Python reuses once the first's temporary layer is freed)
        backward = _spec(kind, f"backward_{snake_case(kind)}", **options, go_backwards=True)
        return _spec("Bidirectional", name, layer=forward, backward_layer=backward, merge_mode=layer.merge_mode)
    if isinstance(layer, RNNLayer):
        return _spec(type(layer).__name__, name, **_rnn_config(layer))
    if isinstance(layer, TimeDistributed):
        return _spec("TimeDistributed", name, layer=layer_to_keras(layer.layer))
    if isinstance(layer, Conv1D):
        return _spec("Conv1D", name, filters=layer.filters, kernel_size=layer.kernel_size, strides=layer.strides,
                     padding=layer.padding, activation=layer.activation or "linear")
    if isinstance(layer, MaxPooling1D):
        return _spec("MaxPooling1D", name, pool_size=layer.pool_size, strides=layer.strides, padding="valid")
    if isinstance(layer, (GlobalMaxPooling1D, GlobalAveragePooling1D, Flatten)):
        return _spec(type(layer).__name__, name)
    raise _refuse(layer, "a layer Keras does not have")


# ---- masks -------------------------------------------------------------------------------------------

_USES_MASK = (RNNLayer, Bidirectional, GlobalAveragePooling1D)
"""Layers whose outputs depend on the mask in Keras and on the padding lengths in rnnkit."""
_DROPS_MASK = (Conv1D, MaxPooling1D, GlobalMaxPooling1D)
"""Layers where Keras drops the mask (no masking support) while rnnkit carries the lengths on or pools with them."""


def _mask_path(layers: list[Layer], start: int) -> tuple[int | None, bool]:
    """Follow the mask of `layers[start]` (an Embedding with mask_zero): (the index where Keras drops it, or
    None when it ends the way rnnkit's lengths do; whether a layer used it before that)."""
    used = False
    for k in range(start + 1, len(layers)):
        layer = layers[k]
        if isinstance(layer, _DROPS_MASK):
            return k, used
        if isinstance(layer, _USES_MASK):
            used = True
            rnn = layer.layer if isinstance(layer, Bidirectional) else layer
            if isinstance(layer, GlobalAveragePooling1D) or not rnn.return_sequences:
                return None, used  # the time axis is gone: no mask, no lengths
        if isinstance(layer, (Flatten, Embedding)):
            return None, used
    return None, used


def _lengths_used_from(layers: list[Layer], k: int) -> bool:
    """Whether rnnkit reads padding lengths at layer k or after (Keras no longer has a mask there)."""
    return isinstance(layers[k], GlobalMaxPooling1D) or any(
        isinstance(layer, _USES_MASK + (GlobalMaxPooling1D,)) for layer in layers[k + 1:])


def mask_conflicts(layers: list[Layer], importing: bool) -> tuple[list[int], str | None]:
    """Where Keras' masks and rnnkit's padding lengths part ways in a stack of layers.

    Returns (indices of `Embedding(mask_zero=True)` layers whose mask_zero an import turns off, and why the
    two cannot agree, or None). Importing, an Embedding's mask that no layer uses before Keras drops it may
    be turned off: that changes nothing in Keras and makes rnnkit agree. Otherwise, or saving, rnnkit
    reading lengths where Keras has dropped the mask changes the outputs of padded inputs."""
    switch_off: list[int] = []
    for start, layer in enumerate(layers):
        if not (isinstance(layer, Embedding) and layer.mask_zero):
            continue
        k, used = _mask_path(layers, start)
        if k is None or not _lengths_used_from(layers, k):
            continue
        if importing and not used:
            switch_off.append(start)
            continue
        return switch_off, (f"Keras drops the padding mask of {layer.name!r} (mask_zero=True) at {layers[k].name!r} "
                            f"({type(layers[k]).__name__}), while rnnkit keeps skipping the padding after it")
    return switch_off, None
