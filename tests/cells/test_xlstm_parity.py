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
        s, _ = ours_cell.step(xp[:, t] + cell._bias_.reshape(-1), s)  # the cell's step reads W x + b
        out.append(s[0])
    got = torch.stack(out, 1)  # (B, S, H)
    torch.testing.assert_close(got, want.transpose(1, 2).reshape(B, S, H), rtol=0, atol=1e-5)
    for k in range(4):
        torch.testing.assert_close(s[k], want_final[k], rtol=1e-5, atol=1e-5)


def mlstm_inputs(seed=0, S=S):
    generator = torch.Generator().manual_seed(seed)
    q, k, v = (torch.randn(B, HEADS, S, H // HEADS, generator=generator) for _ in range(3))
    a_i, a_f = torch.randn(B, HEADS, S, 1, generator=generator), 2 + torch.randn(B, HEADS, S, 1, generator=generator)
    return q, k, v, a_i, a_f


def ours_mlstm(q, k, v, a_i, a_f, form, state=None):
    """rnnkit's forms on xlstm's per-head inputs (their k unscaled: scaled by 1/√d inside both)."""
    from rnnkit.cells import MLSTMCell
    from rnnkit.engine.mlstm_forms import chunkwise_form, parallel_form

    cell = MLSTMCell(1, H, num_heads=HEADS)
    d = H // HEADS
    state = state or (torch.zeros(B, HEADS, d, d), torch.zeros(B, HEADS, d), torch.zeros(B, HEADS))
    args = (q, k / d**0.5, v, a_i.squeeze(-1), cell.log_forget(a_f.squeeze(-1)), state, torch.full((B,), q.shape[2]), cell.eps)
    return parallel_form(*args) if form == "parallel" else chunkwise_form(*args, chunk_size=8)


@pytest.mark.parametrize("form", ["parallel", "chunkwise"])
def test_mlstm_forms_match_xlstm_parallel_and_chunkwise_backends(form):
    from xlstm.blocks.mlstm.backends import chunkwise_simple, parallel_stabilized_simple

    q, k, v, a_i, a_f = mlstm_inputs()
    got, (C, n, m) = ours_mlstm(q, k, v, a_i, a_f, form)
    want = parallel_stabilized_simple(q, k, v, a_i, a_f)  # (B, K, S, d)
    torch.testing.assert_close(got, want, rtol=0, atol=1e-5)
    want_chunked, (C_w, n_w, m_w) = chunkwise_simple(q, k, v, a_i.squeeze(-1), a_f.squeeze(-1), chunk_size=8,
                                                     return_last_state=True)
    torch.testing.assert_close(got, want_chunked, rtol=0, atol=1e-5)
    # their chunkwise state: stabilised by its own m, stored as C^T, keys unscaled (it scales q instead)
    scale = torch.exp(m - m_w.view(B, HEADS)) * (H // HEADS) ** 0.5
    torch.testing.assert_close(C * scale[..., None, None], C_w.transpose(-1, -2), rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(n * scale[..., None], n_w, rtol=1e-4, atol=1e-5)


def test_mlstm_step_matches_xlstm_recurrent_step_from_a_state():
    from rnnkit.cells import MLSTMCell
    from xlstm.blocks.mlstm.backends import recurrent_step_stabilized_simple

    q, k, v, a_i, a_f = mlstm_inputs(S=1)
    d = H // HEADS
    generator = torch.Generator().manual_seed(3)
    C0, n0, m0 = torch.randn(B, HEADS, d, d, generator=generator), torch.randn(B, HEADS, d, generator=generator), torch.randn(B, HEADS, generator=generator)
    want, (C_w, n_w, m_w) = recurrent_step_stabilized_simple(C0, n0.unsqueeze(-1), m0[..., None, None], q.clone(), k.clone(),
                                                             v.clone(), a_i, a_f)
    cell = MLSTMCell(1, H, num_heads=HEADS)
    o_open = torch.full((B, H), 30.0)  # σ(30) = 1 in float32: their backend has no output gate
    flat = lambda t: t.reshape(B, -1)  # noqa: E731
    xp = torch.cat([flat(q), flat(k), flat(v), flat(a_i), flat(a_f), o_open], 1)
    (h, C, n, m), _ = cell.step(xp, (torch.zeros(B, H), flat(C0.transpose(-1, -2)), flat(n0), m0))  # theirs is C^T
    torch.testing.assert_close(h, flat(want), rtol=0, atol=1e-5)
    torch.testing.assert_close(C, flat(C_w.transpose(-1, -2)), rtol=0, atol=1e-5)
    torch.testing.assert_close(n, flat(n_w), rtol=0, atol=1e-5)
    torch.testing.assert_close(m, flat(m_w), rtol=0, atol=1e-5)


def test_mlstm_layer_matches_xlstm_mlstm_cell():
    """Their mLSTMCell (gates from cat(q, k, v), per-head group norm instead of an output gate) as an rnnkit
    MLSTM layer on x = cat(q, k, v): q, k, v rows pick their parts, ĩ and f̃ rows are their gate layers."""
    from xlstm.blocks.mlstm.cell import mLSTMCell, mLSTMCellConfig

    torch.manual_seed(0)
    theirs = mLSTMCell(mLSTMCellConfig(context_length=S, embedding_dim=H, num_heads=HEADS))
    with torch.no_grad():
        for p in theirs.parameters():
            p.add_(0.3 * torch.randn_like(p))
    from rnnkit.layers import MLSTM

    ours = MLSTM(3 * H, H, num_heads=HEADS)
    cell = ours.cells[0]
    with torch.no_grad():
        cell.weight_ih.zero_()
        cell.weight_ih[: 3 * H] = torch.eye(3 * H)
        cell.weight_ih[3 * H : 3 * H + HEADS] = theirs.igate.weight
        cell.weight_ih[3 * H + HEADS : 3 * H + 2 * HEADS] = theirs.fgate.weight
        cell.bias.zero_()
        cell.bias[3 * H : 3 * H + HEADS] = theirs.igate.bias
        cell.bias[3 * H + HEADS : 3 * H + 2 * HEADS] = theirs.fgate.bias
        cell.bias[3 * H + 2 * HEADS :] = 30.0  # output gate open
    q, k, v = (torch.randn(B, S, H) for _ in range(3))
    # float64 within 1e-10: the same equations; float32 within 2e-5 after the group norm, which divides each head by
    # its spread: float32's rounding (its order of sums differs by CPU) reached 1.19e-5 on 1 of 1152 on one machine
    for dtype, tolerance in ((torch.float32, 2e-5), (torch.float64, 1e-10)):
        theirs.to(dtype), ours.to(dtype)
        want = theirs(*(t.to(dtype) for t in (q, k, v)))  # (B, S, H)
        h = ours(torch.cat([q, k, v], -1).to(dtype))
        norm = theirs.outnorm
        got = torch.nn.functional.group_norm(h.reshape(B * S, H), HEADS, norm.weight_proxy, norm.bias,
                                             norm.eps).view(B, S, H)
        torch.testing.assert_close(got, want, rtol=0, atol=tolerance)
