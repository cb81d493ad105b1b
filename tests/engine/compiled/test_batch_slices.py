"""Batch slices: the kernels split the batch over threads, each thread running the whole time loop on
its rows (no barrier per step). With slices forced down to one row each the results must equal the
fused pure-torch path (float64) and the unsliced kernels, with lengths, recurrent dropout and zoneout."""
from __future__ import annotations

import pytest
import torch

from rnnkit.engine.fused import run_fused
from rnnkit.engine.compiled import run_compiled
from rnnkit.engine.masks import Masks

from testkit.compiled_problems import make, masks, problem, run_all

SLICED = ["lstm", "lstm_peephole", "lstm_zoneout", "lstm_peephole_zoneout_c", "lstm_zoneout_h_weight_drop", "lstm_layer_norm",
          "lstm_layer_norm_peephole_zoneout", "lstm_layer_norm_zoneout_c_weight_drop", "gru", "gru_zoneout", "gru_layer_norm",
          "gru_layer_norm_zoneout_weight_drop", "rnn_tanh", "rnn_relu_zoneout"]


@pytest.fixture
def sliced(kernels):
    """Two threads and slices of a single row: every batch row of a step on its own slice."""
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    kernels.set_min_slice_rows(1)
    yield kernels
    kernels.set_min_slice_rows(kernels.default_min_slice_rows())
    torch.set_num_threads(threads)


@pytest.mark.parametrize("name", SLICED)
@pytest.mark.parametrize("lengths, dropout", [(False, False), (True, True)], ids=["plain", "lengths+recurrent_dropout"])
def test_sliced_equals_fused(sliced, name, lengths, dropout):
    cell, x, state, run_masks = problem(name, 7, 5, 4, 6, seed=5, lengths=lengths, dropout=dropout)
    fused = run_all(run_fused, cell, x, state, *run_masks)
    comp = run_all(run_compiled, cell, x, state, *run_masks)
    torch.testing.assert_close(comp[0], fused[0], rtol=0, atol=1e-12)
    for a, b in zip(comp[1] + list(comp[2]), fused[1] + list(fused[2])):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-11)


@pytest.mark.parametrize("name", ["lstm", "lstm_zoneout", "lstm_layer_norm_peephole_zoneout"])
def test_sliced_grad_free_equals_training_forward(sliced, name):
    cell, x, state, (lens, rec, weight, zone) = problem(name, 6, 5, 4, 10, torch.float32, seed=6, lengths=True,
                                                        dropout=True)
    out, final = run_compiled(cell, x, state, lens, Masks(rec, zone, weight))
    with torch.no_grad():
        out_free, final_free = run_compiled(cell, x, state, lens, Masks(rec, zone, weight))
    torch.testing.assert_close(out_free, out.detach(), rtol=0, atol=0)
    for a, b in zip(final_free, final):
        torch.testing.assert_close(a, b.detach(), rtol=0, atol=0)


@pytest.mark.parametrize("name", ["lstm", "lstm_peephole_zoneout_c", "lstm_layer_norm_peephole_zoneout", "gru_zoneout",
                                  "gru_layer_norm_zoneout_weight_drop", "rnn_tanh_zoneout"])
def test_brgemm_equals_blas_float32(kernels, name):
    """float32 per-step GEMMs through oneDNN's brgemm (when this machine has it) and through BLAS agree."""
    T, B, I, H = 9, 20, 12, 40
    cell = make(name, I, H, torch.float32, seed=7)
    lens, rec, weight, zone = masks(cell, B, torch.float32, False, True, steps=T)
    x = torch.randn(T, B, I)
    state = tuple(0.5 * torch.randn(B, s) for s in cell.state_sizes)
    results = []
    try:
        for on in (True, False):
            kernels.set_brgemm(on)
            results.append(run_all(run_compiled, cell, x, state, lens, rec, weight, zone))
    finally:
        kernels.set_brgemm(True)
    (out_a, final_a, grads_a), (out_b, final_b, grads_b) = results
    torch.testing.assert_close(out_a, out_b, rtol=0, atol=1e-5)
    for a, b in zip(final_a, final_b):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-5)
    for a, b in zip(grads_a, grads_b):
        assert (a - b).abs().max() <= 1e-4 * b.abs().max()
