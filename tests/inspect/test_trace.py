"""`rnnkit.inspect.trace`: the model's outputs untouched on every runner, the traced values those the
model computed (the loop's hidden states equal the fast path's outputs), each cell's gates consistent
with its equations, padding anywhere mapped back to its tokens."""
import pytest
import torch

from rnnkit.engine import compiled
from rnnkit.inspect import trace
from rnnkit.layers import MLSTM, Recurrent
from rnnkit.models.classifier import SequenceClassifier

RUNNERS = ["auto", "loop", "fused", "native", "compiled"]
LENGTHS = torch.tensor([6, 3, 1, 5])


def layer(cell, fast="auto", **options):
    torch.manual_seed(0)
    return Recurrent(cell, 3, 5, 2, bidirectional=True, fast=fast, **options).eval()


def nan_equal(a, b, atol=1e-6):
    return bool(torch.equal(a.isnan(), b.isnan())) and torch.allclose(a.nan_to_num(), b.nan_to_num(), atol=atol)


@pytest.mark.parametrize("fast", RUNNERS)
@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_outputs_unchanged_and_loop_equals_fast_path(cell, fast):
    if fast == "compiled" and compiled.unsupported(layer(cell).cells[0]):
        pytest.skip(f"compiled kernels not built here: {compiled.unsupported(layer(cell).cells[0])}")
    model = layer(cell, fast)
    x = torch.randn(4, 6, 3, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        plain = model(x, lengths=LENGTHS)
    traced = trace(model, x, lengths=LENGTHS)
    assert torch.equal(traced.output, plain)  # exactly: the model ran as it does untraced
    record = traced.layer("")  # the model itself is the layer: its name in named_modules() is ""
    assert record.deviation < 1e-5
    if fast != "auto":
        assert record.runner.startswith(fast)  # the runner that served the model's run; "native" as "native-stack"
    # the recorded hidden states of the top layer ARE the layer's outputs (zeros at padding in the output)
    top_fwd, top_bwd = record.at(1, 0).values["hidden state"], record.at(1, 1).values["hidden state"]
    alive = torch.arange(6)[None, :] < LENGTHS[:, None]  # (B, T)
    for got, want in ((top_fwd, plain[..., :5]), (top_bwd, plain[..., 5:])):
        assert torch.allclose(got[alive], want[alive], atol=1e-5)
        assert got[~alive].isnan().all()
    assert torch.equal(record.lengths, LENGTHS)


def test_lstm_gates_are_its_equations():
    model = layer("lstm", "native")
    x = torch.randn(2, 4, 3)
    values = trace(model, x).layer("").at(0, 0).values
    i, f, g, o, h, c = (values[k] for k in ("input gate", "forget gate", "candidate", "output gate", "hidden state",
                                              "cell state"))
    cell = model.cells[0]
    z0 = x[:, 0] @ cell.weight_ih.t() + cell.bias  # (B, 4H): the first step reads a zero state
    want = torch.cat((torch.sigmoid(z0[:, :5]), torch.sigmoid(z0[:, 5:10]), torch.tanh(z0[:, 10:15]),
                      torch.sigmoid(z0[:, 15:])), -1)
    assert torch.allclose(torch.cat((i[:, 0], f[:, 0], g[:, 0], o[:, 0]), -1), want, atol=1e-6)
    c_prev = torch.cat((torch.zeros_like(c[:, :1]), c[:, :-1]), 1)
    assert torch.allclose(c, f * c_prev + i * g, atol=1e-6)
    assert torch.allclose(h, o * torch.tanh(c), atol=1e-6)


def test_gru_and_minimal_cells_mix_as_their_equations_say():
    x = torch.randn(2, 4, 3)
    for cell, gate in (("gru", "update gate"), ("mingru", "update gate"), ("minlstm", "input gate")):
        values = trace(layer(cell), x).layer("").at(0, 1).values  # the backward direction: its own time order
        h, w, n = values["hidden state"], values[gate], values["candidate"]
        h_prev = torch.cat((h[:, 1:], torch.zeros_like(h[:, :1])), 1)  # backward: the step before t read t + 1
        if cell == "gru":
            assert torch.allclose(h, (1 - w) * n + w * h_prev, atol=1e-6)
        else:
            assert torch.allclose(h, (1 - w) * h_prev + w * n, atol=1e-6)
        if cell == "minlstm":
            assert torch.allclose(values["forget gate"], 1 - w)


def test_xlstm_cells_show_their_gates():
    x = torch.randn(2, 4, 3)
    torch.manual_seed(0)
    s = trace(Recurrent("slstm", 3, 4).eval(), x).layer("").at().values
    assert torch.allclose(s["hidden state"], s["output gate"] * s["cell state"] / s["normaliser"], atol=1e-6)
    torch.manual_seed(0)
    m_layer = MLSTM(3, 4, num_heads=2).eval()  # the parallel form: re-run one step at a time
    traced = trace(m_layer, x)
    m = traced.layer("").at().values
    assert m["input gate"].shape == (2, 4, 2) and m["output gate"].shape == (2, 4, 4)  # i, f per head
    assert torch.allclose(m["hidden state"], traced.output, atol=1e-5) and m_layer.form == "parallel"


def test_padding_anywhere_maps_back_to_its_tokens():
    model = layer("lstm")
    x = torch.randn(1, 4, 3)
    padded = torch.cat((torch.zeros(1, 2, 3), x), 1)  # two padded steps first (Keras' pad_sequences)
    mask = torch.tensor([[False, False, True, True, True, True]])
    alone = trace(model, x).layer("").at(1, 1).values["cell state"]
    shifted = trace(model, padded, mask=mask).layer("").at(1, 1).values["cell state"]
    assert shifted[:, :2].isnan().all()
    assert torch.allclose(shifted[:, 2:], alone, atol=1e-6)


def test_a_whole_model_traced_by_layer_name():
    torch.manual_seed(0)
    model = SequenceClassifier(2, 30, embedding_dim=6, hidden_size=4, conv_filters=0).eval()
    ids = torch.tensor([[3, 4, 5, 6, 0, 0], [7, 8, 9, 10, 11, 12]])
    with torch.no_grad():
        plain = model(ids)
    traced = trace(model, ids)
    assert torch.equal(traced.output, plain)
    rnn = traced.layer("rnn")
    assert rnn.lengths.tolist() == [4, 6] and rnn.at(0, 0).values["forget gate"][0, 4:].isnan().all()
    with pytest.raises(KeyError, match="traced: \\['rnn'\\]"):
        traced.layer("encoder")


def test_training_mode_is_refused():
    with pytest.raises(ValueError, match="eval mode"):
        trace(layer("lstm").train(), torch.randn(1, 3, 3))


def test_a_disagreeing_loop_is_refused(monkeypatch):
    """The trace's check can fail: a fast path that computed something else than the cell's step."""
    model = layer("gru", "fused")
    import rnnkit.engine.dispatch as dispatch

    def wrong(cell, x, state, lengths=None, masks=None):
        out, final = dispatch.run_loop(cell, x, state, lengths, masks)
        return out + 0.01, final

    monkeypatch.setitem(dispatch.RUNNERS, "fused", wrong)
    with pytest.raises(RuntimeError, match="differs from the model's fused run"):
        trace(model, torch.randn(1, 3, 3))


@pytest.mark.parametrize("cell, options", [
    ("lstm", {"tbptt": 3}), ("lstm", {"checkpoint_chunks": 3}), ("lstm", {"zoneout": 0.3}),
    ("lstm", {"peephole": True, "proj_size": 2, "layer_norm": True}), ("lstm", {"norm": "layer", "cell_clip": 0.5}),
    ("gru", {"layer_norm": True}), ("gru", {"reset_after": False, "recurrent_dropout": 0.2, "dropout": 0.1}),
])
def test_layer_and_cell_options(cell, options):
    """Chunked runs, zoneout's expectation in eval, projections, norms between layers: still the model's outputs."""
    torch.manual_seed(0)
    model = Recurrent(cell, 3, 5, 2, bidirectional=True, **options).eval()
    x = torch.randn(4, 6, 3)
    with torch.no_grad():
        plain = model(x, lengths=LENGTHS)
    traced = trace(model, x, lengths=LENGTHS)
    assert torch.equal(traced.output, plain) and traced.layer("").deviation < 1e-5
    hidden = traced.layer("").at(1, 0).values["hidden state"]
    alive = torch.arange(6)[None, :] < LENGTHS[:, None]
    assert torch.allclose(hidden[alive], plain[..., : hidden.shape[-1]][alive], atol=1e-5)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_on_a_gpu_the_values_come_back_to_the_cpu():
    model = layer("lstm").cuda()
    x = torch.randn(4, 6, 3, device="cuda")
    with torch.no_grad():
        plain = model(x, lengths=LENGTHS)
    traced = trace(model, x, lengths=LENGTHS)
    assert torch.equal(traced.output, plain) and traced.layer("").deviation < 1e-4
    assert traced.layer("").at(1, 1).values["cell state"].device.type == "cpu"
