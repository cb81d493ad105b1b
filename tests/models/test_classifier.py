"""SequenceClassifier: every pooling mode and front end gives a padded batch the outputs of each
sequence run alone; configs round-trip through the registry; bad arguments name themselves; and the
numbers of a seeded model are those the classifier gave before its layers moved to `rnnkit.layers`."""
import pytest
import torch

from rnnkit.models import build_model, model_config
from rnnkit.models.classifier import SequenceClassifier

LENGTHS = (7, 3, 5, 1)


def test_mlstm_runs_its_parallel_form_with_the_recurrent_forms_outputs_and_gradients():
    from rnnkit.layers import MLSTM

    torch.manual_seed(0)
    parallel = SequenceClassifier(3, 40, embedding_dim=8, cell="mlstm", hidden_size=8, num_layers=2,
                                  pooling=ALL, head_dropout=0.0).double()
    recurrent = SequenceClassifier(3, 40, embedding_dim=8, cell="mlstm", hidden_size=8, num_layers=2,
                                   pooling=ALL, head_dropout=0.0, fast="fused").double()
    assert type(parallel.rnn) is MLSTM and type(recurrent.rnn) is not MLSTM
    recurrent.load_state_dict(parallel.state_dict())
    _, batch = padded_batch()
    outputs = [model(batch) for model in (parallel, recurrent)]
    torch.testing.assert_close(outputs[0], outputs[1], rtol=1e-10, atol=1e-10)
    grads = [torch.autograd.grad(out.square().sum(), list(model.parameters()), allow_unused=True)
             for out, model in zip(outputs, (parallel, recurrent))]
    for a, b in zip(*grads):
        assert (a is None) == (b is None)
        if a is not None:
            torch.testing.assert_close(a, b, rtol=1e-8, atol=1e-10)
    tbptt = SequenceClassifier(3, 40, cell="mlstm", hidden_size=8, cell_options={"tbptt": 3})
    assert type(tbptt.rnn) is not MLSTM  # an option the parallel form does not offer: the recurrent form
    with pytest.raises(ValueError, match="recurrent_dropout makes no sense for cell 'mlstm'"):
        SequenceClassifier(3, 40, cell="mlstm", hidden_size=8, recurrent_dropout=0.1)  # no form offers it


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn", "slstm", "mlstm", "mingru", "minlstm"])
def test_every_parameter_gets_a_gradient(cell):
    """A parameter that gets no gradient is dead weight (and DDP refuses it): each cell's classifier, padded."""
    torch.manual_seed(0)
    model = SequenceClassifier(3, 40, embedding_dim=8, cell=cell, hidden_size=8, num_layers=2, pooling=ALL,
                               ngram_buckets=16, conv_filters=4, conv_kernel=2)
    _, batch = padded_batch()
    model(batch).square().sum().backward()
    assert [name for name, p in model.named_parameters() if p.grad is None or not p.grad.abs().sum()] == []


def padded_batch(vocab=40, seed=0):
    g = torch.Generator().manual_seed(seed)
    seqs = [torch.randint(1, vocab, (n,), generator=g) for n in LENGTHS]
    batch = torch.zeros(len(seqs), max(LENGTHS), dtype=torch.long)
    for i, s in enumerate(seqs):
        batch[i, :len(s)] = s
    return seqs, batch


ALL = "max+mean+last+attention"


@pytest.mark.parametrize("pooling,cell,conv", [("last", "lstm", 0), ("max", "lstm", 0), ("mean", "lstm", 0),
                                               ("attention", "lstm", 0), (ALL, "gru", 0), (ALL, "rnn", 0),
                                               (ALL, "lstm", 6), (ALL, "mlstm", 0), ("last", "mingru", 0)])
def test_padded_batch_equals_each_sequence_alone(pooling, cell, conv):
    torch.manual_seed(0)
    model = SequenceClassifier(3, 40, embedding_dim=8, cell=cell, hidden_size=5, num_layers=2, pooling=pooling,
                               conv_filters=conv, conv_kernel=3, conv_pool=2, head_dropout=0.0).double().eval()
    seqs, batch = padded_batch()
    together = model(batch)  # lengths derived from the padding id 0
    explicit = model(batch, torch.tensor(LENGTHS))
    alone = torch.cat([model(s.unsqueeze(0)) for s in seqs])
    assert together.shape == (4, 3)
    torch.testing.assert_close(together, alone, rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(explicit, alone, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("where", ["start", "middle"])
def test_padding_anywhere_gives_each_sequence_alone(where):
    """Pre-padding (Keras' pad_sequences default) and padding inside a row: the padding is skipped, as a
    masked Recurrent skips it, never read as a prefix of real ids."""
    torch.manual_seed(0)
    model = SequenceClassifier(3, 40, embedding_dim=8, hidden_size=5, num_layers=2, pooling=ALL, conv_filters=6,
                               conv_kernel=3, conv_pool=2, head_dropout=0.0).double().eval()
    seqs, _ = padded_batch()
    batch = torch.zeros(len(seqs), max(LENGTHS) + 2, dtype=torch.long)
    for i, s in enumerate(seqs):
        if where == "start":
            batch[i, batch.shape[1] - len(s):] = s
        else:  # half of it, two padding ids, the rest (then padding to the end)
            cut = len(s) // 2
            batch[i, :cut], batch[i, cut + 2:cut + 2 + len(s) - cut] = s[:cut], s[cut:]
    alone = torch.cat([model(s.unsqueeze(0)) for s in seqs])
    torch.testing.assert_close(model(batch), alone, rtol=1e-10, atol=1e-10)


def test_pooling_matches_hand_computation():
    torch.manual_seed(1)
    model = SequenceClassifier(2, 40, embedding_dim=6, hidden_size=4, bidirectional=True, pooling="last+max+mean",
                               head_dropout=0.0).double().eval()
    seqs, batch = padded_batch()
    feats = model.features(batch)
    for i, s in enumerate(seqs):
        out = model.rnn(model.embedding(s.unsqueeze(0)))[0][0]  # (T, 2H), one sequence, no padding
        H = 4
        last = torch.cat((out[-1, :H], out[0, H:]))  # forward ends at T-1, backward at step 0
        expected = torch.cat((last, out.max(0).values, out.mean(0)))
        torch.testing.assert_close(feats[i], expected)


def test_binary_has_one_logit_and_probabilities_sum_to_one():
    model = SequenceClassifier(2, 30, embedding_dim=4, hidden_size=3).eval()
    _, batch = padded_batch(vocab=30)
    assert model(batch).shape == (4, 1)
    probs = model.predict_proba(batch)
    torch.testing.assert_close(probs.sum(1), torch.ones(4))
    torch.testing.assert_close(probs[:, 1:], torch.sigmoid(model(batch)))


def test_config_round_trip_rebuilds_the_same_function():
    torch.manual_seed(0)
    model = SequenceClassifier(4, 30, embedding_dim=4, cell="gru", hidden_size=3, pooling="attention",
                               conv_filters=5).eval()
    clone = build_model(model_config(model)).eval()
    clone.load_state_dict(model.state_dict())
    _, batch = padded_batch(vocab=30)
    torch.testing.assert_close(clone(batch), model(batch))


@pytest.mark.parametrize("kwargs,name", [({"pooling": "median"}, "pooling"), ({"cell": "tcn"}, "cell"),
                                         ({"num_classes": 1}, "num_classes"), ({"head_dropout": 1.5}, "head_dropout"),
                                         ({"input_size": 3}, "vocab_size")])
def test_bad_arguments_are_named(kwargs, name):
    with pytest.raises(ValueError, match=name):
        SequenceClassifier(**{"num_classes": 2, "vocab_size": 10, **kwargs})


def test_load_word_vectors_copies_them_and_keeps_padding_zero():
    model = SequenceClassifier(2, 10, embedding_dim=4, hidden_size=3)
    vectors = torch.randn(10, 4)
    model.load_word_vectors(vectors.numpy())
    assert torch.equal(model.embedding.weight[1:], vectors[1:]) and not model.embedding.weight[0].any()
    with pytest.raises(ValueError, match=r"shape \(10, 4\)"):
        model.load_word_vectors(torch.randn(9, 4))


def test_seeded_numbers_are_those_of_the_classifier_before_its_layers_moved_out():
    """Outputs computed with commit b97d2f8's classifier (conv front end, attention and the other
    poolings written inline): the same seed must keep giving them, in training (every dropout) and eval."""
    torch.manual_seed(0)
    model = SequenceClassifier(3, 40, embedding_dim=8, hidden_size=5, num_layers=2, pooling="last+max+mean+attention",
                               conv_filters=6, conv_kernel=4, conv_pool=3, attention_size=4, dropout=0.1,
                               recurrent_dropout=0.2, embedding_dropout=0.1, head_dropout=0.3).double()
    x = torch.tensor([[5, 9, 2, 7, 7, 1, 3], [4, 8, 0, 0, 0, 0, 0], [6, 6, 1, 2, 3, 0, 0]])
    torch.manual_seed(1)
    train = model.train()(x)
    expected_train = [[-0.06332513684057375, 0.10201154443357904, -0.1476413211449121],
                      [-0.06412389126246586, 0.09715837558702657, -0.14864875781362],
                      [-0.0625664279060792, 0.09895705145180804, -0.15012821327682901]]
    expected_eval = [[-0.06462155025899914, 0.09969792879768241, -0.14945712993676785],
                     [-0.06299595613470609, 0.09740951985689807, -0.14956133742115105],
                     [-0.06360070313776152, 0.09847055218128009, -0.14951729332270905]]
    torch.testing.assert_close(train, torch.tensor(expected_train, dtype=torch.float64), rtol=1e-9, atol=1e-12)
    torch.testing.assert_close(model.eval()(x), torch.tensor(expected_eval, dtype=torch.float64), rtol=1e-9, atol=1e-12)
    assert list(model.state_dict())[:4] == ["embedding.weight", "front.conv.weight", "front.conv.bias", "rnn.cells.0.weight_ih"]
    assert [k for k in model.state_dict() if not k.startswith("rnn.")][-5:] == [
        "attention.proj.weight", "attention.proj.bias", "attention.score.weight", "head.weight", "head.bias"]
