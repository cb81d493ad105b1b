"""minGRU and minLSTM: the sequential form, both scans and the NumPy oracle agree (outputs and gradients)."""
import numpy as np
import pytest
import torch

from rnnkit import reference
from rnnkit.cells import MinGRUCell, MinLSTMCell, make_cell
from rnnkit.engine import plan_run, run_fused, run_loop, run_scan
from rnnkit.engine.scan import scan_blocked, scan_log

T, B, I, H = 7, 3, 3, 4
CELLS = {"mingru": (MinGRUCell, reference.MinGRU), "minlstm": (MinLSTMCell, reference.MinLSTM)}
RUNNERS = {
    "loop": run_loop,
    "fused": run_fused,
    "scan-linear": lambda *a: run_scan(*a, method="linear"),
    "scan-heinsen": lambda *a: run_scan(*a, method="heinsen"),
}


def cell_and_reference(kind, seed=1):
    cell_cls, ref_cls = CELLS[kind]
    ref = ref_cls(I, H, seed=seed)
    ref.params["weight_ih"] *= 4  # gates and candidate far from 0: both branches of g, saturating gates
    cell = cell_cls(I, H).double()
    with torch.no_grad():
        for name, p in cell.named_parameters():
            p.copy_(torch.from_numpy(ref.params[name]))
    assert set(dict(cell.named_parameters())) == set(ref.params)
    return cell, ref


@pytest.mark.parametrize("runner", RUNNERS)
@pytest.mark.parametrize("lengths", [None, [7, 2, 5], [7, 0, 1]], ids=["full", "padded", "empty-row"])
@pytest.mark.parametrize("kind", CELLS)
def test_every_form_matches_numpy_reference(kind, lengths, runner):
    cell, ref = cell_and_reference(kind)
    rng = np.random.default_rng(7)
    x = rng.standard_normal((T, B, I))
    h0 = rng.standard_normal((B, H))  # of both signs: the scans keep h0 outside the logs
    lengths = None if lengths is None else np.array(lengths)
    d_out, d_final = rng.standard_normal((T, B, H)), rng.standard_normal((B, H))
    out_ref, (final_ref,), cache = ref.forward(x, (h0,), lengths)
    grads_ref, dx_ref, (dh0_ref,) = ref.backward(cache, d_out, (d_final,))

    xt, ht = torch.tensor(x, requires_grad=True), torch.tensor(h0, requires_grad=True)
    out, (final,) = RUNNERS[runner](cell, xt, (ht,), None if lengths is None else torch.tensor(lengths))
    loss = (out * torch.tensor(d_out)).sum() + (final * torch.tensor(d_final)).sum()
    params = dict(cell.named_parameters())
    dx, dh0, *dparams = torch.autograd.grad(loss, [xt, ht, *params.values()])

    np.testing.assert_allclose(out.detach().numpy(), out_ref, rtol=0, atol=1e-12)
    np.testing.assert_allclose(final.detach().numpy(), final_ref, rtol=0, atol=1e-12)
    np.testing.assert_allclose(dx.numpy(), dx_ref, rtol=0, atol=1e-10)
    np.testing.assert_allclose(dh0.numpy(), dh0_ref, rtol=0, atol=1e-10)
    for name, g in zip(params, dparams):
        np.testing.assert_allclose(g.numpy(), grads_ref[name], rtol=0, atol=1e-10, err_msg=name)


@pytest.mark.parametrize("kind", CELLS)
def test_numpy_reference_gradients_match_finite_differences(kind):
    _, ref = cell_and_reference(kind)
    rng = np.random.default_rng(3)
    errors = reference.check_gradients(ref, rng.standard_normal((5, 2, I)), rng.standard_normal((2, H)),
                                       lengths=np.array([5, 3]))
    assert max(errors.values()) <= 1e-6, errors


@pytest.mark.parametrize("method", ["linear", "heinsen"])
@pytest.mark.parametrize("kind", CELLS)
def test_scan_gradcheck_float64(kind, method):
    """Finite differences in float64 against the scan's gradients (the linear method's written out)."""
    torch.manual_seed(0)
    cell, _ = cell_and_reference(kind)
    x = torch.randn(T, B, I, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(B, H, dtype=torch.float64, requires_grad=True)
    lengths = torch.tensor([7, 3, 5])

    def run(x, h0, *params):  # gradcheck perturbs the parameters themselves, in place
        out, (final,) = run_scan(cell, x, (h0,), lengths, method=method)
        return out, final

    assert torch.autograd.gradcheck(run, (x, h0, *cell.parameters()), atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize("kind", CELLS)
def test_step_backward_matches_autograd(kind):
    cell, _ = cell_and_reference(kind)
    xp = 3 * torch.randn(B, cell.weight_ih.shape[0], dtype=torch.float64, requires_grad=True)
    h = torch.randn(B, H, dtype=torch.float64, requires_grad=True)
    (new,), cache = cell.step(xp, (h,))
    up = torch.randn_like(new)
    auto = torch.autograd.grad((new * up).sum(), [xp, h])
    with torch.no_grad():
        dxp, (dh,), dparams = cell.step_backward(cache, (up,))
    torch.testing.assert_close(dxp, auto[0], rtol=0, atol=1e-12)
    torch.testing.assert_close(dh, auto[1], rtol=0, atol=1e-12)
    assert dparams == {}  # no recurrent parameters


@pytest.mark.parametrize("kind", CELLS)
def test_heinsen_chunks_carry_the_state_exactly(kind):
    """Chunks of 3 over 10 steps (the last one padded) give the one-pass recurrence's h."""
    cell, _ = cell_and_reference(kind)
    xp = cell.project_input(torch.randn(10, B, I, dtype=torch.float64))
    h0 = torch.randn(B, H, dtype=torch.float64)
    expected = scan_blocked(cell, xp, h0)
    for chunk in (1, 3, 4, 10, 64):
        torch.testing.assert_close(scan_log(*cell.log_coefficients(xp), h0, chunk), expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("method", ["linear", "heinsen"])
@pytest.mark.parametrize("kind", CELLS)
def test_float32_scan_stays_close_over_a_long_sequence(kind, method):
    """T = 2000 with saturating gates in float32: within 1e-4 of the float64 sequential form."""
    torch.manual_seed(0)
    cell = make_cell(kind, 8, 8)
    with torch.no_grad():
        cell.weight_ih.mul_(4)
    x = torch.randn(2000, 2, 8)
    with torch.no_grad():
        out, _ = run_scan(cell, x, cell.init_state(2), method=method)
        exact, _ = run_loop(cell.double(), x.double(), cell.init_state(2))
    assert (out.double() - exact).abs().max() < 1e-4


@pytest.mark.parametrize("kind", CELLS)
def test_one_step_is_the_sequential_step(kind):
    cell, _ = cell_and_reference(kind)
    x, h0 = torch.randn(1, B, I, dtype=torch.float64), torch.randn(B, H, dtype=torch.float64)
    out, (final,) = run_scan(cell, x, (h0,))
    torch.testing.assert_close(final, cell.step(cell.project_input(x[0]), (h0,))[0][0], rtol=0, atol=0)
    torch.testing.assert_close(out[0], final, rtol=0, atol=0)


@pytest.mark.parametrize("kind", CELLS)
def test_auto_picks_the_scan_and_says_why(kind):
    cell = make_cell(kind, I, H)
    plan = plan_run(cell, "auto", needs_grad=True, padded=True)
    assert plan.runner == "scan" and "h(t-1)" in plan.reason
    assert plan_run(make_cell("gru", I, H), "auto").runner != "scan"
