"""Distillation from the run's linear baseline: the recurrent model learns from each training text's label
and from what the TF-IDF + logistic regression baseline predicts for it (Hinton et al. 2015, "Distilling the
Knowledge in a Neural Network"; here the teacher is the linear model the run fits anyway).

The teacher's probabilities on a training text must not come from a classifier that saw that text's label
(it would only repeat the label): they are out-of-fold, each fold's texts scored by a logistic regression
(the run's C) fitted on the other folds over the run's TF-IDF features. Each training text's target is

    q = (1 - a) onehot(y) + a p_teacher(. | text),    a = `distill` in [0, 1],

and the loss is the cross-entropy of the model's distribution against q. Batches carry (B, 1 + K) float
targets: the label id in column 0 (what accuracy counts), q in the rest. Validation and prediction are
untouched: the model alone, no baseline at prediction time.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from rnnkit.data.text_batches import BucketedBatches, make_batch
from rnnkit.models.linear_baseline import TextBaseline
from rnnkit.training.metrics import Accuracy


def out_of_fold_probs(baseline: TextBaseline, texts: list[str], labels: np.ndarray, folds: int = 5,
                      seed: int = 0) -> np.ndarray:
    """(N, K) teacher probabilities of the training texts, each from a fold that did not see it."""
    x, labels = baseline.features(texts), np.asarray(labels)
    out = np.zeros((len(texts), baseline.num_classes))
    folds = min(folds, int(np.bincount(labels).min()) if len(labels) else 0)
    if folds < 2:  # a class too rare to split: the targets stay the labels
        out[np.arange(len(labels)), labels] = 1.0
        return out
    for fit_rows, score_rows in StratifiedKFold(folds, shuffle=True, random_state=seed).split(x, labels):
        classifier = LogisticRegression(C=baseline.C, max_iter=1000).fit(x[fit_rows], labels[fit_rows])
        out[np.ix_(score_rows, classifier.classes_)] = classifier.predict_proba(x[score_rows])
    return out


def soft_targets(labels: np.ndarray, teacher: np.ndarray, weight: float) -> np.ndarray:
    """(N, 1 + K): the label id, then (1 - weight) onehot + weight teacher."""
    labels = np.asarray(labels)
    onehot = np.eye(teacher.shape[1])[labels]
    return np.concatenate([labels[:, None].astype(np.float64), (1 - weight) * onehot + weight * teacher], 1)


class DistillBatches(BucketedBatches):
    """`BucketedBatches` whose targets are `soft_targets` rows (float32)."""

    def make(self, index: np.ndarray):
        ids, lengths, _ = make_batch([self.seqs[j] for j in index], np.zeros(len(index)))
        return ids, lengths, torch.as_tensor(self.labels[index], dtype=torch.float32)


def distill_loss(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Cross-entropy against soft targets (B, 1 + K); against label ids (B,) (validation) the usual one.
    Two classes: one logit (B, 1), as the classifier has it."""
    if not target.is_floating_point():
        if output.shape[-1] == 1:
            return F.binary_cross_entropy_with_logits(output.reshape(-1), target.to(output.dtype))
        return F.cross_entropy(output, target)
    q = target[:, 1:].to(output.dtype)  # (B, K)
    if output.shape[-1] == 1:
        return F.binary_cross_entropy_with_logits(output.reshape(-1), q[:, 1])
    return -(q * F.log_softmax(output, -1)).sum(-1).mean()


distill_loss.__name__ = "distilled_crossentropy"


class LabelAccuracy(Accuracy):
    """Accuracy whose targets may be `soft_targets` rows: it counts column 0, the label id."""

    def batch_state(self, output, target):
        if target.is_floating_point() and target.dim() == 2:
            target = target[:, 0].long()
        return super().batch_state(output, target)
