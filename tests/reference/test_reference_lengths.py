"""Padding semantics: a padded batch with `lengths` equals running each sequence on its own."""

import numpy as np
import pytest

from rnnkit.reference import GRU, LSTM, MLSTM, SLSTM, SimpleRNN

T, I, H = 5, 3, 4
LENGTHS = [5, 2, 4, 0]

CELLS = {
    "simple": lambda: SimpleRNN(I, H, seed=1),
    "lstm-peephole-proj": lambda: LSTM(I, H, peephole=True, proj_size=2, seed=2),
    "gru-reset-after": lambda: GRU(I, H, seed=3),
    "gru-reset-before": lambda: GRU(I, H, reset_after=False, seed=4),
    "slstm-2-heads": lambda: SLSTM(I, H, num_heads=2, seed=5),
    "mlstm-2-heads": lambda: MLSTM(I, H, num_heads=2, seed=6),
}


@pytest.mark.parametrize("name", list(CELLS))
def test_padded_batch_equals_each_sequence_alone(name):
    model = CELLS[name]()
    B = len(LENGTHS)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((T, B, I))                                   # (T, B, I)
    state0 = tuple(rng.standard_normal((B, size)) for size in model.state_sizes())
    d_outputs = rng.standard_normal((T, B, model.output_size))
    d_final = tuple(rng.standard_normal(s.shape) for s in state0)

    outputs, final, cache = model.forward(x, state0, lengths=LENGTHS)
    grads, d_x, d_state0 = model.backward(cache, d_outputs, d_final)

    summed_grads = {k: np.zeros_like(v) for k, v in model.params.items()}
    for b, L in enumerate(LENGTHS):
        alone0 = tuple(s[b:b + 1] for s in state0)
        out_b, final_b, cache_b = model.forward(x[:L, b:b + 1], alone0)   # no padding at all
        # outputs: equal on the real steps, exactly 0 on the padding
        np.testing.assert_allclose(outputs[:L, b:b + 1], out_b, rtol=0, atol=1e-12)
        assert np.all(outputs[L:, b] == 0.0)
        # final state: the state after the sequence's last real step (state0 when L == 0)
        for s, s_b in zip(final, final_b):
            np.testing.assert_allclose(s[b:b + 1], s_b, rtol=0, atol=1e-12)
        # gradients: same d_x on real steps, 0 on padding; same d_state0; weights add up over b
        g_b, d_x_b, d_state0_b = model.backward(cache_b, d_outputs[:L, b:b + 1],
                                                tuple(d[b:b + 1] for d in d_final))
        np.testing.assert_allclose(d_x[:L, b:b + 1], d_x_b, rtol=0, atol=1e-12)
        assert np.all(d_x[L:, b] == 0.0)
        for d, d_b in zip(d_state0, d_state0_b):
            np.testing.assert_allclose(d[b:b + 1], d_b, rtol=0, atol=1e-12)
        for k in summed_grads:
            summed_grads[k] += g_b[k]
    for k, g in grads.items():
        np.testing.assert_allclose(g, summed_grads[k], rtol=1e-12, atol=1e-12, err_msg=k)


def test_full_lengths_equal_no_lengths():
    model = LSTM(I, H, seed=5)
    x = np.random.default_rng(1).standard_normal((T, 2, I))
    out_a, final_a, _ = model.forward(x)
    out_b, final_b, _ = model.forward(x, lengths=np.array([T, T]))
    np.testing.assert_array_equal(out_a, out_b)
    for a, b in zip(final_a, final_b):
        np.testing.assert_array_equal(a, b)
