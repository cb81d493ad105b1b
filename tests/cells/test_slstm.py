"""sLSTM: the hand-derived step gradient against autograd, the runners against each other and against the
NumPy oracle (float64, with finite differences), options, parameter counts."""
import numpy as np
import pytest
import torch

from rnnkit import reference
from rnnkit.cells import SLSTMCell, make_cell
from rnnkit.engine import Masks, run_fused, run_loop, run_sequence
from rnnkit.engine.masks import zoneout as apply_zoneout, zoneout_at, zoneout_backward
from rnnkit.layers import Recurrent
from rnnkit.reference.gradcheck import check_gradients
from testkit.reference_check import assert_runner_matches_reference, perturbed

T, B, I = 5, 3, 3
CONFIGS = [dict(num_heads=1), dict(num_heads=2), dict(num_heads=4, forget_gate="exp")]


def random_state(B, H, generator, fresh_rows=()):
    """(h, c, n, m) with n > 0; rows in `fresh_rows` are the zero state (nothing stored yet)."""
    h, c, m = (torch.randn(B, H, dtype=torch.float64, generator=generator) for _ in range(3))
    n = torch.rand(B, H, dtype=torch.float64, generator=generator) + 0.5
    for r in fresh_rows:
        h[r], c[r], n[r], m[r] = 0, 0, 0, 0
    return h, c, n, m


@pytest.mark.parametrize("options", CONFIGS, ids=str)
@pytest.mark.parametrize("extras", [{}, {"zoneout": 0.3, "weight_drop": 0.4}], ids=["plain", "zoneout-weightdrop"])
def test_step_backward_matches_autograd(options, extras):
    generator = torch.Generator().manual_seed(1)
    cell = perturbed(SLSTMCell(I, 8, **options, **extras).double()).train()
    xp = torch.randn(B, 32, dtype=torch.float64, generator=generator, requires_grad=True)
    state = tuple(s.requires_grad_() for s in random_state(B, 8, generator, fresh_rows=(1,)))
    rec_mask = (torch.rand(B, 8, dtype=torch.float64, generator=generator) > 0.3).double() / 0.7
    zoneout = cell.sample_zoneout(1, B, xp, generator=generator)
    weight_mask = cell.sample_weight_mask(xp, generator=generator)
    weight_hh = cell.weight_hh if weight_mask is None else (cell.weight_hh * weight_mask).detach().requires_grad_()
    d = zoneout_at(zoneout, 0)
    new, cache = cell.step(xp, state, rec_mask, weight_hh)
    new = apply_zoneout(new, state, d)
    grad_new = tuple(torch.randn(n.shape, dtype=n.dtype, generator=generator) for n in new)
    loss = sum((n * g).sum() for n, g in zip(new, grad_new))
    expected = torch.autograd.grad(loss, [xp, *state, weight_hh])
    with torch.no_grad():
        dxp, grad_prev, grads = zoneout_backward(cell.step_backward, cache, grad_new, d)
    assert set(grads) == {"weight_hh"}
    for got, want in zip((dxp, *grad_prev, grads["weight_hh"]), expected):
        torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-12)


def test_zero_state_starts_as_the_xlstm_kernels_do():
    """From the zero state m_1 = ĩ_1, n_1 = 1 and h_1 = o_1 tanh(z̃_1); afterwards n_t >= 1."""
    cell = perturbed(SLSTMCell(I, 4).double())
    xp = 3 * torch.randn(B, 16, dtype=torch.float64)
    (h, c, n, m), _ = cell.step(xp, cell.init_state(B))
    a_i, _, a_z, a_o = xp.chunk(4, 1)
    torch.testing.assert_close(m, a_i)
    torch.testing.assert_close(n, torch.ones_like(n))
    torch.testing.assert_close(h, torch.sigmoid(a_o) * torch.tanh(a_z))
    state = (h, c, n, m)
    for _ in range(20):
        state, _ = cell.step(5 * torch.randn(B, 16, dtype=torch.float64), state)
        assert (state[2] >= 1 - 1e-12).all()


def copy_reference_weights(cell, ref):
    with torch.no_grad():
        for name, p in cell.named_parameters():
            p.copy_(torch.from_numpy(ref.params[name]))
    assert set(dict(cell.named_parameters())) == set(ref.params)


@pytest.mark.parametrize("runner", [run_loop, run_fused], ids=["autograd-loop", "fused-bptt"])
@pytest.mark.parametrize("with_lengths", [False, True])
@pytest.mark.parametrize("zero_state", [False, True])
@pytest.mark.parametrize("options", CONFIGS, ids=str)
def test_runners_match_numpy_reference(options, zero_state, with_lengths, runner):
    H = 8
    ref = reference.SLSTM(I, H, seed=1, **options)
    cell = SLSTMCell(I, H, **options).double()
    copy_reference_weights(cell, ref)
    rng = np.random.default_rng(7)
    x = 2 * rng.standard_normal((T, B, I))
    state0 = tuple(s.numpy() for s in random_state(B, H, torch.Generator().manual_seed(2), fresh_rows=(0,)))
    if zero_state:
        state0 = ref.zero_state(B)
    lengths = np.array([5, 2, 4]) if with_lengths else None
    assert_runner_matches_reference(runner, cell, ref, x, state0, lengths, rng)


@pytest.mark.parametrize("options", CONFIGS, ids=str)
def test_reference_bptt_matches_finite_differences(options):
    ref = reference.SLSTM(3, 4, seed=3, **options)
    rng = np.random.default_rng(0)
    x = 2 * rng.standard_normal((4, 2, 3))
    state0 = tuple(s.numpy() for s in random_state(2, 4, torch.Generator().manual_seed(4)))
    errors = check_gradients(ref, x, state0, lengths=np.array([4, 3]))
    assert max(errors.values()) <= 1e-6, errors


def test_fused_gradcheck_float64():
    cell = perturbed(SLSTMCell(2, 4, num_heads=2).double())
    generator = torch.Generator().manual_seed(5)
    x = torch.randn(3, 2, 2, dtype=torch.float64, generator=generator, requires_grad=True)
    state = tuple(s.requires_grad_() for s in random_state(2, 4, generator))

    def run(x, *state):
        out, final = run_fused(cell, x, state, torch.tensor([3, 2]))
        return out, *final

    assert torch.autograd.gradcheck(run, (x, *state), eps=1e-6, atol=1e-6)


def test_recurrent_layer_runs_slstm_with_dropout_masks_and_padding():
    torch.manual_seed(0)
    layer = Recurrent("slstm", 3, 8, num_layers=2, bidirectional=True, num_heads=2, return_sequences=False,
                      recurrent_dropout=0.2, dropout=0.1).double()
    x = torch.randn(4, 6, 3, dtype=torch.float64)
    lengths = torch.tensor([6, 3, 1, 5])
    assert layer(x, lengths).shape == (4, 16)
    layer.eval()  # a padded batch gives what each sequence gives alone
    padded = layer(x, lengths)
    for b in range(4):
        alone = layer(x[b : b + 1, : int(lengths[b])])
        torch.testing.assert_close(padded[b : b + 1], alone)
    assert layer.plan(x.requires_grad_()).runner == "fused"


def test_fused_equals_loop_with_every_mask():
    cell = perturbed(SLSTMCell(I, 8, num_heads=4, zoneout=0.2, weight_drop=0.3).double()).train()
    x = torch.randn(T, B, I, dtype=torch.float64, requires_grad=True)
    generator = torch.Generator().manual_seed(3)
    masks = Masks(recurrent=(torch.rand(B, 8, generator=generator) > 0.3).double() / 0.7,
                  zoneout=cell.sample_zoneout(T, B, x, generator=generator), weight=cell.sample_weight_mask(x, generator=generator))
    results = []
    for fast in ("loop", "fused"):
        out, final = run_sequence(cell, x, cell.init_state(B, dtype=torch.float64), torch.tensor([5, 2, 4]), masks, fast)
        loss = (out * out.detach().cos()).sum() + sum((f * f).sum() for f in final)
        results.append((out, *torch.autograd.grad(loss, [x, *cell.parameters()])))
    for a, b in zip(*results):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)


def test_parameter_count_by_hand():
    """4H*I input weights, 4 (d, d) blocks per head, one bias per gate: H=256, 4 heads on 128 inputs."""
    layer = Recurrent("slstm", 128, 256, num_heads=4)
    assert sum(p.numel() for p in layer.parameters()) == 4 * 256 * 128 + 4 * 4 * 64 * 64 + 4 * 256 == 197_632
    assert SLSTMCell(128, 256).weight_hh.shape == (1024, 256)


@pytest.mark.parametrize("options, match", [
    ({"peephole": True}, "option peephole=True makes no sense for the slstm cell"),
    ({"num_heads": 3}, "hidden_size 8 must be divisible by num_heads"),
    ({"forget_gate": "tanh"}, "forget_gate must be one of"),
    ({"zoneout": 1.0}, "zoneout must be a float in"),
])
def test_bad_options_raise_one_line(options, match):
    with pytest.raises(ValueError, match=match):
        make_cell("slstm", 3, 8, **options)


def test_repr_shows_only_what_differs():
    assert repr(SLSTMCell(3, 8, num_heads=2)) == "SLSTMCell(3, 8, num_heads=2)"
