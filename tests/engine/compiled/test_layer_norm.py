"""Layer-norm LSTM and GRU on the compiled kernels: auto routes them there, and through the Recurrent
layer (stacked, bidirectional, padded, recurrent dropout) the compiled run equals the fused one.

The per-cell agreement (gradcheck, float64 and float32 against the reference loop) is in
test_agreement.py; here the routing and the layer's reversal, lengths and initial states.
"""
from __future__ import annotations

import pytest
import torch

from rnnkit.cells import GRUCell, LSTMCell
from rnnkit.engine import Masks, plan_run, run_sequence
from rnnkit.layers import Recurrent


@pytest.mark.parametrize("cell", [LSTMCell(3, 4, layer_norm=True), LSTMCell(3, 4, layer_norm=True, peephole=True),
                                  GRUCell(3, 4, layer_norm=True), GRUCell(3, 4, layer_norm=True, zoneout=0.2)],
                         ids=["lstm", "lstm_peephole", "gru", "gru_zoneout"])
def test_auto_sends_layer_norm_to_the_compiled_kernels(kernels, cell):
    assert plan_run(cell, "auto").runner == "compiled"
    assert plan_run(cell, "auto", padded=True).runner == "compiled"
    assert plan_run(cell, "auto", Masks(recurrent=torch.ones(2, 4))).runner == "compiled"


@pytest.mark.parametrize("kind, options", [("lstm", {"peephole": True}), ("gru", {})])
def test_bidirectional_stack_with_lengths_equals_fused(kernels, kind, options):
    torch.manual_seed(0)
    layers = {fast: Recurrent(kind, 3, 5, 2, bidirectional=True, return_state=True, recurrent_dropout=0.3, fast=fast,
                              layer_norm=True, **options).double().train()
              for fast in ("compiled", "fused")}
    layers["fused"].load_state_dict(layers["compiled"].state_dict())
    x = torch.randn(4, 6, 3, dtype=torch.float64)  # (B, T, I)
    lengths = torch.tensor([6, 2, 5, 1])
    results = []
    for fast, layer in layers.items():
        torch.manual_seed(1)  # the same recurrent-dropout masks for both
        xx = x.clone().requires_grad_()
        out, state = layer(xx, lengths)
        loss = (out * torch.linspace(-1, 1, out.numel(), dtype=out.dtype).view_as(out)).sum()
        loss = loss + sum((s ** 2).sum() for s in state)  # (L*D, B, size) per state tensor
        grads = torch.autograd.grad(loss, [xx, *layer.parameters()])
        results.append((out, grads))
    (out_c, grads_c), (out_f, grads_f) = results
    torch.testing.assert_close(out_c, out_f, rtol=0, atol=1e-12)
    for a, b in zip(grads_c, grads_f):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-11)


@pytest.mark.parametrize("cell", [LSTMCell(6, 40, layer_norm=True, peephole=True), GRUCell(6, 40, layer_norm=True)],
                         ids=["lstm", "gru"])
def test_gain_gradients_summed_over_threads(kernels, cell):
    """The LN gains' gradients are summed per thread inside the parallel pass: two threads, rows split."""
    torch.manual_seed(0)
    cell = cell.double()
    x = torch.randn(5, 64, 6, dtype=torch.float64)  # 64 rows: more than one chunk of rows per step
    state = cell.init_state(64)
    lengths = torch.randint(1, 6, (64,))
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        grads = []
        for fast in ("compiled", "fused"):
            out, _ = run_sequence(cell, x, state, lengths, fast=fast)
            probe = torch.linspace(-1, 1, out.numel(), dtype=out.dtype).view_as(out)
            grads.append(torch.autograd.grad((out * probe).sum(), list(cell.parameters())))
    finally:
        torch.set_num_threads(threads)
    for a, b in zip(*grads):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-11)
