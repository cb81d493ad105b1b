"""Issue 28 item 9: every runner in float64 and float32 (bfloat16 where it is offered), `auto` picking a
runner that serves the model's dtype, and one line where a dtype cannot be served."""
import pytest
import torch

from rnnkit.cells import make_cell
from rnnkit.engine import compiled, native_unsupported, plan_run, run_sequence
from rnnkit.layers import Recurrent

T, B, I, H = 6, 3, 4, 5
LENGTHS = torch.tensor([6, 2, 4])
CELLS = [("lstm", {}), ("gru", {}), ("rnn", {}), ("lstm", {"peephole": True}), ("gru", {"reset_after": False})]
# tolerance against the float64 truth, per dtype
TOLERANCE = {torch.float64: 1e-10, torch.float32: 1e-5, torch.bfloat16: 6e-2}


def refused(fast: str, cell) -> str | None:
    """Why `fast` does not serve this cell in its dtype (the test then checks the refusal), or None."""
    if fast == "compiled":
        return compiled.unsupported(cell)
    if fast == "native":
        return native_unsupported(cell)
    return None


def run(cell, dtype, fast):
    """Outputs, final state and the gradients of x, the state and every weight, in `dtype`."""
    torch.manual_seed(1)
    x = torch.randn(T, B, I, dtype=torch.float64).to(dtype).requires_grad_()
    state = tuple(torch.randn(B, s, dtype=torch.float64).to(dtype).requires_grad_() for s in cell.state_sizes)
    out, final = run_sequence(cell, x, state, LENGTHS, fast=fast)
    weights = torch.linspace(-1, 1, out.numel(), dtype=torch.float64).view_as(out).to(dtype)
    loss = (out * weights).sum() + sum(f.sum() for f in final)
    grads = torch.autograd.grad(loss, [x, *state, *cell.parameters()])
    return [out, *final, *grads]


@pytest.mark.parametrize("kind, options", CELLS)
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32, torch.bfloat16], ids=str)
@pytest.mark.parametrize("fast", ["auto", "loop", "fused", "native", "compiled"])
def test_every_runner_in_every_dtype_it_offers_equals_the_float64_loop(kind, options, dtype, fast):
    torch.manual_seed(0)
    truth_cell = make_cell(kind, I, H, **options).double()
    cell = make_cell(kind, I, H, **options).to(dtype)
    cell.load_state_dict(truth_cell.state_dict())
    why = refused(fast, cell)
    if why:  # an explicit choice that cannot serve says so in one line; "auto" never lands here
        with pytest.raises(ValueError, match=f"fast='{fast}' cannot run this configuration") as error:
            run(cell, dtype, fast)
        assert "\n" not in str(error.value)
        return
    got = run(cell, dtype, fast)
    truth = run(truth_cell, torch.float64, "loop")
    for g, t in zip(got, truth):
        assert g.dtype == dtype
        torch.testing.assert_close(g.double(), t, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype])


def test_compiled_names_the_dtype_it_cannot_run_and_auto_picks_one_that_can():
    cell = make_cell("lstm", I, H).to(torch.bfloat16)
    with pytest.raises(ValueError, match="compiled kernels run float32 and float64 on the CPU, not torch.bfloat16"):
        plan_run(cell, "compiled")
    plan = plan_run(cell, "auto", needs_grad=True)
    assert plan.runner == "native" and "bfloat16" in plan.reason
    assert plan_run(make_cell("lstm", I, H, peephole=True).to(torch.bfloat16), "auto").runner == "fused"


@pytest.mark.parametrize("fast", ["auto", "loop", "fused", "native", "compiled"])
def test_an_input_in_another_dtype_than_the_weights_is_one_line_naming_both(fast):
    layer = Recurrent("lstm", I, H, fast=fast).double()
    with pytest.raises(ValueError, match=r"the input is torch.float32 but the LSTMCell's weights are torch.float64") as e:
        layer(torch.randn(B, T, I))
    assert "\n" not in str(e.value)
    with pytest.raises(ValueError, match="initial state tensor 0 is torch.float32"):
        layer(torch.randn(B, T, I, dtype=torch.float64), initial_state=(torch.zeros(1, B, H), torch.zeros(1, B, H)))


@pytest.mark.parametrize("num_layers, bidirectional", [(1, False), (2, True)])
def test_a_float64_layer_on_auto_trains_and_infers_as_the_loop_does(num_layers, bidirectional):
    torch.manual_seed(0)
    auto = Recurrent("lstm", I, H, num_layers, bidirectional=bidirectional).double()
    loop = Recurrent("lstm", I, H, num_layers, bidirectional=bidirectional, fast="loop").double()
    loop.load_state_dict(auto.state_dict())
    x = torch.randn(B, T, I, dtype=torch.float64)
    torch.testing.assert_close(auto(x, lengths=LENGTHS), loop(x, lengths=LENGTHS))
    with torch.inference_mode():
        torch.testing.assert_close(auto(x), loop(x))
