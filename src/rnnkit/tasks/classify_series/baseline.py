"""The series run's baseline, MiniRocket + logistic regression (`rnnkit.models.minirocket`): its C chosen by
5-fold cross-validated log loss over the whole training file (the smallest C within LOSS_TIE of the lowest);
fitted with that C on the model's own training series and scored on the validation series, where the blend
weight is chosen; then fitted again with that C on the whole training file (validation series included, as a
published MiniRocket is trained) and scored on the same test series; and the delivered prediction

    p_run(y | x) = (1 - w) p_model(y | x) + w p_MiniRocket(y | x),   w in {0, 0.05, ..., 1}

with w first chosen on the n validation series: of best accuracy; among those, the weights whose log loss is
within LOSS_TIE (0.01 nats a series) of the lowest count as equal, and of these the one nearest the
equal-weight average 0.5, then the smaller; then pulled toward 0.5 as if PRIOR_SERIES more series had
chosen the average, w = (n w + PRIOR_SERIES 0.5) / (n + PRIOR_SERIES), on the grid. Why: C chosen on a
handful of validation series went to the grid's largest wherever they were separable, and the refit at
that C was sure of its test mistakes, outvoting the model in the average; cross-validation reads every
training series. A weight chosen on 6 series swings to an end on one series' evidence; the pull toward
the average is what 10 series of evidence outweigh. Both were measured by leave-one-out over the
validation series of ten trained runs and on the test series of UCR problems nobody here tuned on
(benchmarks/tasks/series_weight_rules.py; TASKS.md). The test series choose nothing. `blend.json` keeps w,
C and the accuracies; MiniRocket is fitted again from the run's training file when evaluate or predict need
it (seeded: the same features and classifier again; no pickle). The baseline never stops a run: when it
cannot be fitted the report says why and the model goes on alone.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rnnkit.atomic import write_json
from rnnkit.errors import UserError
from rnnkit.models.blend import WEIGHTS, accuracy, blend, pulled_weight
from rnnkit.models.minirocket import FOLDS, RocketLinear, class_log_loss
from rnnkit.tasks.report import accuracy_rows

NAME = "MiniRocket + logistic regression"
NEAREST = "1-NN, Euclidean distance"
BLEND_FILE = "blend.json"
LOSS_TIE = 0.01
"""Log losses (nats a series) closer than this are not told apart by the blend's or C's choice."""
PRIOR_SERIES = 10
"""The equal-weight average counts as this many validation series in the blend weight (module docstring)."""


@dataclass
class RunBaseline:
    model: RocketLinear | None
    reason: str = ""
    """why there is none"""
    probs: dict[str, np.ndarray] = field(default_factory=dict)
    """split -> (N, K) class probabilities on the valid and test series"""
    seconds: float = 0.0
    fitted_on: int = 0
    """training series the delivered classifier was fitted on"""
    refit: bool = False
    """fitted again on the whole training file once C was chosen on the validation series"""
    nearest: dict[str, float] = field(default_factory=dict)
    """split -> accuracy of 1-NN with Euclidean distance (`nearest_neighbour`); empty where it is not defined"""


def fit_run_baseline(num_classes: int, seed: int, fit: tuple, valid: tuple | None, test: tuple | None,
                     say=lambda *a: None, *, everything: tuple | None = None) -> RunBaseline:
    """MiniRocket's C chosen by cross-validation over `everything` (the whole training file; `fit` without
    it), then fitted on `fit` ((x, lengths, y): the model's training rows) and scored on `valid`; then, when
    `everything` holds more series than `fit`, fitted again on all of them with that C, and scored on test.
    Never raises: a failure becomes the reason the report gives."""
    t0 = time.perf_counter()
    try:
        chooser = everything if everything is not None else fit
        model = RocketLinear(num_classes, seed).choose_c(chooser[0], chooser[-1], LOSS_TIE).fit(fit[0], fit[-1])
        probs = {"valid": model.predict_proba(valid[0])} if valid is not None else {}
        refit = everything is not None and len(everything[-1]) > len(fit[-1])
        if refit:
            model.refit(everything[0], everything[-1])
        if test is not None:
            probs["test"] = model.predict_proba(test[0])
    except Exception as err:  # noqa: BLE001 - the baseline must never make a run fail; the report names the error
        say(f"baseline ({NAME}): not fitted, {type(err).__name__}: {err}; the run goes on without it")
        return RunBaseline(None, f"{type(err).__name__}: {err}")
    result = RunBaseline(model, probs=probs, seconds=time.perf_counter() - t0,
                         fitted_on=len((everything if refit else fit)[-1]), refit=refit)
    accs = {k: f"{k} acc={accuracy(probs[k], s[-1]):.4f}" for k, s in (("valid", valid), ("test", test)) if k in probs}
    if refit:
        accs["valid"] += (f" (fitted on {len(fit[-1])} series), then refitted on all {result.fitted_on} training "
                          "series with that C" + (":" if "test" in accs else ""))
    say(f"baseline ({NAME}, C={model.C:g} by {FOLDS}-fold cross-validation): "
        f"{(' ' if refit else ', ').join(accs.values())}, in {result.seconds:.1f}s")
    return result


def nearest_neighbour(fit: tuple, valid: tuple | None, test: tuple | None, everything: tuple) -> dict[str, float]:
    """The first thing a user tries on labelled series: the accuracy of 1-nearest-neighbour with Euclidean distance
    (UCR's oldest reference classifier), on the series as the model reads them (the run's scaling; the channels
    of a step side by side): on `valid` from the model's training rows `fit`, on `test` from `everything` (the
    whole training file), as MiniRocket is fitted. Defined for series of one length only: {} otherwise."""
    from sklearn.neighbors import KNeighborsClassifier

    splits = {k: (train, held) for k, train, held in (("valid", fit, valid), ("test", everything, test))
              if held is not None}
    lengths = np.concatenate([everything[1]] + [held[1] for _, held in splits.values()])
    if (lengths != lengths[0]).any():
        return {}
    accs = {}
    for k, (train, held) in splits.items():
        flat = [x[:, :lengths[0]].reshape(len(x), -1) for x in (train[0], held[0])]  # padded to the longest: cut
        knn = KNeighborsClassifier(n_neighbors=1, algorithm="brute").fit(flat[0], train[-1])
        accs[k] = float(np.mean(knn.predict(flat[1]) == held[-1]))
    return accs


def choose_weight(model_probs: np.ndarray, baseline_probs: np.ndarray, labels: np.ndarray,
                  prior: float = PRIOR_SERIES) -> float:
    """The weight of best accuracy on these n (validation) series; among equals, those of log loss within
    LOSS_TIE of the lowest, and of these the one nearest 0.5, then the smaller; then pulled toward 0.5 by
    `prior` series: the grid's weight nearest (n w + prior 0.5) / (n + prior), the nearer 0.5 of two (module
    docstring; `prior` 0: the rule before 2026-12-07's pull, for comparisons)."""
    k, n = model_probs.shape[1], len(labels)
    probs = {w: blend(model_probs, baseline_probs, w) for w in WEIGHTS}
    accs = {w: accuracy(p, labels) for w, p in probs.items()}
    best = [w for w in WEIGHTS if accs[w] == max(accs.values())]
    loss = {w: class_log_loss(labels, np.clip(probs[w], 1e-12, 1), k) for w in best}
    low = min(loss.values())
    chosen = min((w for w in best if loss[w] <= low + LOSS_TIE), key=lambda w: (abs(w - 0.5), w))
    return pulled_weight(chosen, n, prior)


def save_blend(run_dir: Path, weight: float, baseline: RunBaseline, table: dict) -> None:
    """blend.json: the weight, and how to fit the same baseline again (its C; `refit`: on the whole
    training file with that C, else on the fit rows choosing C again: runs made before the refit)."""
    write_json(Path(run_dir) / BLEND_FILE, {"baseline": NAME, "weight": weight, "C": baseline.model.C,
                                            "refit": baseline.refit, "accuracy": table})


def load_blend(run_dir: Path) -> dict | None:
    """The run's blend.json; None for a run without a baseline (made before it, or it failed)."""
    path = Path(run_dir) / BLEND_FILE
    if not path.is_file():
        return None
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        return {**saved, "weight": float(saved["weight"]), "C": float(saved.get("C", 1.0)),
                "refit": bool(saved.get("refit", False))}
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise UserError(f"{path}: not a readable blend file ({err})") from None


def report_section(result: RunBaseline, table: dict[str, dict[str, float]], weight: float) -> str:
    """report.md's "## Baseline": model, MiniRocket and the run's prediction side by side, and which won
    on test, plainly."""
    if result.model is None:
        return f"\n## Baseline\n\n{NAME} could not be fitted: {result.reason}. The run goes on with the model alone.\n"
    splits = [k for k in ("valid", "test") if k in table["baseline"]]
    names = {"model": "the recurrent model alone", "baseline": f"{NAME} (C={result.model.C:g})",
             "run": f"the run's prediction: model and MiniRocket blended, MiniRocket weight {weight:g}"}
    rows = accuracy_rows(table, names, weight)
    if result.nearest:
        rows.append(f"| {NEAREST} (a reference, not blended) | "
                    + " | ".join(f"{result.nearest[k]:.4f}" if k in result.nearest else "-" for k in splits) + " |")
    chosen = f"C chosen by {FOLDS}-fold cross-validated log loss over all {result.fitted_on} training series"
    fitted = (f"{chosen}; fitted with that C on the model's own training series, the blend weight chosen on the "
              f"validation series; then fitted again on all {result.fitted_on} training series with that C, as a "
              "published MiniRocket is (its validation figure is the first fit's, its test figure the second's)"
              if result.refit else f"{chosen} and fitted on them; the blend weight chosen on the validation series")
    text = (f"\n## Baseline\n\naeon's MiniRocket (10,000 kernels) and a logistic regression on its standardised "
            f"features, in {result.seconds:.1f}s: {fitted}.\n\n" + "\n".join(rows) + "\n")
    if "test" in splits:
        text += "\n" + verdict(table, weight, result.nearest.get("test")) + "\n"
    return text


def verdict(table: dict[str, dict[str, float]], weight: float, nearest: float | None = None) -> str:
    """Which won on the test series, in plain sentences: the model against MiniRocket, and the run's
    prediction against 1-NN where it does not beat it."""
    model, base, delivered = table["model"]["test"], table["baseline"]["test"], table["run"]["test"]
    run = f" The run's prediction (MiniRocket weight {weight:g}): {delivered:.4f}." if weight else ""
    if nearest is not None and delivered < nearest:
        run += f" **The run's prediction does NOT beat {NEAREST}** ({nearest:.4f})."
    if model > base:
        return f"The model alone beats {NAME} on the test series: accuracy {model:.4f} against {base:.4f}.{run}"
    return f"**The model alone does NOT beat {NAME} on the test series**: accuracy {model:.4f} against {base:.4f}.{run}"
