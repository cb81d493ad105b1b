"""The torch cells, run by both engine runners, against the NumPy BPTT oracle (float64)."""
import numpy as np
import pytest
import torch

from rnnkit import reference
from rnnkit.cells import GRUCell, LSTMCell, SimpleRNNCell
from rnnkit.engine import run_fused, run_loop
from testkit.reference_check import assert_runner_matches_reference

T, B, I = 5, 3, 3
CASES = [
    ("rnn-tanh", lambda: SimpleRNNCell(I, 4), lambda: reference.SimpleRNN(I, 4, seed=1)),
    ("rnn-relu", lambda: SimpleRNNCell(I, 4, activation="relu"), lambda: reference.SimpleRNN(I, 4, activation="relu", seed=1)),
    ("lstm", lambda: LSTMCell(I, 4), lambda: reference.LSTM(I, 4, seed=1)),
    ("lstm-peephole", lambda: LSTMCell(I, 4, peephole=True), lambda: reference.LSTM(I, 4, peephole=True, seed=1)),
    ("lstm-proj", lambda: LSTMCell(I, 5, proj_size=2), lambda: reference.LSTM(I, 5, proj_size=2, seed=1)),
    ("lstm-peephole-proj", lambda: LSTMCell(I, 5, peephole=True, proj_size=3), lambda: reference.LSTM(I, 5, peephole=True, proj_size=3, seed=1)),
    ("gru-after", lambda: GRUCell(I, 4), lambda: reference.GRU(I, 4, seed=1)),
    ("gru-before", lambda: GRUCell(I, 4, reset_after=False), lambda: reference.GRU(I, 4, reset_after=False, seed=1)),
]


@pytest.mark.parametrize("runner", [run_loop, run_fused], ids=["autograd-loop", "fused-bptt"])
@pytest.mark.parametrize("with_lengths", [False, True])
@pytest.mark.parametrize("name,make_cell,make_ref", CASES, ids=[c[0] for c in CASES])
def test_cell_matches_numpy_reference(name, make_cell, make_ref, with_lengths, runner):
    ref = make_ref()
    cell = make_cell().double()
    with torch.no_grad():
        for pname, p in cell.named_parameters():
            p.copy_(torch.from_numpy(ref.params[pname]))
    assert set(dict(cell.named_parameters())) == set(ref.params)
    rng = np.random.default_rng(7)
    x = rng.standard_normal((T, B, I))
    state0 = tuple(rng.standard_normal((B, s)) for s in ref.state_sizes())
    lengths = np.array([5, 2, 4]) if with_lengths else None
    assert_runner_matches_reference(runner, cell, ref, x, state0, lengths, rng)


@pytest.mark.parametrize("name,make_cell,make_ref", CASES, ids=[c[0] for c in CASES])
def test_step_backward_matches_autograd_with_recurrent_mask(name, make_cell, make_ref):
    """Each cell's hand-derived step gradient equals autograd through its own `step`."""
    torch.manual_seed(0)
    cell = make_cell().double()
    xp = torch.randn(B, cell.weight_ih.shape[0], dtype=torch.float64, requires_grad=True)
    state = tuple(torch.randn(B, s, dtype=torch.float64, requires_grad=True) for s in cell.state_sizes)
    mask = torch.bernoulli(torch.full((B, cell.weight_hh.shape[1]), 0.7, dtype=torch.float64)) / 0.7
    new, cache = cell.step(xp, state, mask)
    upstream = tuple(torch.randn_like(n) for n in new)
    params = {k: p for k, p in cell.named_parameters() if k not in ("weight_ih", "bias")}
    auto = torch.autograd.grad(sum((n * u).sum() for n, u in zip(new, upstream)), [xp, *state, *params.values()])
    with torch.no_grad():
        dxp, dstate, dparams = cell.step_backward(cache, upstream)
    torch.testing.assert_close(dxp, auto[0], rtol=0, atol=1e-12)
    for a, b in zip(dstate, auto[1 : 1 + len(state)]):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-12)
    assert set(dparams) == set(params)
    for (k, _), a in zip(params.items(), auto[1 + len(state) :]):
        torch.testing.assert_close(dparams[k], a, rtol=0, atol=1e-12, msg=k)


@pytest.mark.parametrize("name,make_cell,make_ref", CASES, ids=[c[0] for c in CASES])
def test_fused_gradcheck(name, make_cell, make_ref):
    torch.manual_seed(0)
    cell = make_cell().double()
    x = torch.randn(4, 2, I, dtype=torch.float64, requires_grad=True)
    state = tuple(torch.randn(2, s, dtype=torch.float64, requires_grad=True) for s in cell.state_sizes)
    lengths = torch.tensor([4, 2])

    def f(x, *state):
        out, final = run_fused(cell, x, state, lengths)
        return (out, *final)

    assert torch.autograd.gradcheck(f, (x, *state))
