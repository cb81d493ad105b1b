"""Every hand-written BPTT gradient of the NumPy reference against central finite differences.

Loss = sum(outputs * R) + Σ sum(final_state * S) with fixed random R, S, so every output and final
state entry matters; gradients w.r.t. every parameter, x and each initial-state tensor, in float64.
"""

import numpy as np
import pytest

from rnnkit.reference import GRU, LSTM, SLSTM, SimpleRNN, check_gradients

T, B, I, H = 4, 3, 3, 4
TOLERANCE = 1e-6

CELLS = {
    "simple-tanh": lambda: SimpleRNN(I, H, activation="tanh", seed=1),
    "simple-relu": lambda: SimpleRNN(I, H, activation="relu", seed=2),
    "lstm": lambda: LSTM(I, H, seed=3),
    "lstm-peephole": lambda: LSTM(I, H, peephole=True, seed=4),
    "lstm-proj": lambda: LSTM(I, H, proj_size=2, seed=5),
    "lstm-peephole-proj": lambda: LSTM(I, H, peephole=True, proj_size=3, seed=6),
    "gru-reset-after": lambda: GRU(I, H, reset_after=True, seed=7),
    "gru-reset-before": lambda: GRU(I, H, reset_after=False, seed=8),
    "slstm-2-heads": lambda: SLSTM(I, H, num_heads=2, seed=9),
    "slstm-exp-forget": lambda: SLSTM(I, H, forget_gate="exp", seed=10),
}


def random_inputs(model, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((T, B, I))                                   # (T, B, I)
    state0 = tuple(rng.standard_normal((B, size)) for size in model.state_sizes())
    return x, state0


@pytest.mark.parametrize("lengths", [None, [T, 2, 1]], ids=["full", "padded"])
@pytest.mark.parametrize("name", list(CELLS))
def test_bptt_matches_finite_differences(name, lengths):
    model = CELLS[name]()
    x, state0 = random_inputs(model, seed=10)
    errors = check_gradients(model, x, state0, lengths, seed=11)
    expected_names = set(model.params) | {"x"} | {f"state0.{s}" for s in model.state_names}
    assert set(errors) == expected_names
    bad = {k: v for k, v in errors.items() if not v <= TOLERANCE}
    assert not bad, f"{model}: relative errors above {TOLERANCE}: {bad}"


@pytest.mark.parametrize("name", list(CELLS))
def test_gradients_are_not_trivially_zero(name):
    """A check that passes because both sides are 0 checks nothing: every gradient must move."""
    model = CELLS[name]()
    x, state0 = random_inputs(model, seed=12)
    outputs, final_state, cache = model.forward(x, state0)
    rng = np.random.default_rng(13)
    d_final = tuple(rng.standard_normal(s.shape) for s in final_state)
    grads, d_x, d_state0 = model.backward(cache, rng.standard_normal(outputs.shape), d_final)
    for name_, g in [*grads.items(), ("x", d_x), *zip(model.state_names, d_state0)]:
        assert np.abs(g).max() > 1e-4, f"{model}: gradient of {name_} is ~0"


def test_perturbing_the_backward_is_caught():
    """The check must be able to fail: a wrong gradient (forget-gate bias doubled) is flagged."""
    model = LSTM(I, H, seed=3)
    x, state0 = random_inputs(model, seed=10)
    original = model.backward

    def wrong_backward(cache, d_outputs, d_final_state=None):
        grads, d_x, d_state0 = original(cache, d_outputs, d_final_state)
        grads["bias"][H:2 * H] *= 2
        return grads, d_x, d_state0

    model.backward = wrong_backward
    errors = check_gradients(model, x, state0)
    assert errors["bias"] > 1e-3
    assert errors["weight_ih"] <= TOLERANCE
