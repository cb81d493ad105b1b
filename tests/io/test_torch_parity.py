"""rnnkit layers with weights copied from torch.nn.LSTM/GRU/RNN give torch's outputs, states and gradients."""
import pytest
import torch
from torch import nn

from rnnkit.io.torch_interop import recurrent_from_torch, save_torch_weights

B, T, I, H = 4, 7, 5, 6
MODULES = {
    "lstm": lambda **kw: nn.LSTM(I, H, batch_first=True, **kw),
    "lstm-proj": lambda **kw: nn.LSTM(I, H, batch_first=True, proj_size=3, **kw),
    "gru": lambda **kw: nn.GRU(I, H, batch_first=True, **kw),
    "rnn-tanh": lambda **kw: nn.RNN(I, H, batch_first=True, **kw),
    "rnn-relu": lambda **kw: nn.RNN(I, H, batch_first=True, nonlinearity="relu", **kw),
}


def torch_run(module, x, lengths):
    if lengths is None:
        out, state = module(x)
    else:
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        out, state = module(packed)
        out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
    return out, state if isinstance(state, tuple) else (state,)


@pytest.mark.parametrize("fast", ["auto", "fused", "loop"])
@pytest.mark.parametrize("padded", [False, True])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("kind", sorted(MODULES))
def test_parity_with_torch(kind, num_layers, bidirectional, padded, fast):
    torch.manual_seed(0)
    module = MODULES[kind](num_layers=num_layers, bidirectional=bidirectional)
    layer = recurrent_from_torch(module, return_state=True, fast=fast)
    x = torch.randn(B, T, I)
    lengths = torch.tensor([7, 3, 1, 5]) if padded else None
    x_t, x_r = x.clone().requires_grad_(), x.clone().requires_grad_()
    out_t, state_t = torch_run(module, x_t, lengths)
    out_r, state_r = layer(x_r, lengths=lengths)
    assert out_r.shape == out_t.shape
    assert (out_r - out_t).abs().max() <= 1e-5
    for a, b in zip(state_r, state_t):
        assert a.shape == b.shape and (a - b).abs().max() <= 1e-5
    weights = torch.randn_like(out_t)
    (g_t,) = torch.autograd.grad((out_t * weights).sum() + sum(s.sum() for s in state_t), x_t)
    (g_r,) = torch.autograd.grad((out_r * weights).sum() + sum(s.sum() for s in state_r), x_r)
    assert (g_r - g_t).abs().max() <= 1e-5


def test_initial_state_parity():
    torch.manual_seed(0)
    module = nn.LSTM(I, H, num_layers=2, bidirectional=True, batch_first=True)
    layer = recurrent_from_torch(module, return_state=True)
    x = torch.randn(B, T, I)
    h0, c0 = torch.randn(4, B, H), torch.randn(4, B, H)
    out_t, (h_t, c_t) = module(x, (h0, c0))
    out_r, (h_r, c_r) = layer(x, initial_state=(h0, c0))
    for a, b in ((out_r, out_t), (h_r, h_t), (c_r, c_t)):
        assert (a - b).abs().max() <= 1e-5


def test_weights_round_trip_to_torch():
    torch.manual_seed(0)
    source = nn.GRU(I, H, num_layers=2, batch_first=True)
    layer = recurrent_from_torch(source)
    target = nn.GRU(I, H, num_layers=2, batch_first=True)
    save_torch_weights(layer, target)
    x = torch.randn(B, T, I)
    assert (source(x)[0] - target(x)[0]).abs().max() <= 1e-6


def test_lstm_biases_are_summed():
    module = nn.LSTM(I, H)
    layer = recurrent_from_torch(module)
    assert torch.allclose(layer.cells[0].bias, module.bias_ih_l0 + module.bias_hh_l0)
    assert sum(p.numel() for p in layer.parameters()) == sum(p.numel() for p in module.parameters()) - 4 * H
