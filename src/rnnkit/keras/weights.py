"""Keras weight lists <-> rnnkit parameters, layer by layer: the weights half of `load_model` / `save`.

Each Keras layer holds its weights as a list in `layer.weights` order; this module maps that list onto
the rnnkit layer's parameters and back, exactly (copies, transposes and one permutation):

    Embedding    [embeddings (V, E)]                   = embedding.weight (V, E)
    Dense        [kernel (I, O), bias (O,)]            kernel = linear.weight.T
    Conv1D       [kernel (K, I, O), bias (O,)]         kernel = conv.weight (O, I, K) transposed (2, 1, 0)
    SimpleRNN,   [kernel (I, G*H), recurrent_kernel    kernel = weight_ih.T, recurrent_kernel = weight_hh.T,
    LSTM, GRU     (H, G*H), bias (G*H,) or (2, 3H)]     bias = bias; a reset-after GRU's bias row 1 = bias_hh
    Bidirectional  the forward layer's list, then the backward layer's
    TimeDistributed  the wrapped layer's list

LSTM gates are in the same order on both sides (Keras i, f, c, o; rnnkit i, f, g, o). GRU gates are
not: Keras orders the column blocks z, r, h, rnnkit (torch) the row blocks r, z, n, so the first two
blocks swap (the swap is its own inverse).
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from rnnkit.errors import UserError
from rnnkit.layers import Bidirectional, Conv1D, Dense, Embedding, Layer, RNNLayer, TimeDistributed


def swap_gru_gates(a: np.ndarray, axis: int) -> np.ndarray:
    """Keras' z, r, h blocks <-> rnnkit's r, z, n blocks along `axis` (3H long)."""
    z, r, h = np.split(a, 3, axis=axis)
    return np.concatenate([r, z, h], axis=axis)


def _cell_to_keras(cell: nn.Module, gru: bool) -> list[np.ndarray]:
    def get(p):
        return p.detach().cpu().numpy()

    kernel, recurrent, bias = get(cell.weight_ih).T, get(cell.weight_hh).T, get(cell.bias)  # (I, G*H) (H, G*H) (G*H,)
    if gru:
        kernel, recurrent, bias = swap_gru_gates(kernel, 1), swap_gru_gates(recurrent, 1), swap_gru_gates(bias, 0)
        if cell.reset_after:
            bias = np.stack([bias, swap_gru_gates(get(cell.bias_hh), 0)])  # (2, 3H): input bias, recurrent bias
    return [kernel, recurrent, bias]


def _cell_from_keras(cell: nn.Module, gru: bool, arrays: list[np.ndarray]) -> dict[nn.Parameter, np.ndarray]:
    kernel, recurrent, bias = arrays
    if gru:
        kernel, recurrent = swap_gru_gates(kernel, 1), swap_gru_gates(recurrent, 1)
        if cell.reset_after:
            if bias.ndim != 2:
                raise ValueError(f"a reset_after GRU's bias has shape (2, 3H), got {bias.shape}")
            return {cell.weight_ih: kernel.T, cell.weight_hh: recurrent.T, cell.bias: swap_gru_gates(bias[0], 0),
                    cell.bias_hh: swap_gru_gates(bias[1], 0)}
        bias = swap_gru_gates(bias, 0)
    return {cell.weight_ih: kernel.T, cell.weight_hh: recurrent.T, cell.bias: bias}


def _pairs(layer: Layer, arrays: list[np.ndarray] | None) -> list[tuple[nn.Parameter, np.ndarray | None]]:
    """The layer's parameters in Keras' order, each with its Keras array in rnnkit's layout (or None when
    `arrays` is None, to export)."""
    if isinstance(layer, TimeDistributed):
        return _pairs(layer.layer, arrays)
    if isinstance(layer, Bidirectional):
        layer = layer.layer
    if isinstance(layer, RNNLayer):
        cells = list(layer.rnn.cells)
        gru = layer.cell_kind == "gru"
        if arrays is None:
            return [(None, a) for cell in cells for a in _cell_to_keras(cell, gru)]
        if len(arrays) != 3 * len(cells):
            raise ValueError(f"expected {3 * len(cells)} arrays (kernel, recurrent_kernel, bias per direction), "
                             f"got {len(arrays)}")
        mapping = {}
        for k, cell in enumerate(cells):
            mapping.update(_cell_from_keras(cell, gru, arrays[3 * k:3 * k + 3]))
        return list(mapping.items())
    if isinstance(layer, Embedding):
        params, layouts = [layer.embedding.weight], [lambda a: a]
    elif isinstance(layer, Dense):
        params, layouts = [layer.linear.weight, layer.linear.bias], [np.transpose, lambda a: a]
    elif isinstance(layer, Conv1D):
        params, layouts = [layer.conv.weight, layer.conv.bias], [lambda a: np.transpose(a, (2, 1, 0)), lambda a: a]
    else:
        params, layouts = [], []
    if arrays is None:
        return [(None, f(p.detach().cpu().numpy())) for p, f in zip(params, layouts)]
    if len(arrays) != len(params):
        raise ValueError(f"expected {len(params)} weight arrays, got {len(arrays)}")
    return [(p, f(np.asarray(a))) for p, f, a in zip(params, layouts, arrays)]


def keras_weights(layer: Layer) -> list[np.ndarray]:
    """The layer's weights as Keras' `layer.get_weights()` lists them (float32)."""
    return [np.ascontiguousarray(a, dtype=np.float32) for _, a in _pairs(layer, None)]


@torch.no_grad()
def set_keras_weights(layer: Layer, arrays: list[np.ndarray], where: str) -> None:
    """Copy Keras' weight list of one layer into the built rnnkit layer; a mismatch is a UserError naming `where`."""
    try:
        pairs = _pairs(layer, list(arrays))
    except ValueError as err:
        raise UserError(f"{where}: {err}") from None
    for param, array in pairs:
        if tuple(array.shape) != tuple(param.shape):
            raise UserError(f"{where}: a weight of shape {tuple(array.shape)} where the layer's config needs "
                            f"{tuple(param.shape)} (in rnnkit's layout)")
        param.copy_(torch.as_tensor(np.ascontiguousarray(array), dtype=param.dtype))
