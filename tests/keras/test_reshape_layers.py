"""`Flatten` and `TimeDistributed` in rnnkit alone: the per-step layer is the layer on each step, shapes are
inferred before data flows, and a Sequential holding them rebuilds from its config (as a run folder does)."""
import torch

from rnnkit.keras.layers import LSTM, Dense, Flatten, TimeDistributed
from rnnkit.keras.models import Sequential
from rnnkit.models.registry import build_model, model_config


def test_time_distributed_is_the_layer_on_each_step():
    torch.manual_seed(0)
    layer = TimeDistributed(Dense(3, activation="tanh"), input_shape=(5, 4))
    x = torch.randn(2, 5, 4)
    steps = torch.stack([layer.layer(x[:, t]) for t in range(5)], 1)  # (B, T, 3)
    torch.testing.assert_close(layer(x), steps)
    assert layer.compute_output_shape((5, 4)) == (5, 3) and layer.count_params() == 4 * 3 + 3


def test_flatten_is_row_major():
    x = torch.arange(24.0).reshape(2, 3, 4)
    assert torch.equal(Flatten()(x)[1], torch.arange(12.0, 24.0))
    assert Flatten().compute_output_shape((3, 4)) == (12,) and Flatten().compute_output_shape((None, 4)) == (None,)


def test_a_sequential_with_them_rebuilds_from_its_config():
    torch.manual_seed(0)
    model = Sequential()
    for layer in (LSTM(4, return_sequences=True, input_shape=(6, 3)), TimeDistributed(Dense(2)), Flatten(), Dense(1)):
        model.add(layer)
    assert model.output_shapes == [(6, 4), (6, 2), (12,), (1,)]
    rebuilt = build_model(model_config(model))
    rebuilt.load_state_dict(model.state_dict())
    x = torch.randn(3, 6, 3)
    torch.testing.assert_close(rebuilt.eval()(x), model.eval()(x))
