"""Chrono initialisation: forget biases log-uniform in [0, log(T-2)], input biases their negatives,
nothing else touched; the mnist task applies it to every LSTM cell."""
import math

import pytest
import torch

from rnnkit.cells.lstm import LSTMCell, chrono_init_


def test_chrono_biases_and_nothing_else():
    torch.manual_seed(0)
    cell = LSTMCell(3, 64)
    before = {k: v.clone() for k, v in cell.state_dict().items()}
    chrono_init_(cell, 784)
    s = cell.gate_slices()
    forget, inputs = cell.bias[s["f"]], cell.bias[s["i"]]
    assert torch.all(forget >= 0) and torch.all(forget <= math.log(783) + 1e-6)
    assert forget.std() > 0.5  # spread over time scales, not one value
    torch.testing.assert_close(inputs, -forget)
    torch.testing.assert_close(cell.bias[s["g"]], before["bias"][s["g"]])
    torch.testing.assert_close(cell.bias[s["o"]], before["bias"][s["o"]])
    for name, value in cell.state_dict().items():
        if name != "bias":
            assert torch.equal(value, before[name]), name
    with pytest.raises(ValueError, match="max_steps"):
        chrono_init_(cell, 2)


def test_mnist_task_applies_it_to_every_lstm_cell():
    from rnnkit.tasks.images.config import MnistConfig
    from rnnkit.tasks.images.model import build_model

    model = build_model(MnistConfig(mode="pixels", num_layers=2, chrono_init=True))
    cells = [m for m in model.modules() if isinstance(m, LSTMCell)]
    assert len(cells) == 2
    for cell in cells:
        s = cell.gate_slices()
        torch.testing.assert_close(cell.bias[s["i"]], -cell.bias[s["f"]])
    with pytest.raises(ValueError, match="chrono_init"):
        MnistConfig(cell="gru", chrono_init=True)
