"""Per-token features and the units that follow them (Pearson's r, checked against NumPy's), and gradient x
input checked where it is exact: a model linear in its embeddings, whose contributions add up to its logit."""
import numpy as np
import pytest
import torch
from torch import nn

from rnnkit.errors import UserError
from rnnkit.inspect.attribution import contributions
from rnnkit.inspect.features import correlated_units, correlations, read_feature_file, token_feature


def test_quotes_and_position():
    tokens = ["he", "said", '"', "hi", "there", '"', "."]
    assert token_feature(tokens, "quotes").tolist() == [0, 0, 0, 1, 1, 1, 0]  # the closing quote is still inside
    assert token_feature(list('a"b"c'), "quotes").tolist() == [0, 0, 1, 1, 0]
    assert token_feature(tokens, "position").tolist() == list(range(7))


def test_correlations_are_pearsons_r_over_every_text():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(5, 3)), rng.normal(size=(4, 3))
    fa, fb = rng.normal(size=5), rng.normal(size=4)
    a[:, 2] = b[:, 2] = 1.0  # a unit that never moves
    b[2] = np.nan  # a padded step: left out
    r = correlations([a, b], [fa, fb])
    keep = np.r_[np.ones(5, bool), [True, True, False, True]]
    x, f = np.concatenate([a, b])[keep], np.concatenate([fa, fb])[keep]
    assert np.allclose(r[:2], [np.corrcoef(x[:, k], f)[0, 1] for k in range(2)]) and r[2] == 0
    top = correlated_units([{"g": a}, {"g": b}], [fa, fb], top=2)
    assert [u["unit"] for u in top] == sorted(range(2), key=lambda k: -abs(r[k]))


def test_feature_file_is_checked(tmp_path):
    path = tmp_path / "f.txt"
    path.write_text("1 2\n3 x\n")
    with pytest.raises(UserError, match="line 2: .*expected numbers"):
        read_feature_file(path, [2, 2])
    with pytest.raises(UserError, match="2 line\\(s\\) of feature values for 1 text"):
        read_feature_file(path, [2])
    path.write_text("1 2\n3 4\n")
    assert [v.tolist() for v in read_feature_file(path, [2, 2])] == [[1, 2], [3, 4]]


class MeanOfEmbeddings(nn.Module):
    """logits = W mean_t(e_t) + b: each token's exact share of a logit is W e_t / T."""

    def __init__(self, classes):
        super().__init__()
        torch.manual_seed(0)
        self.embedding = nn.Embedding(10, 4)
        self.head = nn.Linear(4, classes)

    def forward(self, ids):
        return self.head(self.embedding(ids).mean(1))


@pytest.mark.parametrize("classes", [1, 3])
def test_gradient_x_input_is_each_tokens_share_of_the_logit(classes):
    model = MeanOfEmbeddings(classes).eval()
    ids = torch.tensor([[1, 2, 3, 4], [5, 6, 7, 8]])
    scores, predicted = contributions(model, model.embedding, ids)
    logits = model(ids).detach()
    if classes == 1:
        assert torch.equal(predicted, (logits[:, 0] > 0).long())
        sign = torch.where(predicted == 1, 1.0, -1.0)
        target = sign * (logits[:, 0] - model.head.bias[0].detach())  # toward the predicted class
    else:
        assert torch.equal(predicted, logits.argmax(-1))
        target = logits.gather(1, predicted[:, None])[:, 0] - model.head.bias.detach()[predicted]
    assert torch.allclose(scores.sum(1), target, atol=1e-6)
    share = model.embedding(ids).detach() @ model.head.weight.detach()[0 if classes == 1 else predicted[0]] / 4
    assert torch.allclose(scores[0] * (sign[0] if classes == 1 else 1), share[0], atol=1e-6)
    assert not any(p.grad is not None for p in model.parameters())  # the model's own gradients are untouched
