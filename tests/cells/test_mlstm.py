"""mLSTM: the step gradient against autograd; the recurrent, parallel and chunkwise forms against each
other and against the NumPy oracle (float64, finite differences); the layer's interface; options, counts."""
import numpy as np
import pytest
import torch

from rnnkit import reference
from rnnkit.cells import MLSTMCell, make_cell
from rnnkit.engine import run_fused, run_loop
from rnnkit.engine.mlstm_forms import run_mlstm
from rnnkit.layers import MLSTM, Recurrent
from rnnkit.reference.gradcheck import check_gradients
from testkit.reference_check import perturbed

T, B, I, H = 7, 3, 3, 8
CONFIGS = [dict(num_heads=1), dict(num_heads=2), dict(num_heads=4, forget_gate="exp")]


def random_state(cell, B, generator, fresh_rows=()):
    state = [torch.randn(B, s, dtype=torch.float64, generator=generator) for s in cell.state_sizes]
    for r in fresh_rows:
        for s in state:
            s[r] = 0
    return tuple(state)


@pytest.mark.parametrize("options", CONFIGS, ids=str)
def test_step_backward_matches_autograd(options):
    generator = torch.Generator().manual_seed(1)
    cell = perturbed(MLSTMCell(I, H, **options).double())
    xp = torch.randn(B, cell.weight_ih.shape[0], dtype=torch.float64, generator=generator, requires_grad=True)
    state = tuple(s.requires_grad_() for s in random_state(cell, B, generator, fresh_rows=(1,)))
    new, cache = cell.step(xp, state)
    grad_new = tuple(torch.randn(n.shape, dtype=n.dtype, generator=generator) for n in new)
    expected = torch.autograd.grad(sum((n * g).sum() for n, g in zip(new, grad_new)), [xp, *state], allow_unused=True)
    with torch.no_grad():
        dxp, grad_prev, grads = cell.step_backward(cache, grad_new)
    assert grads == {} and expected[1] is None  # h_{t-1} is read by nothing
    torch.testing.assert_close(dxp, expected[0], rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(grad_prev[0], torch.zeros_like(grad_prev[0]))
    for got, want in zip(grad_prev[1:], expected[2:]):
        torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-12)


def run_form(cell, form, x, state, lengths):
    if form == "loop":
        return run_loop(cell, x, state, lengths)
    if form == "fused":
        return run_fused(cell, x, state, lengths)
    return run_mlstm(cell, x, state, lengths, form, chunk_size=3)


@pytest.mark.parametrize("form", ["loop", "fused", "parallel", "chunkwise"])
@pytest.mark.parametrize("with_lengths", [False, True])
@pytest.mark.parametrize("zero_state", [False, True])
@pytest.mark.parametrize("options", CONFIGS, ids=str)
def test_every_form_matches_numpy_reference(options, zero_state, with_lengths, form):
    ref = reference.MLSTM(I, H, seed=1, **options)
    cell = MLSTMCell(I, H, **options).double()
    with torch.no_grad():
        for name, p in cell.named_parameters():
            if p.numel():
                p.copy_(torch.from_numpy(ref.params[name]))
    rng = np.random.default_rng(7)
    x = rng.standard_normal((T, B, I))
    state0 = ref.zero_state(B) if zero_state else tuple(
        s.numpy() for s in random_state(cell, B, torch.Generator().manual_seed(2), fresh_rows=(0,)))
    lengths = np.array([7, 2, 5]) if with_lengths else None
    d_out = rng.standard_normal((T, B, H))
    d_final = tuple(rng.standard_normal((B, s)) for s in ref.state_sizes())
    out_ref, final_ref, cache = ref.forward(x, state0, lengths)
    grads_ref, dx_ref, dstate_ref = ref.backward(cache, d_out, d_final)

    xt = torch.tensor(x, requires_grad=True)
    st = tuple(torch.tensor(s, requires_grad=True) for s in state0)
    out, final = run_form(cell, form, xt, st, None if lengths is None else torch.tensor(lengths))
    loss = (out * torch.tensor(d_out)).sum() + sum((f * torch.tensor(d)).sum() for f, d in zip(final, d_final))
    params = {name: p for name, p in cell.named_parameters() if p.numel()}
    grads = torch.autograd.grad(loss, [xt, *st, *params.values()], allow_unused=True)
    np.testing.assert_allclose(out.detach().numpy(), out_ref, atol=1e-12)
    for f, fr in zip(final, final_ref):
        np.testing.assert_allclose(f.detach().numpy(), fr, atol=1e-12)
    np.testing.assert_allclose(grads[0].numpy(), dx_ref, atol=1e-10)
    for g, gr in zip(grads[1:5], dstate_ref):
        np.testing.assert_allclose(np.zeros_like(gr) if g is None else g.numpy(), gr, atol=1e-10)
    for name, g in zip(params, grads[5:]):
        np.testing.assert_allclose(g.numpy(), grads_ref[name], atol=1e-10, err_msg=name)


@pytest.mark.parametrize("options", CONFIGS, ids=str)
def test_reference_bptt_matches_finite_differences(options):
    ref = reference.MLSTM(3, 4, seed=3, **options)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 2, 3))
    state0 = tuple(rng.standard_normal((2, s)) for s in ref.state_sizes())
    errors = check_gradients(ref, x, state0, lengths=np.array([4, 3]))
    assert max(errors.values()) <= 1e-6, errors


def test_parallel_form_gradcheck_float64():
    cell = perturbed(MLSTMCell(2, 4, num_heads=2).double())
    generator = torch.Generator().manual_seed(5)
    x = torch.randn(5, 2, 2, dtype=torch.float64, generator=generator, requires_grad=True)
    state = tuple(s.requires_grad_() for s in random_state(cell, 2, generator))

    def run(x, *state):
        out, final = run_mlstm(cell, x, state, torch.tensor([5, 3]), "chunkwise", chunk_size=2)
        return out, *final

    assert torch.autograd.gradcheck(run, (x, *state), eps=1e-6, atol=1e-6)


@pytest.mark.parametrize("form", ["parallel", "chunkwise", "recurrent"])
def test_layer_forms_agree_on_a_masked_bidirectional_stack(form):
    torch.manual_seed(0)
    x = torch.randn(4, 9, 3, dtype=torch.float64)
    mask = torch.ones(4, 9, dtype=torch.bool)
    mask[1, 5:] = False
    mask[2, :3] = False  # padding at the start: run compacted
    layers = {}
    for f in ("recurrent", form):
        torch.manual_seed(1)
        layers[f] = perturbed(MLSTM(3, 8, 2, num_heads=2, bidirectional=True, return_state=True, form=f,
                                    chunk_size=4)).double()
    want, want_state = layers["recurrent"](x, mask=mask)
    got, got_state = layers[form](x, mask=mask)
    torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-12)
    for a, b in zip(got_state, want_state):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)
    alone = layers[form](x[1:2, :5])[0]
    torch.testing.assert_close(got[1:2, :5], alone)  # padding changes nothing


@pytest.mark.parametrize("form", ["parallel", "chunkwise"])
def test_a_row_that_is_all_padding_outputs_zeros_and_keeps_its_state_in_every_form(form):
    # rows with no step reach the layer's runs as length 0 (the engine's keeping_empty_rows), not clamped
    torch.manual_seed(0)
    x = torch.randn(3, 6, 3, dtype=torch.float64)
    mask = torch.ones(3, 6, dtype=torch.bool)
    mask[1] = False
    mask[2, 4:] = False
    layers = {}
    for f in ("recurrent", form):
        torch.manual_seed(1)
        layers[f] = perturbed(MLSTM(3, 8, num_heads=2, return_state=True, form=f, chunk_size=4)).double()
    got, got_state = layers[form](x, mask=mask)
    want, want_state = layers["recurrent"](x, mask=mask)
    assert torch.all(got[1] == 0)
    torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-12)
    for a, b in zip(got_state, want_state):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)
        assert torch.all(a[:, 1] == 0)  # the zero initial state, kept


def test_generation_continues_the_parallel_forms_state():
    """Prompt in parallel, then one recurrent step per new token: the same as the whole sequence at once."""
    torch.manual_seed(0)
    layer = perturbed(MLSTM(3, 8, num_heads=2, return_state=True)).double()
    x = torch.randn(2, 10, 3, dtype=torch.float64)
    whole, _ = layer(x)
    _, state = layer(x[:, :6])
    cell = layer.cells[0]
    steps = []
    state = tuple(s[0] for s in state)
    for t in range(6, 10):
        state, _ = cell.step(cell.project_input(x[:, t]), state)
        steps.append(state[0])
    torch.testing.assert_close(torch.stack(steps, 1), whole[:, 6:], rtol=1e-10, atol=1e-12)


def test_recurrent_layer_serves_the_cell_through_the_fused_runner():
    layer = Recurrent("mlstm", 3, 8, num_heads=2, return_sequences=False)
    x = torch.randn(2, 5, 3, requires_grad=True)
    assert layer.plan(x).runner == "fused" and layer(x).shape == (2, 8)
    assert MLSTM(3, 8).plan(x).runner == "parallel"


def test_parameter_count_by_hand():
    """q, k, v, o: 4H rows; ĩ, f̃: one row per head; one bias each; no recurrent matrix: H=256, 4 heads, 128 inputs."""
    layer = MLSTM(128, 256, num_heads=4)
    assert sum(p.numel() for p in layer.parameters()) == (4 * 256 + 2 * 4) * (128 + 1) == 133_128


@pytest.mark.parametrize("make, match", [
    (lambda: make_cell("mlstm", 3, 8, peephole=True), "option peephole=True makes no sense for the mlstm cell"),
    (lambda: make_cell("mlstm", 3, 8, zoneout=0.1), "option zoneout=0.1 makes no sense for the mlstm cell"),
    (lambda: MLSTM(3, 8, recurrent_dropout=0.2), "option recurrent_dropout=0.2 makes no sense for the mlstm layer"),
    (lambda: MLSTM(3, 8, tbptt=5), "option tbptt=5 makes no sense for the mlstm layer"),
    (lambda: MLSTM(3, 8, form="scan"), "form must be one of"),
    (lambda: make_cell("mlstm", 3, 8, num_heads=3), "hidden_size 8 must be divisible by num_heads"),
])
def test_bad_options_raise_one_line(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_recurrent_dropout_through_recurrent_is_refused_when_built():
    with pytest.raises(ValueError, match="recurrent_dropout makes no sense for cell 'mlstm'"):
        Recurrent("mlstm", 3, 8, recurrent_dropout=0.3)
    cell = make_cell("mlstm", 3, 8)
    with pytest.raises(ValueError, match="recurrent_dropout makes no sense for the mlstm cell"):
        cell.step(torch.zeros(2, cell.weight_ih.shape[0]), cell.init_state(2), torch.ones(2, 8))


def test_every_parameter_gets_a_gradient_and_old_weights_with_an_empty_weight_hh_load():
    """No recurrent matrix is registered (weight_hh None): a parameter nothing reads would get no gradient
    (and DDP refuses those). Weights saved when it was an empty (0, H) parameter still load."""
    torch.manual_seed(0)
    layer = MLSTM(3, 8, 2, num_heads=2, bidirectional=True)
    layer(torch.randn(2, 5, 3), lengths=torch.tensor([5, 3]))[0].square().sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in layer.parameters())
    assert not any(name.endswith("weight_hh") for name in layer.state_dict())
    old = {**layer.state_dict(), **{f"cells.{i}.weight_hh": torch.empty(0, 8) for i in range(4)}}
    again = MLSTM(3, 8, 2, num_heads=2, bidirectional=True)
    again.load_state_dict(old)
    torch.testing.assert_close(again.state_dict(), layer.state_dict())


def test_config_round_trip_and_repr():
    layer = MLSTM(3, 8, num_heads=2, form="chunkwise", chunk_size=16)
    again = MLSTM(**layer.get_config())
    assert again.get_config() == layer.get_config()
    assert "form='chunkwise'" in repr(layer) and "chunk_size=16" in repr(layer)


@pytest.mark.parametrize("form", ["parallel", "chunkwise"])
def test_layer_without_returned_state_skips_it_and_gives_the_same_outputs(form):
    torch.manual_seed(0)
    x = torch.randn(3, 9, 3, dtype=torch.float64)
    lengths = torch.tensor([9, 4, 6])
    with_state = perturbed(MLSTM(3, 8, 2, num_heads=2, form=form, chunk_size=4, return_state=True)).double()
    without = MLSTM(3, 8, 2, num_heads=2, form=form, chunk_size=4, return_sequences=False).double()
    without.load_state_dict(with_state.state_dict())
    out, state = with_state(x, lengths)
    torch.testing.assert_close(without(x, lengths), state[0][-1])  # the top layer's h at each length
    torch.testing.assert_close(out[torch.arange(3), lengths - 1], state[0][-1])
