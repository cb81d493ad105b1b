"""SequenceClassifier: every pooling mode and front end gives a padded batch the outputs of each
sequence run alone; configs round-trip through the registry; bad arguments name themselves."""
import pytest
import torch

from rnnkit.models import build_model, model_config
from rnnkit.models.classifier import SequenceClassifier, SequenceImageClassifier, parse_pooling

LENGTHS = (7, 3, 5, 1)


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
                                               (ALL, "lstm", 6)])
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
    image = SequenceImageClassifier(mode="pixels", hidden_size=4)
    again = build_model(model_config(image))
    assert again.mode == "pixels" and again.rnn.input_size == 1


def test_image_rows_and_pixels_read_the_image_as_a_sequence():
    torch.manual_seed(0)
    rows = SequenceImageClassifier(mode="rows", hidden_size=6).eval()
    x = torch.rand(2, 784)
    direct = rows.head(rows.rnn(x.view(2, 28, 28))[1][0][-1])  # last hidden state of 28 rows
    torch.testing.assert_close(rows(x), direct)
    assert SequenceImageClassifier(mode="pixels", hidden_size=3)(torch.rand(2, 28, 28)).shape == (2, 10)


@pytest.mark.parametrize("kwargs,name", [({"pooling": "median"}, "pooling"), ({"cell": "tcn"}, "cell"),
                                         ({"num_classes": 1}, "num_classes"), ({"head_dropout": 1.5}, "head_dropout"),
                                         ({"input_size": 3}, "vocab_size")])
def test_bad_arguments_are_named(kwargs, name):
    with pytest.raises(ValueError, match=name):
        SequenceClassifier(**{"num_classes": 2, "vocab_size": 10, **kwargs})


def test_parse_pooling():
    assert parse_pooling("max+mean") == parse_pooling("max, mean") == parse_pooling(["max", "mean"]) == ["max", "mean"]


def test_random_shift_moves_each_image_by_a_whole_offset_within_the_bound():
    from rnnkit.models.classifier import random_shift

    torch.manual_seed(0)
    images = torch.rand(64, 6, 7) + 1  # no zeros inside, so the filled border shows
    shifted = random_shift(images, 2)
    seen = set()
    for img, out in zip(images, shifted):
        matches = [(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)
                   if torch.equal(out, torch.roll(img, (dy, dx), (0, 1)) * _inside(6, 7, dy, dx))]
        assert len(matches) == 1
        seen.add(matches[0])
    assert len(seen) > 10  # offsets differ from image to image


def _inside(h, w, dy, dx):
    mask = torch.zeros(h, w)
    mask[max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = 1
    return mask


def test_image_shift_is_training_only_and_round_trips():
    torch.manual_seed(0)
    model = SequenceImageClassifier(10, hidden_size=6, max_shift=2)
    x = torch.rand(5, 784)
    model.eval()
    torch.testing.assert_close(model(x), model(x))  # eval: no randomness
    model.train()
    assert not torch.allclose(model(x), model(x))
    assert build_model(model_config(model)).max_shift == 2
    with pytest.raises(ValueError, match="max_shift"):
        SequenceImageClassifier(10, max_shift=28)


def test_load_word_vectors_copies_them_and_keeps_padding_zero():
    model = SequenceClassifier(2, 10, embedding_dim=4, hidden_size=3)
    vectors = torch.randn(10, 4)
    model.load_word_vectors(vectors.numpy())
    assert torch.equal(model.embedding.weight[1:], vectors[1:]) and not model.embedding.weight[0].any()
    with pytest.raises(ValueError, match=r"shape \(10, 4\)"):
        model.load_word_vectors(torch.randn(9, 4))
