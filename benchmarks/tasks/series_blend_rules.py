"""How the classify-series blend's weight rules do on series that did not choose the weight, measured on
VALIDATION series only: for each trained run folder given, the model's and MiniRocket's probabilities on
the run's validation series; each rule picks the MiniRocket weight on all validation series but one and
is scored on the one left out (leave-one-out over the validation series; the test split is not read).

    python benchmarks/tasks/series_blend_rules.py RUN [RUN ...]

With --delivered first, it prints instead what each run's trained model would deliver on its test split
if the run were made now: MiniRocket fitted by the task's own fit_run_baseline (C, fit rows, refit) and the
weight by its choose_weight on all validation series, as training does; beside the model and MiniRocket
alone: the current rules' figures for runs trained before them, without training again.
"""
import sys

import numpy as np

from rnnkit.io.run import load
from rnnkit.models.blend import WEIGHTS, blend
from rnnkit.models.minirocket import class_log_loss
from rnnkit.tasks import read_run
from rnnkit.tasks.classify_series.baseline import LOSS_TIE, accuracy, choose_weight, fit_run_baseline
from rnnkit.tasks.classify_series.data import (LABELS_FILE, SCALING_FILE, Scaling, hold_out, label_ids, load_files,
                                               test_file)
from rnnkit.tasks.classify_series.predict import class_probabilities, refit_baseline
from rnnkit.tasks.runs import read_labels


FIRST_FIT = {"refit": False}
"""MiniRocket fitted on the run's fit rows, C chosen on its validation series, as the blend's weight sees it."""


def old_rule(model, base, y):
    """Before 2026-12-07: accuracy, then log loss, then the smaller weight."""
    k = model.shape[1]
    return min(WEIGHTS, key=lambda w: (-accuracy(blend(model, base, w), y),
                                       round(class_log_loss(y, np.clip(blend(model, base, w), 1e-12, 1), k), 9), w))


def near_best(slack_series: int):
    """Weights within `slack_series` right series of the best count as equally accurate; then the task's
    log-loss tie and the nearest to 0.5 (2026-12-07: a candidate for validation parts of a few series)."""
    def rule(m, b, y):
        probs = {w: blend(m, b, w) for w in WEIGHTS}
        right = {w: int(np.sum(p.argmax(1) == y)) for w, p in probs.items()}
        best = [w for w in WEIGHTS if right[w] >= max(right.values()) - slack_series]
        loss = {w: class_log_loss(y, np.clip(probs[w], 1e-12, 1), m.shape[1]) for w in best}
        return min((w for w in best if loss[w] <= min(loss.values()) + LOSS_TIE), key=lambda w: (abs(w - 0.5), w))
    return rule


def log_loss_tie(m, b, y):
    """Log loss alone, its ties (within LOSS_TIE) to the nearest 0.5."""
    loss = {w: class_log_loss(y, np.clip(blend(m, b, w), 1e-12, 1), m.shape[1]) for w in WEIGHTS}
    return min((w for w in WEIGHTS if loss[w] <= min(loss.values()) + LOSS_TIE), key=lambda w: (abs(w - 0.5), w))


RULES = {"accuracy within one series, log loss within 0.01, nearest 0.5": near_best(1),
         "log loss within 0.01, nearest 0.5": log_loss_tie,
         "accuracy, then nearest 0.5": lambda m, b, y: min(
             WEIGHTS, key=lambda w: (-accuracy(blend(m, b, w), y), abs(w - 0.5), w)),
         "log loss alone": lambda m, b, y: min(WEIGHTS, key=lambda w: (class_log_loss(
             y, np.clip(blend(m, b, w), 1e-12, 1), m.shape[1]), w)),
         "accuracy, then log loss (old)": old_rule,
         "accuracy, log loss within 0.01, nearest 0.5 (the task's rule before the pull)":
             lambda m, b, y: choose_weight(m, b, y, prior=0),
         "the task's choose_weight (the same, pulled toward 0.5 by 10 series)": choose_weight,
         "always 0.5": lambda m, b, y: 0.5,
         "model alone": lambda m, b, y: 0.0,
         "MiniRocket alone": lambda m, b, y: 1.0}

def delivered(paths):
    for path in paths:
        run = read_run(path)
        labels = read_labels(run, LABELS_FILE)
        scaling = Scaling.load(run.file(SCALING_FILE))
        held = hold_out(run.config, load_files(run.config), scaling, labels)
        ts = test_file(run.config, None)
        x, lengths = scaling.arrays(ts)
        y = label_ids(ts, labels)
        base = fit_run_baseline(len(labels), run.config.seed, held.fit, held.valid, (x, lengths, y),
                                everything=(held.x, held.lengths, held.y))
        model = load(run.path)
        valid_x, valid_lengths, valid_y = held.valid
        w = choose_weight(class_probabilities(model, valid_x, valid_lengths), base.probs["valid"], valid_y)
        m, b = class_probabilities(model, x, lengths), base.probs["test"]
        print(f"{path}: MiniRocket C={base.model.C:g}, weight {w:g}; test accuracy delivered "
              f"{accuracy(blend(m, b, w), y):.4f}, model alone {accuracy(m, y):.4f}, MiniRocket alone "
              f"{accuracy(b, y):.4f}", flush=True)


if sys.argv[1:2] == ["--delivered"]:
    delivered(sys.argv[2:])
    sys.exit()
totals = {name: [0, 0.0, 0] for name in RULES}  # right, log loss sum, series
for path in sys.argv[1:]:
    run = read_run(path)
    labels = read_labels(run, LABELS_FILE)
    held = hold_out(run.config, load_files(run.config), Scaling.load(run.file(SCALING_FILE)), labels)
    x, lengths, y = held.valid
    model = class_probabilities(load(run.path), x, lengths)
    base = refit_baseline(run, labels, FIRST_FIT).predict_proba(x)
    k, n = model.shape[1], len(y)
    line = [f"{path} ({n} validation series)"]
    for name, rule in RULES.items():
        right, loss = 0, 0.0
        for i in range(n):
            rest = np.arange(n) != i
            w = rule(model[rest], base[rest], y[rest])
            p = blend(model[i:i + 1], base[i:i + 1], w)
            right += int(p.argmax() == y[i])
            loss += -np.log(max(p[0, y[i]], 1e-12))
        totals[name][0] += right
        totals[name][1] += loss
        totals[name][2] += n
        line.append(f"  {name}: left-out accuracy {right / n:.4f}, log loss {loss / n:.4f}; on all, weight "
                    f"{rule(model, base, y):g}")
    print("\n".join(line), flush=True)
print("all runs' validation series together:")
for name, (right, loss, n) in totals.items():
    print(f"  {name}: left-out accuracy {right / n:.4f} ({right}/{n}), log loss {loss / n:.4f}")
