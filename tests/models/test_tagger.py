"""SequenceTagger: padding changes nothing, character features, CRF constraints, and its two losses."""
import pytest
import torch

from rnnkit.models import build_model, model_config
from rnnkit.models.tagger import IGNORE, SequenceTagger


def batch(seed=0, lengths=(5, 2, 4), vocab=20, chars=0):
    g = torch.Generator().manual_seed(seed)
    T = max(lengths)
    words = torch.randint(1, vocab, (len(lengths), T), generator=g)
    for b, n in enumerate(lengths):
        words[b, n:] = 0
    if chars:
        ch = torch.randint(0, chars, (len(lengths), T, 3), generator=g) * (words != 0).unsqueeze(-1)
        ch[..., 0] = ch[..., 0].clamp(min=1) * (words != 0)
        return torch.cat((words.unsqueeze(-1), ch), -1), torch.tensor(lengths)
    return words, torch.tensor(lengths)


@pytest.mark.parametrize("crf,chars", [(True, 0), (False, 0), (True, 7)])
def test_padded_batch_decodes_like_each_sentence_alone(crf, chars):
    torch.manual_seed(0)
    model = SequenceTagger(4, 20, embedding_dim=8, hidden_size=6, crf=crf, char_vocab_size=chars,
                           char_dim=4, char_hidden=3, head_dropout=0.0).eval()
    x, lengths = batch(chars=chars)
    together = model.decode(x, lengths)
    assert [len(t) for t in together] == lengths.tolist()
    for b, n in enumerate(lengths.tolist()):
        assert model.decode(x[b:b + 1, :n], lengths[b:b + 1])[0] == together[b]
        assert torch.allclose(model(x[b:b + 1, :n], lengths[b:b + 1])[0], model(x, lengths)[b, :n], atol=1e-5)


def test_constrained_crf_never_outputs_a_forbidden_bio_path():
    tags = ["B-LOC", "B-PER", "I-PER", "O"]
    torch.manual_seed(1)
    model = SequenceTagger(4, 20, embedding_dim=8, hidden_size=6, scheme="BIO", tags=tags).eval()
    with torch.no_grad():
        model.head.bias.copy_(torch.tensor([0.0, 0.0, 50.0, 0.0]))  # I-PER wins every step on its own
    for path in model.decode(*batch(lengths=(6, 3, 1))):
        assert path[0] != 2 and all(b != 2 or a in (1, 2) for a, b in zip(path, path[1:]))


def test_losses_ignore_padding_and_the_config_round_trips():
    model = SequenceTagger(3, 20, embedding_dim=8, hidden_size=6, crf=True, head_dropout=0.0)
    x, lengths = batch()
    targets = torch.randint(0, 3, x.shape)
    targets[x == 0] = IGNORE
    emissions = model(x, lengths)
    loss = model.loss(emissions, targets)
    assert torch.isfinite(loss) and loss.item() > 0
    softmax = SequenceTagger(3, 20, embedding_dim=8, hidden_size=6, crf=False)
    expected = torch.nn.functional.cross_entropy(emissions[x != 0], targets[x != 0])
    softmax.crf = None
    assert torch.allclose(softmax.loss(emissions, targets), expected)
    rebuilt = build_model(model_config(model))
    assert isinstance(rebuilt, SequenceTagger) and rebuilt.get_config() == model.get_config()
