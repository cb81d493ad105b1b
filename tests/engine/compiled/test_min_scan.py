"""The scan's compiled method (csrc/minimal.cpp) for minGRU and minLSTM: equal to the torch linear
method (itself tested against the NumPy oracle in tests/cells/test_min_cells.py) in float64, with
padding, in batch slices over two threads and on widths that end in a partial vector; float64
finite differences; float32 over a long saturating sequence; chosen by "auto" where it serves."""
from __future__ import annotations

import pytest
import torch

from rnnkit.cells import make_cell
from rnnkit.engine import plan_run, run_loop, run_scan
from rnnkit.engine.scan import compiled_unsupported, default_method

KINDS = ["mingru", "minlstm"]


def saturating(kind, I, H, dtype=torch.float64, seed=0):
    torch.manual_seed(seed)
    cell = make_cell(kind, I, H).to(dtype)
    with torch.no_grad():
        cell.weight_ih.mul_(4)  # gates near 0 and 1, the candidate on both branches of g
        cell.bias.uniform_(-1, 1)
    return cell


def outputs_and_gradients(cell, x, h0, lengths, method):
    """[outputs, final state, then the gradients of x, h0 and the parameters] of a fixed random loss."""
    x, h0 = x.clone().requires_grad_(), h0.clone().requires_grad_()
    out, (final,) = run_scan(cell, x, (h0,), lengths, method=method) if method else run_loop(cell, x, (h0,))
    generator = torch.Generator().manual_seed(1)
    d_out = torch.randn(out.shape, generator=generator, dtype=torch.float64).to(out.dtype)
    d_final = torch.randn(final.shape, generator=generator, dtype=torch.float64).to(out.dtype)
    loss = (out * d_out).sum() + (final * d_final).sum()
    return [out, final, *torch.autograd.grad(loss, [x, h0, *cell.parameters()])]


@pytest.mark.parametrize("lengths", [None, [9, 2, 5, 0, 9]], ids=["full", "padded-and-empty"])
@pytest.mark.parametrize("H", [4, 19, 37])  # under, between and over a vector's width
@pytest.mark.parametrize("kind", KINDS)
def test_compiled_equals_linear_float64(kernels, kind, H, lengths):
    cell = saturating(kind, 3, H)
    x, h0 = torch.randn(9, 5, 3, dtype=torch.float64), torch.randn(5, H, dtype=torch.float64)
    lengths = None if lengths is None else torch.tensor(lengths)
    compiled = outputs_and_gradients(cell, x, h0, lengths, "compiled")
    linear = outputs_and_gradients(cell, x, h0, lengths, "linear")
    for a, b in zip(compiled, linear):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-12)


@pytest.mark.parametrize("kind", KINDS)
def test_compiled_in_batch_slices_equals_one_slice(kernels, kind):
    cell = saturating(kind, 3, 11)
    x, h0 = torch.randn(6, 7, 3, dtype=torch.float64), torch.randn(7, 11, dtype=torch.float64)
    whole = outputs_and_gradients(cell, x, h0, None, "compiled")
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    kernels.set_min_slice_rows(1)
    try:
        sliced = outputs_and_gradients(cell, x, h0, None, "compiled")
    finally:
        kernels.set_min_slice_rows(kernels.default_min_slice_rows())
        torch.set_num_threads(threads)
    for a, b in zip(sliced, whole):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


@pytest.mark.parametrize("kind", KINDS)
def test_compiled_gradcheck_float64(kernels, kind):
    cell = saturating(kind, 3, 5)
    x = torch.randn(7, 3, 3, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(3, 5, dtype=torch.float64, requires_grad=True)

    def run(x, h0, *params):  # gradcheck perturbs the parameters themselves, in place
        out, (final,) = run_scan(cell, x, (h0,), torch.tensor([7, 3, 5]), method="compiled")
        return out, final

    assert torch.autograd.gradcheck(run, (x, h0, *cell.parameters()), atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize("kind", KINDS)
def test_compiled_float32_stays_close_over_a_long_sequence(kernels, kind):
    """T = 2000 with saturating gates in float32 (the fast exp): within 1e-4 of the float64 sequential form,
    outputs and the input's gradient."""
    cell = saturating(kind, 8, 8, torch.float32)
    x, h0 = torch.randn(2000, 2, 8), torch.zeros(2, 8)
    fast = outputs_and_gradients(cell, x, h0, None, "compiled")
    exact = outputs_and_gradients(cell.double(), x.double(), h0.double(), None, None)  # the sequential form
    for a, b in zip(fast[:3], exact[:3]):  # outputs, final state, the input's gradient
        assert (a.double() - b).abs().max() < 1e-4 * max(1.0, b.abs().max().item())


@pytest.mark.parametrize("kind", KINDS)
def test_auto_runs_the_compiled_method_where_it_serves(kernels, kind):
    cell = make_cell(kind, 3, 4)
    assert plan_run(cell, "auto", needs_grad=True).runner == "scan"
    assert default_method(cell, torch.device("cpu")) == "compiled"
    assert "bfloat16" in compiled_unsupported(cell.to(torch.bfloat16))
    assert default_method(cell, torch.device("cpu")) == "linear"  # bfloat16: the torch pass
    with pytest.raises(ValueError, match="method='compiled' cannot run this cell: .*bfloat16"):
        run_scan(cell, torch.randn(3, 2, 3, dtype=torch.bfloat16), cell.init_state(2, dtype=torch.bfloat16),
                 method="compiled")
