"""Against Keras itself (its torch backend, where installed): Embedding(mask_zero=True) and a recurrent layer on
ids padded at the start, the issue's case, give Keras' outputs at every step, masked ones included.
Slow: importing Keras takes minutes on the shared build machine. Keras computes these in float32 in
places, hence the tolerance (the issue's wrong result was off by 7.5e-2)."""
import os

import numpy as np
import pytest
import torch

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")
if keras.backend.backend() != "torch":
    pytest.skip("these comparisons use Keras' torch backend", allow_module_level=True)

from rnnkit.layers import GRU, LSTM, Bidirectional, Embedding, SimpleRNN  # noqa: E402
from rnnkit.models.sequential import Sequential  # noqa: E402

VOCAB, E, H = 12, 4, 5
IDS = np.array([[0, 0, 0, 3, 7, 2], [5, 1, 4, 9, 2, 8], [0, 0, 0, 0, 0, 6], [0, 4, 0, 2, 0, 3]])  # pre-padded, holes


def cell_weights(layer, kind: str) -> list[np.ndarray]:
    """Keras' [kernel (I, G*H), recurrent_kernel (H, G*H), bias] from an rnnkit cell (torch's layout, transposed).
    Keras' GRU orders its gates z, r, h where rnnkit (as torch) has r, z, n; reset_after keeps two biases."""
    cell = layer.rnn.cells[0] if hasattr(layer, "rnn") else layer
    w_ih, w_hh, b = (t.detach().double().numpy() for t in (cell.weight_ih, cell.weight_hh, cell.bias))
    if kind != "gru":
        return [w_ih.T, w_hh.T, b]
    order = lambda a: np.concatenate([a[H:2 * H], a[:H], a[2 * H:]])  # (r, z, n) -> (z, r, h)
    return [order(w_ih).T, order(w_hh).T, np.stack([order(b), order(cell.bias_hh.detach().double().numpy())])]


KINDS = {"lstm": (LSTM, "LSTM"), "gru": (GRU, "GRU"), "rnn": (SimpleRNN, "SimpleRNN")}


def keras_model(kind: str, bidirectional: bool, ours: Sequential):
    rnn = getattr(keras.layers, KINDS[kind][1])(H, return_sequences=True, dtype="float64")
    layer = keras.layers.Bidirectional(rnn, dtype="float64") if bidirectional else rnn
    model = keras.Sequential([keras.Input((IDS.shape[1],), dtype="int64"),
                              keras.layers.Embedding(VOCAB, E, mask_zero=True, dtype="float64"), layer])
    model.layers[0].set_weights([ours.layers[0].embedding.weight.detach().double().numpy()])
    if bidirectional:
        cells = ours.layers[1].layer.rnn.cells
        layer.forward_layer.set_weights(cell_weights(cells[0], kind))
        layer.backward_layer.set_weights(cell_weights(cells[1], kind))
    else:
        layer.set_weights(cell_weights(ours.layers[1], kind))
    return model


@pytest.mark.slow
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("kind", list(KINDS))
def test_pre_padded_ids_give_keras_outputs(kind, bidirectional):
    torch.manual_seed(0)
    rnn = KINDS[kind][0](H, return_sequences=True)
    ours = Sequential([Embedding(VOCAB, E, mask_zero=True),
                       Bidirectional(rnn) if bidirectional else rnn]).double().eval()
    with torch.no_grad():
        got = ours(torch.as_tensor(IDS)).numpy()
    want = np.asarray(keras.ops.convert_to_numpy(keras_model(kind, bidirectional, ours)(IDS)))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-8)
