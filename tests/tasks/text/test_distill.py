"""Distillation from the run's baseline: the teacher's probabilities of a training text never come from a
classifier that saw its label, the soft targets and their loss are those the module docstring writes (a run with --distill:
test_text_tasks.py)."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from rnnkit.models.linear_baseline import fit_baseline
from rnnkit.tasks.text.distill import LabelAccuracy, distill_loss, out_of_fold_probs, soft_targets


def test_out_of_fold_teacher_cannot_repeat_a_label_it_never_saw():
    """Each text is one word seen nowhere else and its label a coin flip: a classifier fitted on all texts
    learns every label (the word is a perfect feature), the out-of-fold teacher can only guess."""
    rng = np.random.default_rng(0)
    texts = [f"shared filler word{i}x" for i in range(200)]
    labels = rng.integers(0, 2, 200)
    baseline = fit_baseline((texts, labels), None, 2, "english")
    in_sample = baseline.predict_proba(texts)[np.arange(200), labels].mean()
    oof = out_of_fold_probs(baseline, texts, labels)
    assert oof.shape == (200, 2) and np.allclose(oof.sum(1), 1)
    assert in_sample > 0.6 and abs(oof[np.arange(200), labels].mean() - 0.5) < 0.05


def test_a_class_too_rare_to_fold_leaves_the_labels():
    texts, labels = ["a b", "b c", "c d"], np.array([0, 0, 1])
    baseline = fit_baseline((texts, labels), None, 2, "english")
    np.testing.assert_array_equal(out_of_fold_probs(baseline, texts, labels), np.eye(2)[labels])


def test_soft_targets_mix_label_and_teacher():
    teacher = np.array([[0.2, 0.5, 0.3], [0.6, 0.2, 0.2]])
    got = soft_targets(np.array([1, 0]), teacher, 0.25)
    np.testing.assert_allclose(got, [[1, 0.05, 0.875, 0.075], [0, 0.9, 0.05, 0.05]])


def test_loss_is_cross_entropy_against_the_mix_and_the_usual_loss_on_label_ids():
    torch.manual_seed(0)
    logits3, logit1 = torch.randn(4, 3), torch.randn(4, 1)
    labels = torch.tensor([0, 2, 1, 1])
    q = torch.softmax(torch.randn(4, 3), -1)
    packed = torch.cat([labels[:, None].float(), q], 1)
    torch.testing.assert_close(distill_loss(logits3, packed), -(q * logits3.log_softmax(-1)).sum(-1).mean())
    torch.testing.assert_close(distill_loss(logits3, labels), F.cross_entropy(logits3, labels))
    q2 = torch.softmax(torch.randn(4, 2), -1)
    packed2 = torch.cat([(labels % 2)[:, None].float(), q2], 1)
    expected = -(q2[:, 1] * F.logsigmoid(logit1[:, 0]) + q2[:, 0] * F.logsigmoid(-logit1[:, 0])).mean()
    torch.testing.assert_close(distill_loss(logit1, packed2), expected)
    one_hot = torch.cat([(labels % 2)[:, None].float(), F.one_hot(labels % 2, 2).float()], 1)
    torch.testing.assert_close(distill_loss(logit1, one_hot), distill_loss(logit1, labels % 2))


def test_accuracy_counts_the_label_column():
    metric = LabelAccuracy()
    out = torch.tensor([[2.0, 0.0], [0.0, 1.0], [3.0, 0.0]])
    packed = torch.tensor([[0, 0.6, 0.4], [0, 0.3, 0.7], [1, 0.5, 0.5]])  # the teacher disagrees on row 2
    assert metric.result(metric.batch_state(out, packed)) == pytest.approx(1 / 3)
    assert metric.result(metric.batch_state(out, torch.tensor([0, 1, 1]))) == pytest.approx(2 / 3)
