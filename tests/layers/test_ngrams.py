"""HashedNgramEmbedding: buckets are the documented hash of the ids (computed here with Python integers),
padding gets no vector, order matters, and in SequenceClassifier the zero-initialised n-gram vectors leave
the plain word model unchanged until they are trained; a padded batch still gives each text alone."""
import pytest
import torch

from rnnkit.layers.ngrams import MIX, PRIMES, HashedNgramEmbedding
from rnnkit.models import build_model, model_config
from rnnkit.models.classifier import SequenceClassifier


def reference_bucket(ngram: list[int], buckets: int) -> int:
    """The bucket of the n-gram (oldest id first) by the module docstring's hash, in Python integers."""
    key = ngram[-1] + sum(i * p for i, p in zip(reversed(ngram[:-1]), PRIMES))
    mixed = (key * (MIX % 2**64)) % 2**63  # the int64 product's low 63 bits
    return (mixed // 65536) % buckets


@pytest.mark.parametrize("max_n", [2, 3, 4])
def test_buckets_are_the_hash_of_the_ngram_ending_at_each_step(max_n):
    ids = torch.tensor([[5, 17, 29_999, 3, 0, 0], [0, 0, 8, 8, 8, 123_456]])
    layer = HashedNgramEmbedding(1009, 4, max_n)
    got = layer.bucket_ids(ids)  # (N-1, B, T)
    assert got.shape == (max_n - 1, 2, 6)
    for n in range(2, max_n + 1):
        for b in range(2):
            padded = [0] * (n - 1) + ids[b].tolist()  # ids before the start count as padding
            for t in range(6):
                assert got[n - 2, b, t].item() == reference_bucket(padded[t:t + n], 1009), (n, b, t)


def test_padding_steps_get_no_vector_and_order_matters():
    layer = HashedNgramEmbedding(97, 3)
    torch.nn.init.normal_(layer.weight)
    out = layer(torch.tensor([[4, 9, 0], [9, 4, 0]]))  # (B, T, E)
    assert out[:, 2].abs().sum() == 0
    assert not torch.allclose(out[0, 1], out[1, 1])  # "4 9" and "9 4" are different bigrams


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="max_n"):
        HashedNgramEmbedding(10, 4, 5)
    with pytest.raises(ValueError, match="ngram_buckets"):
        HashedNgramEmbedding(0, 4)
    with pytest.raises(ValueError, match="ngram_buckets"):
        SequenceClassifier(2, None, input_size=3, ngram_buckets=10)


def test_zero_start_is_the_word_model_and_training_moves_the_ngram_vectors():
    ids = torch.tensor([[3, 7, 2, 9], [5, 1, 0, 0]])
    torch.manual_seed(0)
    plain = SequenceClassifier(3, 12, embedding_dim=6, hidden_size=5, head_dropout=0.0).double().eval()
    torch.manual_seed(0)
    hashed = SequenceClassifier(3, 12, embedding_dim=6, hidden_size=5, head_dropout=0.0, ngram_buckets=50,
                                ngram_max=3).double().eval()
    torch.testing.assert_close(hashed(ids), plain(ids), rtol=0, atol=0)
    hashed(ids).logsumexp(-1).sum().backward()
    assert hashed.ngrams.weight.grad.abs().sum() > 0


def test_padded_batch_gives_each_text_alone_and_config_round_trips():
    torch.manual_seed(0)
    model = SequenceClassifier(3, 40, embedding_dim=8, hidden_size=5, ngram_buckets=31, ngram_max=3,
                               head_dropout=0.0).double().eval()
    torch.nn.init.normal_(model.ngrams.weight)
    seqs = [torch.tensor([4, 9, 13, 2]), torch.tensor([7]), torch.tensor([30, 1, 5])]
    pre = torch.zeros(3, 6, dtype=torch.long)  # pre-padded: the n-grams must not read the padding
    for i, s in enumerate(seqs):
        pre[i, 6 - len(s):] = s
    alone = torch.cat([model(s.unsqueeze(0)) for s in seqs])
    torch.testing.assert_close(model(pre), alone, rtol=1e-10, atol=1e-10)
    config = model_config(model)
    rebuilt = build_model(config).double().eval()
    rebuilt.load_state_dict(model.state_dict())
    assert (rebuilt.ngram_buckets, rebuilt.ngram_max) == (31, 3)
    torch.testing.assert_close(rebuilt(pre), model(pre))
