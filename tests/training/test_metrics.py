"""Streaming metrics against scikit-learn and direct formulas on the same predictions."""
import math

import pytest
import torch
from sklearn.metrics import f1_score, precision_score, recall_score

from rnnkit.training.metrics import get_metric


def streamed(name, output, target, from_logits=True, chunks=3):
    metric = get_metric(name, from_logits)
    state = sum(metric.batch_state(o, t) for o, t in zip(output.chunk(chunks), target.chunk(chunks)))
    return metric.result(state)


def test_binary_and_macro_scores_match_sklearn():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(50, 1, generator=g)
    y = torch.randint(0, 2, (50,), generator=g)
    pred = (logits[:, 0] > 0).long().numpy()
    assert streamed("acc", logits, y) == pytest.approx((pred == y.numpy()).mean())
    assert streamed("precision", logits, y) == pytest.approx(precision_score(y, pred))
    assert streamed("recall", logits, y) == pytest.approx(recall_score(y, pred))
    assert streamed("f1", logits, y) == pytest.approx(f1_score(y, pred))
    probs = torch.sigmoid(logits)
    assert streamed("f1", probs, y, from_logits=False) == pytest.approx(f1_score(y, pred))
    scores = torch.randn(60, 4, generator=g)
    y4 = torch.randint(0, 4, (60,), generator=g)
    p4 = scores.argmax(1).numpy()
    assert streamed("macro_f1", scores, y4) == pytest.approx(f1_score(y4, p4, average="macro"))
    assert streamed("macro_precision", scores, y4) == pytest.approx(precision_score(y4, p4, average="macro", zero_division=0))
    assert streamed("macro_recall", scores, y4) == pytest.approx(recall_score(y4, p4, average="macro"))


def test_regression_and_perplexity():
    g = torch.Generator().manual_seed(1)
    out, y = torch.randn(30, generator=g), torch.randn(30, generator=g)
    assert streamed("mae", out, y) == pytest.approx((out - y).abs().mean().item(), rel=1e-6)
    assert streamed("rmse", out, y) == pytest.approx(math.sqrt(((out - y) ** 2).mean().item()), rel=1e-6)
    logits = torch.randn(3, 5, 7, generator=g)
    tokens = torch.randint(0, 7, (3, 5), generator=g)
    tokens[0, -1] = -100  # padding is ignored
    keep = tokens != -100
    nll = -torch.log_softmax(logits, -1).gather(-1, tokens.clamp(min=0).unsqueeze(-1)).squeeze(-1)[keep].mean()
    assert streamed("perplexity", logits, tokens) == pytest.approx(math.exp(nll.item()), rel=1e-6)


def test_unknown_metric_is_named():
    with pytest.raises(ValueError, match="'auc'"):
        get_metric("auc")


def test_precision_recall_f1_on_three_classes_are_macro_never_one_class_binary():
    """`--metrics precision` on three classes once reported class 1's precision alone."""
    g = torch.Generator().manual_seed(2)
    scores = torch.randn(90, 3, generator=g)
    y = torch.randint(0, 3, (90,), generator=g)
    pred = scores.argmax(1).numpy()
    for name, sk in (("precision", precision_score), ("recall", recall_score), ("f1", f1_score)):
        macro = sk(y, pred, average="macro", zero_division=0)
        assert streamed(name, scores, y) == pytest.approx(macro)
        assert streamed(f"macro_{name}", scores, y) == pytest.approx(macro)
        assert streamed(name, scores, y) != pytest.approx(sk(y, pred, labels=[1], average="macro", zero_division=0))
        weighted = sk(y, pred, average="weighted", zero_division=0)
        assert streamed(f"weighted_{name}", scores, y) == pytest.approx(weighted)
    assert get_metric("precision").name == "precision" and get_metric("weighted_f1").name == "weighted_f1"


def test_macro_averages_the_classes_present_as_scikit_learn_does():
    """Five score columns, but class 4 is neither a target nor predicted: scikit-learn's default labels
    leave it out of the macro mean; a class only predicted (never a target) stays in with zeros."""
    g = torch.Generator().manual_seed(3)
    scores = torch.randn(40, 5, generator=g)
    scores[:, 4] = -10.0
    y = torch.randint(0, 3, (40,), generator=g)  # class 3 may be predicted but is never a target
    pred = scores.argmax(1).numpy()
    assert 3 in pred
    for name, sk in (("precision", precision_score), ("recall", recall_score), ("f1", f1_score)):
        assert streamed(f"macro_{name}", scores, y) == pytest.approx(sk(y, pred, average="macro", zero_division=0))
        assert streamed(f"weighted_{name}", scores, y) == pytest.approx(sk(y, pred, average="weighted", zero_division=0))


def test_two_class_scores_stay_the_positive_class_with_one_or_two_columns():
    g = torch.Generator().manual_seed(4)
    scores = torch.randn(50, 2, generator=g)
    y = torch.randint(0, 2, (50,), generator=g)
    pred = scores.argmax(1).numpy()
    assert streamed("precision", scores, y) == pytest.approx(precision_score(y, pred, zero_division=0))
    assert streamed("macro_f1", scores, y) == pytest.approx(f1_score(y, pred, average="macro"))


def test_an_unknown_average_is_named():
    from rnnkit.training.metrics import PrecisionRecallF1

    with pytest.raises(ValueError, match="'micro'"):
        PrecisionRecallF1("f1", "micro")
