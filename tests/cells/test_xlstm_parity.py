"""rnnkit's sLSTM and mLSTM against the `xlstm` package (2.0.6, the authors' code), weights copied, float32.

The package is a test-only dependency (the `anchors` extra: `pip install --no-deps xlstm==2.0.6`; it
imports only torch, which must not be upgraded); rnnkit never imports it.
"""
import pytest
import torch

from rnnkit.layers import Recurrent

xlstm = pytest.importorskip("xlstm", reason="the xlstm package (test-only anchor): pip install --no-deps xlstm==2.0.6")

B, S, H, HEADS = 3, 24, 16, 4


def block_diagonal(weight):
    """xlstm's head-wise projection weight (K, d_out, d_in) as the dense (K*d_out, K*d_in) matrix it applies."""
    return torch.block_diag(*weight.unbind(0))


def slstm_weights_from_xlstm(layer):
    """An xlstm sLSTMLayer's (conv1d_kernel_size=0) weights in rnnkit's SLSTMCell layout."""
    cell = layer.slstm_cell
    K, d = cell.config.num_heads, cell.config.head_dim
    # the layer feeds its fgate module into the input-gate slot and igate into the forget-gate slot
    weight_ih = torch.cat([block_diagonal(m.weight) for m in (layer.fgate, layer.igate, layer.zgate, layer.ogate)])
    r = cell._recurrent_kernel_.view(K, 4, d, d)  # vanilla's internal layout: [head, gate, out, in]
    weight_hh = r.permute(1, 2, 0, 3).reshape(4 * d, K * d)  # rnnkit: [gate*d + out, head*d + in]
    return {"weight_ih": weight_ih, "weight_hh": weight_hh, "bias": cell._bias_.reshape(-1)}  # bias: (gate, head, unit)


@pytest.fixture
def slstm_pair():
    from xlstm import sLSTMLayer, sLSTMLayerConfig

    torch.manual_seed(0)
    theirs = sLSTMLayer(sLSTMLayerConfig(embedding_dim=H, num_heads=HEADS, conv1d_kernel_size=0, backend="vanilla",
                                         recurrent_weight_init="standard", bias_init="standard"))
    with torch.no_grad():  # off the initial values, so every weight matters
        for p in theirs.parameters():
            p.add_(0.3 * torch.randn_like(p))
    ours = Recurrent("slstm", H, H, num_heads=HEADS, return_state=True)
    with torch.no_grad():
        for name, value in slstm_weights_from_xlstm(theirs).items():
            getattr(ours.cells[0], name).copy_(value)
    return theirs, ours


def test_slstm_layer_matches_xlstm_vanilla(slstm_pair):
    theirs, ours = slstm_pair
    x = torch.randn(B, S, H, requires_grad=True)
    want, state = theirs(x, return_last_state=True)  # (B, S, H), group-normed per head
    h, final = ours(x)
    norm = theirs.group_norm
    got = torch.nn.functional.group_norm(h.reshape(B * S, H), HEADS, norm.weight_proxy, norm.bias, norm.eps).view(B, S, H)
    torch.testing.assert_close(got, want, rtol=0, atol=1e-5)
    for k in range(4):  # h, c, n, m: the same stabiliser convention, so the same states
        torch.testing.assert_close(final[k][0], state["slstm_state"][k], rtol=1e-5, atol=1e-5)
    probe = torch.randn_like(want)
    grad_want, = torch.autograd.grad((want * probe).sum(), x)
    grad_got, = torch.autograd.grad((got * probe).sum(), x)
    torch.testing.assert_close(grad_got, grad_want, rtol=1e-4, atol=1e-5)


def test_slstm_cell_matches_xlstm_vanilla_from_a_state(slstm_pair):
    """Their cell from a non-zero state (h, c, n, m), on their layer's projected inputs."""
    theirs, ours = slstm_pair
    cell = theirs.slstm_cell
    x = torch.randn(B, S, H)
    state = torch.randn(4, B, H)
    state[2] = state[2].abs() + 0.5  # a normaliser that has seen input
    xp = torch.cat([theirs.fgate(x), theirs.igate(x), theirs.zgate(x), theirs.ogate(x)], -1)  # (B, S, 4H)
    want, want_final = cell(xp, state=state)  # (B, K, S, d)
    ours_cell = ours.cells[0]
    out = []
    s = tuple(state)
    for t in range(S):
        s = ours_cell.step(xp[:, t] + cell._bias_.reshape(-1), s)  # the cell's step reads W x + b
        out.append(s[0])
    got = torch.stack(out, 1)  # (B, S, H)
    torch.testing.assert_close(got, want.transpose(1, 2).reshape(B, S, H), rtol=0, atol=1e-5)
    for k in range(4):
        torch.testing.assert_close(s[k], want_final[k], rtol=1e-5, atol=1e-5)
