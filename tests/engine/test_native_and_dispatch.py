"""Native torch dispatch (== fused, == torch.nn), the `fast` switch, and long-sequence chunking."""
import pytest
import torch
from torch import nn

from rnnkit.cells import make_cell
from rnnkit.cells.base import RecurrentCell
from rnnkit.engine import NATIVE_STACK, Masks, compiled, needs_grad, plan_run, run_sequence
from rnnkit.engine.chunked import run_long_sequence
from rnnkit.io.torch_interop import recurrent_from_torch
from rnnkit.layers import Recurrent

VANILLA = [("lstm", {}), ("lstm", {"proj_size": 3}), ("gru", {}), ("rnn", {}), ("rnn", {"activation": "relu"})]


def loss_and_grads(layer, x, lengths, initial):
    out, state = layer(x, lengths, initial_state=initial)
    loss = (out * torch.linspace(-1, 1, out.shape[-1], dtype=out.dtype)).sum() + state[-1].pow(2).sum()
    grads = torch.autograd.grad(loss, [x, *initial, *layer.parameters()])
    return out, state, grads


@pytest.mark.parametrize("kind, options", VANILLA)
@pytest.mark.parametrize("num_layers, bidirectional", [(1, False), (2, True)])
def test_native_equals_fused(kind, options, num_layers, bidirectional):
    torch.manual_seed(0)
    native = Recurrent(kind, 4, 5, num_layers, bidirectional=bidirectional, return_state=True, fast="native", **options)
    fused = Recurrent(kind, 4, 5, num_layers, bidirectional=bidirectional, return_state=True, fast="fused", **options)
    native, fused = native.double(), fused.double()
    fused.load_state_dict(native.state_dict())
    x = torch.randn(3, 6, 4, dtype=torch.float64, requires_grad=True)
    lengths = torch.tensor([6, 2, 5])
    D = 2 if bidirectional else 1
    initial = tuple(torch.randn(num_layers * D, 3, s, dtype=torch.float64, requires_grad=True) for s in native.state_sizes)
    assert native.plan(x, lengths).runner == NATIVE_STACK
    a, b = loss_and_grads(native, x, lengths, initial), loss_and_grads(fused, x, lengths, initial)
    torch.testing.assert_close(a[0], b[0])
    for p, q in zip(a[1], b[1]):
        torch.testing.assert_close(p, q)
    for p, q in zip(a[2], b[2]):
        torch.testing.assert_close(p, q)


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
def test_native_single_cell_with_empty_rows_equals_fused(kind):
    torch.manual_seed(0)
    cell = make_cell(kind, 3, 4).double()
    x = torch.randn(4, 3, 3, dtype=torch.float64)
    state = tuple(torch.randn(3, s, dtype=torch.float64) for s in cell.state_sizes)
    lengths = torch.tensor([0, 2, 4])  # a row with no step (inside a chunked run) keeps its state
    a, b = run_sequence(cell, x, state, lengths, fast="native"), run_sequence(cell, x, state, lengths, fast="fused")
    torch.testing.assert_close(a[0], b[0])
    for p, q in zip(a[1], b[1]):
        torch.testing.assert_close(p, q)


def test_auto_matches_torch_nn_lstm():
    torch.manual_seed(0)
    torch_lstm = nn.LSTM(4, 6, 2, bidirectional=True)
    layer = recurrent_from_torch(torch_lstm, return_state=True)
    x = torch.randn(5, 3, 4)  # time-major, as the torch module
    expected, (h, c) = torch_lstm(x)
    out, state = layer(x)
    torch.testing.assert_close(out, expected)
    torch.testing.assert_close(state[0], h)
    torch.testing.assert_close(state[1], c)


@pytest.mark.parametrize("kind, options", VANILLA)
def test_auto_picks_native_for_vanilla(kind, options):
    cell = make_cell(kind, 3, 4, **options)
    # Measured (benchmarks/RESULTS.md): native LSTM inference is the fastest unpadded LSTM inference; the
    # compiled kernels beat native LSTM training, torch's unfused GRU/RNN, and its packed sequences
    # whenever a batch has padding.
    def expected(cell, padded=False, needs_grad=False):
        served = compiled.supports(cell)
        return "native" if not served or (kind == "lstm" and not padded and not needs_grad) else "compiled"

    dropless = make_cell(kind, 3, 4, weight_drop=0.5, **options).eval()  # weight drop is off in eval
    for c in (cell, dropless):
        for padded in (False, True):
            for needs_grad in (False, True):
                assert plan_run(c, "auto", padded=padded, needs_grad=needs_grad).runner == expected(c, padded, needs_grad)


def test_needs_grad_follows_grad_mode_inputs_and_weights():
    cell = make_cell("lstm", 3, 4)
    x = torch.randn(2, 5, 3)
    assert needs_grad(cell, x)
    with torch.no_grad():
        assert not needs_grad(cell, x)
    cell.requires_grad_(False)
    assert not needs_grad(cell, x)
    assert needs_grad(cell, x.requires_grad_())


def test_lstm_layer_trains_on_the_compiled_kernels_and_infers_natively(monkeypatch):
    layer = Recurrent("lstm", 3, 4, num_layers=2, bidirectional=True)
    if not compiled.supports(layer.cells[0]):
        pytest.skip("the compiled kernels are not available here")
    x = torch.randn(2, 5, 3)
    calls = []
    real = Recurrent._forward_native
    monkeypatch.setattr(Recurrent, "_forward_native", lambda self, *a: calls.append("native") or real(self, *a))
    layer(x).sum().backward()  # training: per layer and direction through run_sequence -> compiled
    assert calls == [] and layer.cells[0].weight_hh.grad is not None
    with torch.no_grad():
        layer(x)
    assert calls == ["native"]


@pytest.mark.parametrize("kind, options", [("lstm", {"peephole": True}), ("lstm", {"layer_norm": True}),
                                           ("lstm", {"cell_clip": 1.0}), ("lstm", {"zoneout": 0.1}),
                                           ("gru", {"layer_norm": True}), ("gru", {"reset_after": False}),
                                           ("rnn", {"zoneout": 0.2}), ("lstm", {"weight_drop": 0.3})])
def test_auto_picks_fused_or_compiled_for_variants_and_native_refuses(kind, options):
    cell = make_cell(kind, 3, 4, **options).train()
    masks = Masks(weight=cell.sample_weight_mask()) if "weight_drop" in options else Masks()
    assert plan_run(cell, "auto", masks).runner in ("fused", "compiled")
    with pytest.raises(ValueError, match="native"):
        plan_run(cell, "native", masks)


def test_recurrent_dropout_is_not_native():
    cell = make_cell("lstm", 3, 4)
    mask = torch.ones(2, 4)
    assert plan_run(cell, "auto", Masks(recurrent=mask)).runner in ("fused", "compiled")
    with pytest.raises(ValueError, match="recurrent dropout"):
        plan_run(cell, "native", Masks(recurrent=mask))
    layer = Recurrent("lstm", 3, 4, recurrent_dropout=0.5, fast="native").train()
    with pytest.raises(ValueError, match="recurrent dropout"):
        layer(torch.randn(2, 3, 3))


def test_compiled_choice_refuses_what_it_cannot_run():
    cell = make_cell("lstm", 3, 4, cell_clip=1.0)  # not in the compiled kernels
    with pytest.raises(ValueError, match="compiled.*cell_clip"):
        plan_run(cell, "compiled")


def test_unknown_fast_raises():
    with pytest.raises(ValueError, match="fast"):
        Recurrent("lstm", 3, 4, fast="cudnn")


@pytest.mark.parametrize("fast", ["fused", "native"])
def test_checkpointed_chunks_equal_one_pass(fast):
    torch.manual_seed(0)
    cell = make_cell("lstm", 3, 4).double()
    x = torch.randn(11, 3, 3, dtype=torch.float64, requires_grad=True)
    state = tuple(torch.randn(3, 4, dtype=torch.float64, requires_grad=True) for _ in range(2))
    lengths = torch.tensor([11, 5, 8])

    def run(fn):
        out, final = fn()
        loss = (out * torch.linspace(-1, 1, out.numel(), dtype=out.dtype).view_as(out)).sum() + final[1].pow(2).sum()
        return out, torch.autograd.grad(loss, [x, *state, *cell.parameters()])

    one = run(lambda: run_sequence(cell, x, state, lengths, fast=fast))
    chunked = run(lambda: run_long_sequence(cell, x, state, lengths, fast=fast, chunk=4, truncate=False, checkpoint=True))
    torch.testing.assert_close(chunked[0], one[0])
    for a, b in zip(chunked[1], one[1]):
        torch.testing.assert_close(a, b)


def test_truncation_cuts_gradients_at_chunk_boundaries():
    torch.manual_seed(0)
    cell = make_cell("gru", 3, 4, zoneout=0.2).double().train()
    x = torch.randn(9, 2, 3, dtype=torch.float64, requires_grad=True)
    state = (torch.zeros(2, 4, dtype=torch.float64),)
    for checkpoint in (False, True):
        out, _ = run_long_sequence(cell, x, state, fast="fused", chunk=3, truncate=True, checkpoint=checkpoint)
        (grad,) = torch.autograd.grad(out[5].sum(), x)  # step 5 lives in chunk [3, 6)
        assert grad[:3].abs().max() == 0 and grad[3:6].abs().max() > 0 and grad[6:].abs().max() == 0
    # the plain truncated run and the checkpointed one agree (zoneout masks seeded per chunk differ in draws,
    # so compare in eval, where zoneout is its expectation)
    cell.eval()
    a = run_long_sequence(cell, x, state, fast="fused", chunk=3, truncate=True)[0]
    b = run_long_sequence(cell, x, state, fast="fused", chunk=3, truncate=True, checkpoint=True)[0]
    ga, = torch.autograd.grad(a.sum(), x)
    gb, = torch.autograd.grad(b.sum(), x)
    torch.testing.assert_close(a, b)
    torch.testing.assert_close(ga, gb)


def test_layer_tbptt_and_checkpoint_options():
    torch.manual_seed(0)
    plain = Recurrent("lstm", 3, 4, 2, bidirectional=True)
    chunked = Recurrent("lstm", 3, 4, 2, bidirectional=True, checkpoint_chunks=3)
    chunked.load_state_dict(plain.state_dict())
    x = torch.randn(2, 10, 3)
    torch.testing.assert_close(chunked(x), plain(x))
    chunked(x).sum().backward()
    plain(x).sum().backward()
    for p, q in zip(chunked.parameters(), plain.parameters()):
        torch.testing.assert_close(p.grad, q.grad)
    assert Recurrent("lstm", 3, 4, tbptt=5).get_config()["tbptt"] == 5
    with pytest.raises(ValueError, match="tbptt"):
        Recurrent("lstm", 3, 4, tbptt=-1)
    with pytest.raises(ValueError, match="equal"):
        Recurrent("lstm", 3, 4, tbptt=4, checkpoint_chunks=5)


@pytest.mark.parametrize("kind, options", [("lstm", {"peephole": True}), ("lstm", {"weight_drop": 0.4}),
                                           ("gru", {"reset_after": False}), ("gru", {})])
def test_auto_variant_through_compiled_equals_fused(kind, options):
    """Where the compiled kernels are built, auto routes variants there; they must equal the fused path,
    also with rows that have no step (chunked runs) and a recurrent-dropout mask."""
    torch.manual_seed(0)
    cell = make_cell(kind, 3, 5, **options).double().train()
    x = torch.randn(6, 3, 3, dtype=torch.float64, requires_grad=True)
    state = tuple(torch.randn(3, s, dtype=torch.float64) for s in cell.state_sizes)
    lengths, rec_mask = torch.tensor([0, 2, 6]), torch.full((3, 5), 1.25, dtype=torch.float64)
    weight_mask = cell.sample_weight_mask(x)
    masks = Masks(rec_mask, weight=weight_mask)
    if not compiled.supports(cell):
        pytest.skip("compiled kernels not available here")
    assert plan_run(cell, "auto", masks).runner == "compiled"
    results = []
    for fast in ("auto", "fused"):
        out, final = run_sequence(cell, x, state, lengths, masks, fast)
        grads = torch.autograd.grad(out.sum() + final[0].pow(2).sum(), [x, *cell.parameters()])
        results.append((out, final, grads))
    for a, b in zip(results[0][0:1] + results[0][1] + results[0][2], results[1][0:1] + results[1][1] + results[1][2]):
        torch.testing.assert_close(a, b)


def test_the_old_reference_name_says_it_was_renamed():
    with pytest.raises(ValueError, match='renamed fast="loop"'):
        Recurrent("lstm", 3, 4, fast="reference")
    with pytest.raises(ValueError, match="renamed"):
        run_sequence(make_cell("gru", 3, 4), torch.randn(2, 1, 3), (torch.zeros(1, 4),), fast="reference")


def test_a_layer_plan_says_whether_it_runs_as_one_native_call_and_why():
    layer = Recurrent("lstm", 3, 4, 2, bidirectional=True, fast="native").eval()
    x = torch.randn(2, 5, 3)
    plan = layer.plan(x)
    assert plan.runner == NATIVE_STACK and "one torch call" in plan.reason
    summed = Recurrent("lstm", 3, 4, 2, bidirectional=True, merge_mode="sum", fast="native").eval()
    plan = summed.plan(x)
    assert plan.runner == "native" and "merge_mode='sum'" in plan.reason
    chunked = Recurrent("lstm", 3, 4, fast="native", tbptt=2).eval()
    assert chunked.plan(x)[:2] == ("native", "fast='native'; per cell, as long sequences run in chunks")
    assert Recurrent("lstm", 3, 4, fast="fused").plan(x) == ("fused", "fast='fused'", ("fused",))
    mixed = Recurrent("lstm", 3, 4, 2, fast="auto", peephole=True).eval()
    assert mixed.plan(x).cells == ((("compiled",) if compiled.supports(mixed.cells[0]) else ("fused",)) * 2)


def test_a_layer_with_dropout_in_training_runs_per_cell(monkeypatch):
    layer = Recurrent("lstm", 3, 4, 2, dropout=0.3, fast="native")
    x = torch.randn(2, 5, 3)
    calls = []
    real = Recurrent._forward_native
    monkeypatch.setattr(Recurrent, "_forward_native", lambda self, *a: calls.append("stack") or real(self, *a))
    assert "dropout" in layer.train().plan(x).reason
    layer.train()(x)
    assert calls == []
    assert layer.eval().plan(x).runner == NATIVE_STACK
    layer.eval()(x)
    assert calls == ["stack"]


def test_auto_says_why_it_falls_back_to_fused():
    cell = make_cell("lstm", 3, 4, cell_clip=1.0, zoneout=0.1).train()
    plan = plan_run(cell, "auto")
    assert plan.runner == "fused"
    assert "cell_clip" in plan.reason and "zoneout is not in torch's native kernels" in plan.reason


@pytest.mark.parametrize("fast", ["auto", "compiled", "native", "fused", "loop"])
def test_rows_with_no_step_keep_their_state_on_every_runner(fast):
    torch.manual_seed(0)
    cell = make_cell("gru", 3, 4).double()
    if fast == "compiled" and not compiled.supports(cell):
        pytest.skip("compiled kernels not available here")
    x = torch.randn(4, 3, 3, dtype=torch.float64)
    state = (torch.randn(3, 4, dtype=torch.float64),)
    out, (h,) = run_sequence(cell, x, state, torch.tensor([0, 3, 0]), fast=fast)
    assert torch.equal(out[:, 0], torch.zeros(4, 4, dtype=torch.float64)) and torch.equal(out[:, 2], out[:, 0])
    assert torch.equal(h[0], state[0][0]) and torch.equal(h[2], state[0][2])
    alone, (h1,) = run_sequence(cell, x[:3, 1:2], (state[0][1:2],), fast="loop")
    torch.testing.assert_close(out[:3, 1], alone[:, 0])
    torch.testing.assert_close(h[1], h1[0])


@pytest.mark.parametrize("kind, hidden, native", [("lstm", 512, False), ("lstm", 650, True), ("lstm", 1500, True),
                                                  ("gru", 650, False), ("gru", 1024, True), ("gru", 1500, True),
                                                  ("rnn", 2000, False)])
def test_auto_sends_large_vanilla_cells_to_native_and_says_why(kind, hidden, native):
    cell = make_cell(kind, hidden, hidden)
    for padded, grad in ((False, True), (True, True), (True, False)):
        plan = plan_run(cell, "auto", padded=padded, needs_grad=grad)
        if native:
            assert plan.runner == "native" and "weights per step" in plan.reason
        else:
            assert plan.runner != "native" and "weights per step" not in plan.reason


@pytest.mark.parametrize("kind, options", [("lstm", {"peephole": True}), ("lstm", {"layer_norm": True}),
                                           ("gru", {"reset_after": False}), ("lstm", {"zoneout": 0.1})])
def test_the_size_rule_never_sends_to_native_what_native_does_not_compute(kind, options):
    cell = make_cell(kind, 1500, 1500, **options).train()
    assert plan_run(cell, "auto", needs_grad=True).runner in ("compiled", "fused")


def test_a_large_lstm_on_auto_equals_the_loop():
    torch.manual_seed(0)
    auto = Recurrent("lstm", 650, 650, return_state=True)
    loop = Recurrent("lstm", 650, 650, return_state=True, fast="loop")
    loop.load_state_dict(auto.state_dict())
    x = torch.randn(2, 3, 650)
    assert auto.plan(x.transpose(0, 1).requires_grad_()).cells == ("native",)
    grads = []
    for layer in (auto, loop):
        out, state = layer(x, lengths=torch.tensor([3, 2]))
        grads.append(torch.autograd.grad(out.sum() + state[1].sum(), list(layer.parameters())))
        grads[-1] = (out, *state, *grads[-1])
    for a, b in zip(*grads):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)



class ElmanWithoutBackward(RecurrentCell):
    """A new cell author's cell, a forward step only: h_t = tanh(W x_t + U h_{t-1} + b)."""

    gate_names = ("h",)

    def __init__(self, input_size, hidden_size):
        super().__init__(input_size, hidden_size)
        self.reset_parameters()  # as every cell ends its __init__

    @property
    def state_sizes(self):
        return (self.hidden_size,)

    def step(self, xp_t, state, recurrent_mask=None, weight_hh=None):
        weight_hh = self.weight_hh if weight_hh is None else weight_hh
        (h_prev,) = state
        h_in = h_prev if recurrent_mask is None else h_prev * recurrent_mask
        return (torch.tanh(xp_t + h_in @ weight_hh.t()),), None


def test_a_cell_with_only_a_forward_step_runs_on_the_loop_and_fused_says_why():
    torch.manual_seed(0)
    cell = ElmanWithoutBackward(3, 4)
    assert not cell.has_step_backward and make_cell("rnn", 3, 4).has_step_backward
    plan = plan_run(cell, "auto", needs_grad=True)
    assert plan.runner == "loop" and "no hand-derived step_backward" in plan.reason
    with pytest.raises(ValueError, match="step_backward.*fast='loop'"):
        plan_run(cell, "fused")
    x = torch.randn(5, 2, 3, requires_grad=True)
    out, _ = run_sequence(cell, x, cell.init_state(2))
    elman = make_cell("rnn", 3, 4)
    elman.load_state_dict(cell.state_dict())
    expected, _ = run_sequence(elman, x, elman.init_state(2), fast="fused")
    torch.testing.assert_close(out, expected)
