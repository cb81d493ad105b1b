"""Streaming metrics: accuracy, precision/recall/F1 (binary, macro, weighted), MAE/RMSE, perplexity.

A metric never keeps Python floats between batches. `batch_state(output, target)` returns a small
float64 vector of sums (hits and counts, tp/fp/fn per class, squared errors ...), the trainer adds
those vectors over an epoch, all-reduces them across DDP ranks, and `result(state)` turns the total
into one number. So the epoch value is exact (not an average of batch averages) and the same on
one process and on N.

Class predictions follow the output's form: one column (or a shape equal to the target's) is a
binary score, thresholded at 0 for logits and 0.5 for probabilities; more columns are class scores
and the prediction is their argmax. Targets equal to -100 (torch's ignore_index, used for padding)
are left out.

Precision, recall and F1 follow scikit-learn's `precision_recall_fscore_support`. `precision`,
`recall` and `f1` are the positive class's (index 1) when there are two classes, and the macro
average when there are more: never one class's score standing in for several. `macro_*` and
`weighted_*` name their average: the plain mean over the classes present (in the targets or the
predictions: scikit-learn's default labels), and the mean weighted by each class's support.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

IGNORE_INDEX = -100


def _is_binary(output: torch.Tensor, target: torch.Tensor) -> bool:
    return output.dim() == target.dim() or output.shape[-1] == 1


def class_predictions(output: torch.Tensor, target: torch.Tensor, from_logits: bool):
    """(predicted ids, target ids), flattened and with ignored targets removed."""
    if _is_binary(output, target):
        scores = output.reshape(target.shape) if output.numel() == target.numel() else output
        pred = (scores > (0.0 if from_logits else 0.5)).long()
    else:
        pred = output.argmax(-1)
    pred, target = pred.reshape(-1), target.reshape(-1).long()
    keep = target != IGNORE_INDEX
    return pred[keep], target[keep]


class Metric:
    name = "metric"
    higher_is_better = True

    def __init__(self, from_logits: bool = True):
        self.from_logits = from_logits

    def batch_state(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def result(self, state: torch.Tensor) -> float:
        raise NotImplementedError


class Accuracy(Metric):
    name = "acc"

    def batch_state(self, output, target):
        pred, true = class_predictions(output, target, self.from_logits)
        return torch.tensor([(pred == true).sum().item(), true.numel()], dtype=torch.float64)

    def result(self, state):
        return float(state[0] / state[1]) if state[1] > 0 else float("nan")


class PrecisionRecallF1(Metric):
    """`which` (precision, recall or f1) averaged by `average`: "binary" (the positive class 1),
    "macro", "weighted", or "auto" (binary for two classes, macro for more; see the module docstring)."""

    AVERAGES = ("auto", "binary", "macro", "weighted")

    def __init__(self, which: str = "f1", average: str = "auto", from_logits: bool = True):
        super().__init__(from_logits)
        if average not in self.AVERAGES:
            raise ValueError(f"average={average!r}; expected one of {self.AVERAGES}")
        self.which, self.average = which, average
        self.name = which if average in ("auto", "binary") else f"{average}_{which}"

    def batch_state(self, output, target):
        pred, true = class_predictions(output, target, self.from_logits)
        n = 2 if _is_binary(output, target) else output.shape[-1]
        onehot_pred = F.one_hot(pred, n).bool()  # (N, C)
        onehot_true = F.one_hot(true, n).bool()  # (N, C)
        tp = (onehot_pred & onehot_true).sum(0)
        fp = (onehot_pred & ~onehot_true).sum(0)
        fn = (~onehot_pred & onehot_true).sum(0)
        return torch.stack([tp, fp, fn]).reshape(-1).double()  # (3C,)

    def result(self, state):
        tp, fp, fn = state.reshape(3, -1)  # (C,) each
        zero = torch.zeros_like(tp)
        precision = torch.where(tp + fp > 0, tp / (tp + fp).clamp(min=1), zero)
        recall = torch.where(tp + fn > 0, tp / (tp + fn).clamp(min=1), zero)
        f1 = torch.where(precision + recall > 0, 2 * precision * recall / (precision + recall).clamp(min=1e-12), zero)
        value = {"precision": precision, "recall": recall, "f1": f1}[self.which]
        average = self.average if self.average != "auto" else ("binary" if tp.numel() == 2 else "macro")
        if average == "binary":
            return float(value[1])
        if average == "weighted":
            support = tp + fn
            return float((value * support).sum() / support.sum()) if support.sum() > 0 else 0.0
        present = tp + fp + fn > 0  # a class neither in the targets nor predicted has no score
        return float(value[present].mean()) if present.any() else 0.0


def _errors(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """output - target, flattened, in float64 (the regression metrics' sums stay exact)."""
    return output.reshape(-1).double() - target.reshape(-1).double()


def _count(err: torch.Tensor) -> torch.Tensor:
    return torch.tensor(float(err.numel()), dtype=torch.float64)


class MAE(Metric):
    name = "mae"
    higher_is_better = False

    def batch_state(self, output, target):
        err = _errors(output, target)
        return torch.stack([err.abs().sum(), _count(err)])

    def result(self, state):
        return float(state[0] / state[1])


class RMSE(MAE):
    name = "rmse"

    def batch_state(self, output, target):
        err = _errors(output, target)
        return torch.stack([(err**2).sum(), _count(err)])

    def result(self, state):
        return math.sqrt(float(state[0] / state[1]))


class Perplexity(Metric):
    """exp(mean negative log-likelihood per predicted token) for next-token outputs (B, T, V)."""

    name = "perplexity"
    higher_is_better = False

    def batch_state(self, output, target):
        logp = F.log_softmax(output, -1) if self.from_logits else output.clamp_min(1e-12).log()
        logp, target = logp.reshape(-1, logp.shape[-1]), target.reshape(-1).long()
        # one value per token, then double: converting the whole (N, V) table cost more than the softmax
        nll = F.nll_loss(logp, target, reduction="none", ignore_index=IGNORE_INDEX).double().sum()
        return torch.stack([nll, (target != IGNORE_INDEX).sum().double()])

    def result(self, state):
        return math.exp(float(state[0] / state[1]))


def get_metric(name: str | Metric, from_logits: bool = True) -> Metric:
    """The metric called `name` (acc, precision, macro_f1, weighted_recall, mae, perplexity, ...)."""
    if isinstance(name, Metric):
        return name
    table = {
        "acc": lambda: Accuracy(from_logits),
        "accuracy": lambda: Accuracy(from_logits),
        "precision": lambda: PrecisionRecallF1("precision", "auto", from_logits),
        "recall": lambda: PrecisionRecallF1("recall", "auto", from_logits),
        "f1": lambda: PrecisionRecallF1("f1", "auto", from_logits),
        "macro_precision": lambda: PrecisionRecallF1("precision", "macro", from_logits),
        "macro_recall": lambda: PrecisionRecallF1("recall", "macro", from_logits),
        "macro_f1": lambda: PrecisionRecallF1("f1", "macro", from_logits),
        "weighted_precision": lambda: PrecisionRecallF1("precision", "weighted", from_logits),
        "weighted_recall": lambda: PrecisionRecallF1("recall", "weighted", from_logits),
        "weighted_f1": lambda: PrecisionRecallF1("f1", "weighted", from_logits),
        "mae": lambda: MAE(from_logits),
        "rmse": lambda: RMSE(from_logits),
        "perplexity": lambda: Perplexity(from_logits),
    }
    if name not in table:
        raise ValueError(f"metric {name!r} is not known; expected one of {sorted(table)}")
    metric = table[name]()
    if name == "accuracy":
        metric.name = "accuracy"
    return metric
