"""Weight-compatible parity with the anchor package `mingru-pytorch` 0.2.1 (test-only: the `anchors` extra).

Its weights copy as they are into rnnkit's weight_ih (same row order), with rnnkit's bias zero (it has
none); outputs agree within 1e-5 in float32, in its parallel mode (T > 1) and its sequential mode
(T = 1 with a previous hidden state); at long sequences against its float64 run (see below). What cannot be matched is said in the cells' docstrings.
"""
import copy

import pytest
import torch

anchor = pytest.importorskip("minGRU_pytorch", reason="the anchor package mingru-pytorch (pip install -e '.[anchors]')")
from minGRU_pytorch.minLSTM import minLSTM  # not exported from the package's __init__

from rnnkit.layers import Recurrent

B, D = 4, 16


def anchor_and_layer(kind):
    torch.manual_seed(0)
    theirs = anchor.minGRU(D) if kind == "mingru" else minLSTM(D)
    linear = theirs.to_hidden_and_gate if kind == "mingru" else theirs.to_hidden_and_f_i_gate
    ours = Recurrent(kind, D, D, return_state=True)
    with torch.no_grad():
        ours.cells[0].weight_ih.copy_(linear.weight)  # (G*H, D): candidate rows first, as theirs
        ours.cells[0].bias.zero_()
    return theirs, ours


@pytest.mark.parametrize("fast", ["scan", "loop"])
@pytest.mark.parametrize("steps", [2, 64, 512])
@pytest.mark.parametrize("kind", ["mingru", "minlstm"])
def test_parallel_mode_matches_the_anchor(kind, steps, fast):
    """Against their float64 run at every length; against their float32 run up to 64 steps. Past that
    their float32 scan drifts by itself (one log-space scan over the whole sequence: about 9e-5 at 512
    steps here), where rnnkit's float32 stays within 1e-6 of the float64 truth."""
    theirs, ours = anchor_and_layer(kind)
    ours.fast = fast
    x = 2 * torch.randn(B, steps, D)
    with torch.no_grad():
        out, (h,) = ours(x)
        exact, exact_last = copy.deepcopy(theirs).double()(x.double(), return_next_prev_hidden=True)
        theirs32 = theirs(x)
    assert (out.double() - exact).abs().max() <= 1e-5
    assert (h[0].double() - exact_last[:, 0]).abs().max() <= 1e-5
    if steps <= 64:
        assert (out - theirs32).abs().max() <= 1e-5


@pytest.mark.parametrize("kind", ["mingru", "minlstm"])
def test_sequential_mode_from_a_state_matches_the_anchor(kind):
    """Generation: one step from a given state (any sign: their sequential mode takes it as it is)."""
    theirs, ours = anchor_and_layer(kind)
    x, prev = torch.randn(B, 1, D), torch.randn(B, 1, D)
    with torch.no_grad():
        expected = theirs(x, prev)
        out, _ = ours(x, initial_state=prev.transpose(0, 1))
    assert (out - expected).abs().max() <= 1e-5


def test_mingru_parallel_mode_from_a_positive_state_matches_the_anchor():
    """Their minGRU's parallel mode takes log(prev_hidden): a positive state only."""
    theirs, ours = anchor_and_layer("mingru")
    x, prev = torch.randn(B, 50, D), torch.rand(B, 1, D) + 0.1
    with torch.no_grad():
        expected = theirs(x, prev)
        out, _ = ours(x, initial_state=prev.transpose(0, 1))
    assert (out - expected).abs().max() <= 1e-5
