"""SequenceTagger: padding changes nothing, character features, CRF constraints, and its two losses."""
import pytest
import torch

from rnnkit.models import build_model, model_config
from rnnkit.models.tagger import IGNORE, SequenceTagger


def batch(seed=0, lengths=(5, 2, 4), vocab=20, chars=0, bigrams=0):
    g = torch.Generator().manual_seed(seed)
    T = max(lengths)
    words = torch.randint(1, vocab, (len(lengths), T), generator=g)
    for b, n in enumerate(lengths):
        words[b, n:] = 0
    columns = [words.unsqueeze(-1)]
    if bigrams:
        columns.append(torch.randint(1, bigrams, (len(lengths), T, 2), generator=g) * (words != 0).unsqueeze(-1))
    if chars:
        ch = torch.randint(0, chars, (len(lengths), T, 3), generator=g) * (words != 0).unsqueeze(-1)
        ch[..., 0] = ch[..., 0].clamp(min=1) * (words != 0)
        columns.append(ch)
    return (torch.cat(columns, -1) if len(columns) > 1 else words), torch.tensor(lengths)


@pytest.mark.parametrize("crf,chars,bigrams", [(True, 0, 0), (False, 0, 0), (True, 7, 0), (True, 0, 9), (False, 7, 9)])
def test_padded_batch_decodes_like_each_sentence_alone(crf, chars, bigrams):
    torch.manual_seed(0)
    model = SequenceTagger(4, 20, embedding_dim=8, hidden_size=6, crf=crf, char_vocab_size=chars,
                           char_dim=4, char_hidden=3, bigram_vocab_size=bigrams, bigram_dim=5, head_dropout=0.0).eval()
    x, lengths = batch(chars=chars, bigrams=bigrams)
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


def test_bigram_vectors_change_the_emissions_and_need_their_columns():
    torch.manual_seed(0)
    model = SequenceTagger(3, 20, embedding_dim=8, hidden_size=6, bigram_vocab_size=9, bigram_dim=5).eval()
    x, lengths = batch(bigrams=9)
    other = x.clone()
    other[0, 0, 2] = other[0, 0, 2] % 8 + 1  # another right bigram at the first token
    assert not torch.allclose(model(x, lengths)[0], model(other, lengths)[0])
    with pytest.raises(ValueError, match="expects"):
        model(x[..., 0], lengths)


@pytest.mark.parametrize("crf", [True, False])
def test_mlstm_runs_its_parallel_form_with_the_recurrent_forms_outputs_and_gradients(crf):
    """The whole sentence is known: an mlstm tagger runs the parallel form, equal (padded) to the same
    weights stepped one step at a time (fast="fused": the recurrent form), in emissions, loss and gradients."""
    from rnnkit.layers import MLSTM

    torch.manual_seed(0)
    options = dict(embedding_dim=8, hidden_size=6, num_layers=2, cell="mlstm", crf=crf, head_dropout=0.0,
                   cell_options={"num_heads": 2})
    parallel = SequenceTagger(4, 20, **options).double()
    recurrent = SequenceTagger(4, 20, fast="fused", **options).double()
    assert type(parallel.rnn) is MLSTM and type(recurrent.rnn) is not MLSTM
    recurrent.load_state_dict(parallel.state_dict())
    x, lengths = batch(lengths=(6, 2, 4))
    targets = torch.randint(0, 4, x.shape, generator=torch.Generator().manual_seed(1)).masked_fill(x == 0, IGNORE)
    emissions = [model(x, lengths) for model in (parallel, recurrent)]
    torch.testing.assert_close(emissions[0], emissions[1], rtol=1e-10, atol=1e-10)
    losses = [model.loss(e, targets) for model, e in zip((parallel, recurrent), emissions)]
    grads = [torch.autograd.grad(loss, list(model.parameters())) for loss, model in zip(losses, (parallel, recurrent))]
    for a, b in zip(*grads):
        torch.testing.assert_close(a, b, rtol=1e-8, atol=1e-10)
