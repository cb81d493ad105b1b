"""Seq2Seq: the whole-target pass equals stepping, the bridges, padding, and two tasks learned to 100%."""
import pytest
import torch
import torch.nn.functional as F

from rnnkit.models import build_model, model_config
from rnnkit.models.decoding import decode
from rnnkit.models.seq2seq import Seq2Seq, pack_pairs

V = 9  # 4 reserved ids, then 5 symbols


def pairs(n, transform, seed):
    g = torch.Generator().manual_seed(seed)
    sources = [torch.randint(4, V, (int(torch.randint(2, 6, (1,), generator=g)),), generator=g) for _ in range(n)]
    return sources, [transform(s) for s in sources]


def stepwise(model, x, lengths):
    """Teacher-forced logits computed one decoder step at a time."""
    state = model.encode(x[:, 0], lengths[:, 0])
    out = []
    for t in range(int(lengths[:, 1].max())):
        log_probs, state, _ = model.step(x[:, 1, t], state)
        out.append(log_probs)
    return torch.stack(out, 1)


@pytest.mark.parametrize("options", [dict(attention="general"), dict(attention="dot"),
                                     dict(attention="general", cell="gru", decoder_layers=2, bidirectional=False)])
def test_whole_target_pass_equals_stepping(options):
    torch.manual_seed(0)
    model = Seq2Seq(V, V, embedding_dim=8, hidden_size=6, fast="loop", **options).eval()
    x, lengths, y = pack_pairs(*pairs(5, lambda s: s.flip(0), 0))
    whole = F.log_softmax(model(x, lengths), -1)
    keep = y != -100
    torch.testing.assert_close(whole[keep], stepwise(model, x, lengths)[keep], atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("options,kind", [
    (dict(), "copy"),  # BiLSTM 6 per direction -> LSTM 12, one layer each
    (dict(decoder_hidden_size=10), "linear"),
    (dict(cell="gru", decoder_cell="lstm", encoder_layers=2, decoder_layers=3), "linear"),
    (dict(bridge="zeros"), "zeros"),
])
def test_bridges(options, kind):
    torch.manual_seed(0)
    model = Seq2Seq(V, V, embedding_dim=8, hidden_size=6, attention="bahdanau", **options).eval()
    assert model.bridge_kind == kind
    x, lengths, _ = pack_pairs(*pairs(4, lambda s: s, 1))
    state = model.encode(x[:, 0], lengths[:, 0])
    assert len(state.layers) == model.options["decoder_layers"]
    for layer in state.layers:
        assert [tuple(s.shape) for s in layer] == [(4, n) for n in model.decoder.state_sizes]
    if kind == "zeros":
        assert all(float(s.abs().sum()) == 0 for layer in state.layers for s in layer)
    assert model(x, lengths).shape == (4, int(lengths[:, 1].max()), V)


def test_copy_bridge_needs_matching_sizes():
    with pytest.raises(ValueError, match="copy"):
        Seq2Seq(V, V, hidden_size=6, decoder_hidden_size=10, bridge="copy")


def test_padding_does_not_change_a_sentence():
    torch.manual_seed(0)
    model = Seq2Seq(V, V, embedding_dim=8, hidden_size=6, input_feeding=True).eval()
    sources, targets = pairs(6, lambda s: s, 2)
    x, lengths, y = pack_pairs(sources, targets)
    together = model(x, lengths)
    for i in range(6):
        xi, li, yi = pack_pairs(sources[i:i + 1], targets[i:i + 1])
        alone = model(xi, li)
        torch.testing.assert_close(together[i, : alone.shape[1]], alone[0], atol=1e-5, rtol=1e-5)


def test_rebuilds_from_its_config():
    model = Seq2Seq(V, 11, hidden_size=6, attention="bahdanau", decoder_layers=2)
    rebuilt = build_model(model_config(model))
    rebuilt.load_state_dict(model.state_dict())
    assert rebuilt.get_config() == model.get_config()


def train_and_score(transform, **options):
    torch.manual_seed(0)
    model = Seq2Seq(V, V, embedding_dim=16, hidden_size=32, fast="native", **options)
    optimizer = torch.optim.Adam(model.parameters(), 1e-2)
    sources, targets = pairs(1200, transform, 3)
    for epoch in range(6):
        for i in range(0, len(sources), 40):
            x, lengths, y = pack_pairs(sources[i:i + 40], targets[i:i + 40])
            loss = F.cross_entropy(model(x, lengths).transpose(1, 2), y, ignore_index=-100)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.eval()
    sources, targets = pairs(200, transform, 4)
    x, lengths, _ = pack_pairs(sources, targets)
    hyps = decode(model, model.encode(x[:, 0], lengths[:, 0]), 200, 12, beam=3)
    return sum(hyps.sequences(i)[0] == targets[i].tolist() for i in range(200)) / 200


def test_learns_to_copy():
    assert train_and_score(lambda s: s.clone()) == 1.0


def test_learns_to_reverse():
    assert train_and_score(lambda s: s.flip(0), attention="dot") == 1.0


@pytest.mark.parametrize("bidirectional, bridge", [(False, "copy"), (True, "linear")])
def test_mlstm_runs_its_parallel_form_with_the_recurrent_forms_outputs_and_gradients(bidirectional, bridge):
    """An mlstm encoder, and the decoder's whole-target pass (from the bridged state), run the parallel form;
    the same weights stepped one step at a time (fast="fused": the recurrent form) give the same logits and
    gradients, and so does decoding step by step. A bidirectional mLSTM's memories side by side are not one
    memory twice as wide: "auto" bridges it linearly, and "copy" is refused."""
    from rnnkit.layers import MLSTM

    torch.manual_seed(0)
    options = dict(embedding_dim=8, hidden_size=6, cell="mlstm", bidirectional=bidirectional, encoder_layers=2,
                   attention="general")
    parallel = Seq2Seq(V, V, **options).double().eval()
    recurrent = Seq2Seq(V, V, fast="fused", **options).double().eval()
    assert type(parallel.encoder) is MLSTM and type(parallel.decoder) is MLSTM
    assert type(recurrent.encoder) is not MLSTM and parallel.bridge_kind == bridge
    recurrent.load_state_dict(parallel.state_dict())
    x, lengths, y = pack_pairs(*pairs(5, lambda s: s.flip(0), 0))
    logits = [model(x, lengths) for model in (parallel, recurrent)]
    keep = y != -100
    torch.testing.assert_close(logits[0][keep], logits[1][keep], rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(F.log_softmax(logits[0], -1)[keep], stepwise(parallel, x, lengths)[keep],
                               rtol=1e-10, atol=1e-10)
    grads = [torch.autograd.grad(F.cross_entropy(out[keep], y[keep]), list(model.parameters()))
             for out, model in zip(logits, (parallel, recurrent))]
    for a, b in zip(*grads):
        torch.testing.assert_close(a, b, rtol=1e-8, atol=1e-10)
    if bidirectional:
        with pytest.raises(ValueError, match="not a bidirectional mlstm's"):
            Seq2Seq(V, V, bridge="copy", **options)
