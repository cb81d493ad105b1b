"""The reference forward math against computations it shares no code with.

- torch.nn.RNN / LSTM (with proj_size) / GRU in float64, with the same weights (torch's two biases
  as b_ih = bias, b_hh = 0, or bias_hh for the GRU), outputs and autograd gradients, and with
  `pack_padded_sequence` for the `lengths` semantics;
- the options torch lacks (peepholes, GRU reset-before) against a one-step formula written out
  here from the papers, per unit, with separate matrices per gate.
"""

import math

import numpy as np
import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rnnkit.reference import GRU, LSTM, SimpleRNN

T, B, I, H = 4, 3, 3, 4


def to_torch_module(model):
    """A float64 torch.nn recurrent module holding `model`'s weights."""
    p = {k: torch.tensor(v) for k, v in model.params.items()}
    if isinstance(model, SimpleRNN):
        module = torch.nn.RNN(I, H, nonlinearity=model.activation)
    elif isinstance(model, LSTM):
        module = torch.nn.LSTM(I, H, proj_size=model.proj_size)
    else:
        module = torch.nn.GRU(I, H)
    module = module.double()
    with torch.no_grad():
        module.weight_ih_l0.copy_(p["weight_ih"])
        module.weight_hh_l0.copy_(p["weight_hh"])
        module.bias_ih_l0.copy_(p["bias"])
        module.bias_hh_l0.copy_(p.get("bias_hh", torch.zeros_like(p["bias"])))
        if getattr(model, "proj_size", 0):
            module.weight_hr_l0.copy_(p["weight_hr"])
    return module


TORCH_EQUIVALENT = {
    "rnn-tanh": lambda: SimpleRNN(I, H, "tanh", seed=1),
    "rnn-relu": lambda: SimpleRNN(I, H, "relu", seed=2),
    "lstm": lambda: LSTM(I, H, seed=3),
    "lstm-proj": lambda: LSTM(I, H, proj_size=2, seed=4),
    "gru": lambda: GRU(I, H, seed=5),
}


@pytest.mark.parametrize("lengths", [None, [4, 1, 3]], ids=["full", "packed"])
@pytest.mark.parametrize("name", list(TORCH_EQUIVALENT))
def test_matches_torch_nn_outputs_and_gradients(name, lengths):
    model = TORCH_EQUIVALENT[name]()
    module = to_torch_module(model)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((T, B, I))
    state0 = tuple(rng.standard_normal((B, size)) for size in model.state_sizes())
    R = rng.standard_normal((T, B, model.output_size))
    S = tuple(rng.standard_normal(s.shape) for s in state0)

    outputs, final, cache = model.forward(x, state0, lengths)
    grads, d_x, d_state0 = model.backward(cache, R, S)

    x_t = torch.tensor(x, requires_grad=True)
    state0_t = tuple(torch.tensor(s[None], requires_grad=True) for s in state0)  # (1, B, .)
    torch_state0 = state0_t if isinstance(model, LSTM) else state0_t[0]
    if lengths is None:
        out_t, final_t = module(x_t, torch_state0)
    else:
        packed = pack_padded_sequence(x_t, torch.tensor(lengths), enforce_sorted=False)
        out_packed, final_t = module(packed, torch_state0)
        out_t, _ = pad_packed_sequence(out_packed, total_length=T)
    final_t = final_t if isinstance(final_t, tuple) else (final_t,)
    loss = (out_t * torch.tensor(R)).sum() + sum((f[0] * torch.tensor(s)).sum()
                                                  for f, s in zip(final_t, S))
    loss.backward()

    np.testing.assert_allclose(outputs, out_t.detach().numpy(), atol=1e-12)
    for mine, theirs in zip(final, final_t):
        np.testing.assert_allclose(mine, theirs[0].detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(d_x, x_t.grad.numpy(), atol=1e-12)
    for mine, theirs in zip(d_state0, state0_t):
        np.testing.assert_allclose(mine, theirs.grad[0].numpy(), atol=1e-12)
    np.testing.assert_allclose(grads["weight_ih"], module.weight_ih_l0.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(grads["weight_hh"], module.weight_hh_l0.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(grads["bias"], module.bias_ih_l0.grad.numpy(), atol=1e-12)
    if "bias_hh" in grads:
        np.testing.assert_allclose(grads["bias_hh"], module.bias_hh_l0.grad.numpy(), atol=1e-12)
    if "weight_hr" in grads:
        np.testing.assert_allclose(grads["weight_hr"], module.weight_hr_l0.grad.numpy(), atol=1e-12)


def sig(a):
    return 1.0 / (1.0 + math.exp(-a))


def test_peephole_lstm_step_matches_gers_equations_unit_by_unit():
    model = LSTM(I, H, peephole=True, seed=6)
    p = model.params
    rng = np.random.default_rng(1)
    x, h0, c0 = rng.standard_normal(I), rng.standard_normal(H), rng.standard_normal(H)
    (h, c), _ = model.step(x[None], (h0[None], c0[None]))

    W = {g: p["weight_ih"][k * H:(k + 1) * H] for k, g in enumerate("ifgo")}
    U = {g: p["weight_hh"][k * H:(k + 1) * H] for k, g in enumerate("ifgo")}
    b = {g: p["bias"][k * H:(k + 1) * H] for k, g in enumerate("ifgo")}
    for j in range(H):
        pre = {g: sum(W[g][j, k] * x[k] for k in range(I)) + b[g][j]
               + sum(U[g][j, k] * h0[k] for k in range(H)) for g in "ifgo"}
        i_j = sig(pre["i"] + p["weight_ci"][j] * c0[j])
        f_j = sig(pre["f"] + p["weight_cf"][j] * c0[j])
        c_j = f_j * c0[j] + i_j * math.tanh(pre["g"])
        o_j = sig(pre["o"] + p["weight_co"][j] * c_j)
        assert c[0, j] == pytest.approx(c_j, abs=1e-12)
        assert h[0, j] == pytest.approx(o_j * math.tanh(c_j), abs=1e-12)


def test_peephole_lstm_with_zero_peepholes_is_the_plain_lstm():
    plain, peep = LSTM(I, H, seed=7), LSTM(I, H, peephole=True, seed=7)
    for k in ("weight_ih", "weight_hh", "bias"):
        peep.params[k] = plain.params[k].copy()
    for k in ("weight_ci", "weight_cf", "weight_co"):
        peep.params[k][:] = 0.0
    x = np.random.default_rng(2).standard_normal((T, B, I))
    np.testing.assert_allclose(peep.forward(x)[0], plain.forward(x)[0], atol=1e-15)


def test_gru_reset_before_step_matches_cho_equations_unit_by_unit():
    model = GRU(I, H, reset_after=False, seed=8)
    p = model.params
    rng = np.random.default_rng(3)
    x, h0 = rng.standard_normal(I), rng.standard_normal(H)
    (h,), _ = model.step(x[None], (h0[None],))

    W = {g: p["weight_ih"][k * H:(k + 1) * H] for k, g in enumerate("rzn")}
    U = {g: p["weight_hh"][k * H:(k + 1) * H] for k, g in enumerate("rzn")}
    b = {g: p["bias"][k * H:(k + 1) * H] for k, g in enumerate("rzn")}
    wx = {g: [sum(W[g][j, k] * x[k] for k in range(I)) + b[g][j] for j in range(H)] for g in "rzn"}
    r = [sig(wx["r"][j] + sum(U["r"][j, k] * h0[k] for k in range(H))) for j in range(H)]
    for j in range(H):
        z_j = sig(wx["z"][j] + sum(U["z"][j, k] * h0[k] for k in range(H)))
        n_j = math.tanh(wx["n"][j] + sum(U["n"][j, k] * r[k] * h0[k] for k in range(H)))
        assert h[0, j] == pytest.approx((1 - z_j) * n_j + z_j * h0[j], abs=1e-12)
