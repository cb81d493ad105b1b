"""Issue 28 item 8: one forward of a layer plans once, checks the compiled kernels' support once per cell,
converts its lengths once, and handles rows with no step in one place (the engine) on every runner."""
import pytest
import torch

from rnnkit.engine import compiled, dispatch
from rnnkit.layers import Recurrent

B, T, I, H = 3, 5, 3, 4


def counting(monkeypatch, module, name):
    calls = []
    real = getattr(module, name)

    def wrapper(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)
    return calls


@pytest.mark.parametrize("cell, options", [("lstm", {}), ("gru", {}), ("lstm", {"peephole": True})])
def test_a_training_forward_plans_each_cell_once_and_checks_support_once(monkeypatch, cell, options):
    torch.manual_seed(0)
    layer = Recurrent(cell, I, H, num_layers=2, bidirectional=True, **options).train()
    x = torch.randn(B, T, I)
    plans = counting(monkeypatch, dispatch, "_plan_cell")
    checks = counting(monkeypatch, compiled, "unsupported")
    layer(x, lengths=torch.tensor([5, 2, 4])).sum().backward()
    assert [args[0] for args in plans] == list(layer.cells)  # Recurrent.plan, and no run plans again
    assert [args[0] for args in checks] == list(layer.cells)  # in the plan; the compiled runner does not check again


def test_the_runners_of_a_layer_receive_its_lengths_converted_once(monkeypatch):
    torch.manual_seed(0)
    layer = Recurrent("lstm", I, H, num_layers=2, bidirectional=True, fast="fused").train()
    seen = []
    real = dispatch.RUNNERS["fused"]
    monkeypatch.setitem(dispatch.RUNNERS, "fused", lambda cell, x, state, lengths, masks: seen.append(lengths)
                        or real(cell, x, state, lengths, masks))
    layer(torch.randn(B, T, I), lengths=[5, 2, 4]).sum().backward()  # a list: converted by the layer, once
    assert len(seen) == 4 and all(lengths is seen[0] for lengths in seen)
    assert seen[0].dtype == torch.int64 and seen[0].device.type == "cpu" and seen[0].tolist() == [5, 2, 4]


RUNS = [("lstm", "auto", True), ("lstm", "auto", False), ("lstm", "native", False), ("gru", "compiled", True),
        ("gru", "fused", True), ("rnn", "loop", True), ("lstm", "native", True)]


@pytest.mark.parametrize("cell, fast, training", RUNS)
@pytest.mark.parametrize("return_sequences", [True, False])
def test_an_all_padding_row_on_every_runner_outputs_zeros_and_keeps_its_state(cell, fast, training, return_sequences):
    torch.manual_seed(1)
    layer = Recurrent(cell, I, H, num_layers=2, bidirectional=True, return_sequences=return_sequences,
                      return_state=True, fast=fast).double().train(training)
    if fast == "compiled" and not compiled.supports(layer.cells[0]):
        pytest.skip("compiled kernels not available here")
    mask = torch.tensor([[1, 1, 1, 0, 0], [0, 0, 0, 0, 0], [0, 1, 1, 1, 1]], dtype=torch.bool)
    x = torch.randn(B, T, I, dtype=torch.float64, requires_grad=True)
    initial = tuple(torch.randn(4, B, s, dtype=torch.float64) for s in layer.state_sizes)
    out, state = layer(x, mask=mask, initial_state=initial)
    assert torch.all(out[1] == 0)
    for s, s0 in zip(state, initial):
        torch.testing.assert_close(s[:, 1], s0[:, 1], rtol=0, atol=0)
    reference = Recurrent(cell, I, H, num_layers=2, bidirectional=True, return_sequences=return_sequences,
                          return_state=True, fast="loop").double().train(training)
    reference.load_state_dict(layer.state_dict())
    alone, alone_state = reference(x[2:3, mask[2]], initial_state=tuple(s[:, 2:3] for s in initial))
    torch.testing.assert_close(out[2, mask[2]] if return_sequences else out[2], alone[0])
    for s, a in zip(state, alone_state):
        torch.testing.assert_close(s[:, 2], a[:, 0])
    out.sum().backward()  # the empty row's input gets no gradient
    assert torch.all(x.grad[1] == 0)


@pytest.mark.parametrize("cell", ["mingru", "lstm"])
def test_a_residual_stack_gives_an_all_padding_row_a_zero_last_output(cell):
    torch.manual_seed(2)
    layer = Recurrent(cell, H, H, num_layers=2, residual=True, norm="layer", return_sequences=False).double()
    mask = torch.tensor([[1, 1, 1, 0, 0], [0, 0, 0, 0, 0], [1, 1, 1, 1, 1]], dtype=torch.bool)
    x = torch.randn(B, T, H, dtype=torch.float64)
    last = layer(x, mask=mask)
    assert torch.all(last[1] == 0)
    torch.testing.assert_close(last[0], layer(x[0:1, :3])[0])
    torch.testing.assert_close(last[2], layer(x[2:3])[0])
