"""Each cell's hand-written step_backward (with every option) against autograd through its step."""
import pytest
import torch

from testkit.cell_configs import CONFIGS, config_id
from rnnkit.cells import LSTMCell, make_cell
from rnnkit.cells.norm import layer_norm, layer_norm_backward
from rnnkit.engine.masks import zoneout, zoneout_at, zoneout_backward

B, I, H = 3, 4, 5


def random_step_inputs(cell, generator):
    cell.train()
    xp = torch.randn(B, cell.weight_ih.shape[0], dtype=torch.float64, generator=generator, requires_grad=True)
    state = tuple(torch.randn(B, s, dtype=torch.float64, generator=generator, requires_grad=True) for s in cell.state_sizes)
    rec_mask = (torch.rand(B, cell.weight_hh.shape[1], dtype=torch.float64, generator=generator) > 0.3).double() / 0.7
    d = zoneout_at(cell.sample_zoneout(1, B, xp, generator=generator), 0)
    weight_mask = cell.sample_weight_mask(xp, generator=generator)
    weight_hh = cell.weight_hh if weight_mask is None else (cell.weight_hh * weight_mask).detach().requires_grad_()
    return xp, state, rec_mask, weight_hh, d


@pytest.mark.parametrize("config", CONFIGS, ids=config_id)
@pytest.mark.parametrize("with_mask", [False, True])
def test_step_backward_matches_autograd(config, with_mask):
    kind, options = config
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(1)
    cell = make_cell(kind, I, H, **options).double()
    with torch.no_grad():  # move off the initial values (unit gains, zero biases) so every term matters
        for p in cell.parameters():
            p.add_(0.3 * torch.randn(p.shape, dtype=p.dtype, generator=generator))
    xp, state, rec_mask, weight_hh, d = random_step_inputs(cell, generator)
    rec_mask = rec_mask if with_mask else None
    new, cache = cell.step(xp, state, rec_mask, weight_hh)
    new = zoneout(new, state, d)  # as the runners apply it: its backward is checked here too
    grad_new = tuple(torch.randn(n.shape, dtype=n.dtype, generator=generator) for n in new)
    loss = sum((n * g).sum() for n, g in zip(new, grad_new))
    recurrent = {name: p for name, p in cell.named_parameters() if name not in ("weight_ih", "bias", "ln_ih_gain")}
    recurrent["weight_hh"] = weight_hh  # the gradient is with respect to the matrix passed in
    names = list(recurrent)
    expected = torch.autograd.grad(loss, [xp, *state, *recurrent.values()], allow_unused=True)
    with torch.no_grad():
        dxp, grad_prev, grads = zoneout_backward(cell.step_backward, cache, grad_new, d)
    torch.testing.assert_close(dxp, expected[0], rtol=1e-10, atol=1e-12)
    for got, want in zip(grad_prev, expected[1:1 + len(state)]):
        torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-12)
    for name, want in zip(names, expected[1 + len(state):]):
        if want is None:
            assert name not in grads
        else:
            torch.testing.assert_close(grads[name], want, rtol=1e-10, atol=1e-12, msg=name)


def test_layer_norm_backward_matches_autograd():
    a = torch.randn(4, 7, dtype=torch.float64, requires_grad=True)
    g = torch.randn(4, 7, dtype=torch.float64)
    a_hat, inv = layer_norm(a)
    expected, = torch.autograd.grad((a_hat * g).sum(), a)
    torch.testing.assert_close(layer_norm_backward(g, a_hat.detach(), inv.detach()), expected)
    torch.testing.assert_close(a_hat, torch.nn.functional.layer_norm(a, (7,), eps=1e-5))


def test_cell_clip_bounds_the_cell_state():
    torch.manual_seed(0)
    cell = LSTMCell(3, 6, cell_clip=0.1).double()
    xp = 5 * torch.randn(4, 24, dtype=torch.float64)
    (h, c), _ = cell.step(xp, cell.init_state(4))
    assert c.abs().max() <= 0.1 and (c.abs() == 0.1).any()


def test_zoneout_eval_is_the_expectation():
    torch.manual_seed(0)
    cell = make_cell("gru", 3, 4, zoneout=0.25).double().eval()
    xp = torch.randn(2, 12, dtype=torch.float64)
    state = (torch.randn(2, 4, dtype=torch.float64),)
    mask = cell.sample_zoneout(1, 2, xp)
    (h_tilde,), _ = cell.step(xp, state)
    (h,) = zoneout((h_tilde,), state, tuple(m[0] for m in mask))
    torch.testing.assert_close(h, 0.25 * state[0] + 0.75 * h_tilde)


def test_zoneout_training_masks_are_fresh_bernoulli_per_step_and_unit():
    cell = make_cell("lstm", 3, 50, zoneout_h=0.3).train()
    masks = cell.sample_zoneout(20, 10, cell.weight_ih)
    assert masks[1] is None and set(masks[0].unique().tolist()) == {0.0, 1.0}
    assert abs(masks[0].mean().item() - 0.3) < 0.02
    assert not torch.equal(masks[0][0], masks[0][1])


def test_weight_drop_only_in_training():
    cell = make_cell("lstm", 3, 8, weight_drop=0.5)
    mask = cell.train().sample_weight_mask()
    assert mask.shape == cell.weight_hh.shape and set(mask.unique().tolist()) == {0.0, 2.0}
    assert cell.eval().sample_weight_mask() is None


@pytest.mark.parametrize("kind, options", [("lstm", {"zoneout": 1.0}), ("lstm", {"cell_clip": -1.0}),
                                           ("gru", {"layer_norm": True, "reset_after": False}),
                                           ("rnn", {"weight_drop": 1.5})])
def test_bad_options_raise(kind, options):
    with pytest.raises(ValueError, match=next(iter(options)) if "layer_norm" not in options else "layer_norm"):
        make_cell(kind, 3, 4, **options)
