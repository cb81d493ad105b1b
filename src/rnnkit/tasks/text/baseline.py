"""The run's linear baseline (TF-IDF + logistic regression, `rnnkit.models.linear_baseline`): fitted on the
run's training split, C chosen on its validation split, scored beside the model; and the blend

    p_run(y | text) = softmax_y(a log[(1 - w) p_model(y | text) + w p_baseline(y | text)] + c_y)

with w in {0, 0.05, ..., 1}, and the Platt scaling (a, c) of the blend (`rnnkit.models.calibration`) fitted
at each w on the validation texts; the w whose scaled blend has the lowest validation log loss is kept (ties:
the smaller w, so w = 0 unless the baseline helps). On fewer than LARGE_VALIDATION validation texts that
blend is kept only when its gain over the baseline's own prediction (w = 1, scaled without class biases) is
clear, more than CLEAR_GAIN standard errors of the per-text difference; else the run delivers the baseline's
prediction and its report says why: benchmarks/TASKS.md, *The blend on small validation splits*. Scaling before
choosing w lets an accurate but underconfident member (IMDB's baseline) carry the weight its accuracy earns, and
the class biases move the boundary where both members under-predict a class (vader-tweets' negatives):
benchmarks/TASKS.md, *The blend's rule*. The baseline's files (baseline.json, baseline.npz, no pickle), w and
(a, c) are saved in the run folder; predict and evaluate apply the same. Runs saved before the scaling load with
a = 1, c = 0: the plain blend, as they predicted. The baseline never stops a run: when it cannot be fitted the
report says why and the run goes on with the model alone.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rnnkit.models.blend import WEIGHTS, accuracy, best_weight, blend, clear_gain, log_losses
from rnnkit.models.calibration import Scaling, fit_scaling
from rnnkit.models.linear_baseline import LOGISTIC, BaselineUnavailable, TextBaseline, fit_baseline
from rnnkit.tasks.task import Run

BASELINE_JSON, BASELINE_NPZ = "baseline.json", "baseline.npz"
NAME = "TF-IDF + logistic regression"
LARGE_VALIDATION = 200
"""validation texts from which the lowest validation log loss alone chooses the blend: drawn from the catalog's
validation splits, 250 texts chose blends that beat the baseline alone on test, 30-120 did not reliably"""
CLEAR_GAIN = 2.0
"""on fewer texts, the standard errors by which the blend must beat the baseline alone to be kept"""


@dataclass
class RunBaseline:
    baseline: TextBaseline | None
    reason: str = ""
    """why there is no baseline"""
    probs: dict[str, np.ndarray] | None = None
    """the baseline's class probabilities on the valid and test splits"""
    seconds: float = 0.0


def fit_run_baseline(splits: dict, num_classes: int, tokenizer: str, say) -> RunBaseline:
    """Fit on splits["train"], choose C on splits["valid"], score valid and test. Never raises: any
    failure becomes the reason the report gives."""
    t0 = time.perf_counter()
    many = f", {num_classes} classes (minutes with many classes)" if num_classes > 20 else ""
    say(f"baseline ({NAME}): fitting on {len(splits['train'][0]):,} training texts{many}")
    try:
        baseline = fit_baseline(splits["train"], splits.get("valid"), num_classes, tokenizer)
        probs = {k: baseline.predict_proba(splits[k][0]) for k in ("valid", "test") if splits.get(k) is not None}
    except BaselineUnavailable as err:
        return unavailable(str(err), say)
    except Exception as err:  # noqa: BLE001 - the baseline must never make a run fail; the report names the error
        return unavailable(f"{type(err).__name__}: {err}", say)
    result = RunBaseline(baseline, probs=probs, seconds=time.perf_counter() - t0)
    accs = ", ".join(f"{k} acc={accuracy(p, splits[k][1]):.4f}" for k, p in probs.items())
    say(f"baseline ({name_of(baseline)}, {describe(baseline)}, C={baseline.C:g}): {accs}, "
        f"in {result.seconds:.1f}s")
    return result


def unavailable(reason: str, say) -> RunBaseline:
    say(f"baseline ({NAME}): not fitted, {reason}; the run goes on without it")
    return RunBaseline(None, reason)


def describe(baseline: TextBaseline) -> str:
    """"76,677 word 1-2 grams + 200,000 character 1-5 grams, naive Bayes scaled": each view's size and
    n-gram range, and the scaling when there is one."""
    names = {"words": "word", "chars": "character"}
    views = [f"{len(v.vocabulary_):,} {names.get(k, k)} {'-'.join(map(str, baseline.settings[k]['ngram_range']))} grams"
             for k, v in baseline.views.items()]
    return (" + ".join(views) + (", naive Bayes scaled" if baseline.nb_ratio is not None else "")
            + (", one class against the rest, their scores through a softmax" if baseline.fitted_by != LOGISTIC else ""))


def name_of(baseline: TextBaseline) -> str:
    """NAME, or what fitted the baseline's weights where that was not logistic regression (many classes)."""
    return NAME if baseline.fitted_by == LOGISTIC else f"TF-IDF + {baseline.fitted_by}"


@dataclass(frozen=True)
class Blend:
    """How a run combines its model's and its baseline's class probabilities."""
    weight: float = 0.0
    """w, the baseline's weight"""
    scaling: Scaling = Scaling()
    """the Platt scaling of the blend (the identity: the plain blend)"""
    why: str = field(default="", compare=False)
    """why the baseline alone was kept over a blend of lower validation log loss (empty otherwise)"""

    def apply(self, model_probs: np.ndarray, baseline_probs: np.ndarray | None) -> np.ndarray:
        """The run's probabilities; `baseline_probs` is not read (may be None) when w = 0."""
        return self.scaling.apply(blend(model_probs, baseline_probs, self.weight))

    @property
    def plain(self) -> bool:
        """the model's own probabilities, untouched"""
        return self.weight == 0 and self.scaling.identity

    def describe(self) -> str:
        """"baseline weight 0.75, Platt-scaled (scale 1.52, class biases)": the run's prediction in words."""
        biases = ", class biases" if any(self.scaling.bias) else ""
        scaled = "" if self.scaling.identity else f", Platt-scaled (scale {self.scaling.scale:.3g}{biases})"
        return f"baseline weight {self.weight:g}{scaled}"


def choose_blend(model_probs: np.ndarray, baseline_probs: np.ndarray, labels: np.ndarray) -> Blend:
    """The weight, with its Platt scaling fitted on the same texts, of lowest validation log loss; the first
    (smallest) of equals. Log loss, not accuracy: over a few hundred or thousand texts accuracy is flat
    across most weights and its maximum is noise, where log loss, a proper scoring rule, is smooth in w. Each
    weight's blend is scaled before it is scored, so an underconfident member is not under-weighted for its
    probabilities' spread alone (benchmarks/TASKS.md: chosen on one half of the validation texts, the rule
    scores the other half level with or better than the unscaled rule on each of seven sets).

    On fewer than LARGE_VALIDATION texts that choice is noise as often as not (a user's small file: 30-156
    validation texts chose blends that lost 1-2 test points to the baseline alone, and class biases fitted on
    36-86 texts of two classes lost 0.4-0.7), so the run keeps the baseline's own prediction (w = 1, the scale
    alone: each text's most probable class is the baseline's) unless the chosen blend beats it by more than
    CLEAR_GAIN standard errors of the per-text log loss difference."""
    fits = {w: fit_scaling(blend(model_probs, baseline_probs, w), labels) for w in WEIGHTS}
    weight = best_weight(lambda w: round(fits[w][1], 9))
    chosen = Blend(weight, fits[weight][0])
    if len(labels) >= LARGE_VALIDATION or (weight == 1.0 and not any(chosen.scaling.bias)):
        return chosen
    alone = Blend(1.0, fit_scaling(baseline_probs, labels, biases=False)[0])
    gain = (log_losses(alone.apply(model_probs, baseline_probs), labels)
            - log_losses(chosen.apply(model_probs, baseline_probs), labels))
    clear, mean, se = clear_gain(gain, CLEAR_GAIN)
    if clear:
        return chosen
    what = f"baseline weight {weight:g}" + (", class biases" if any(chosen.scaling.bias) else "")
    return Blend(1.0, alone.scaling, why=(
        f"the baseline's own prediction (scaled, each text's class the baseline's): the blend of lowest validation "
        f"log loss ({what}) beats it by {mean:.4f} nats a text on {len(labels):,} validation texts, within "
        f"{CLEAR_GAIN:g} standard errors ({CLEAR_GAIN * se:.4f}); below {LARGE_VALIDATION} validation texts the "
        "model and the class biases enter only where their gain is clear"))


def save(result: RunBaseline, run_dir: Path, chosen: Blend, facts: dict) -> None:
    result.baseline.save(Path(run_dir) / BASELINE_JSON, Path(run_dir) / BASELINE_NPZ, blend_weight=chosen.weight,
                         blend_scaling=chosen.scaling.to_json(), scores=facts)


def load_blend(run: Run) -> tuple[TextBaseline, Blend] | None:
    """The run's baseline and blend when its predictions are not the model's own (w > 0 or a scaling), else
    None. A run saved before the scaling has none: its blend is the plain one it predicted with."""
    path = run.file(BASELINE_JSON)
    if not path.is_file():
        return None
    baseline, record = TextBaseline.load(path, run.file(BASELINE_NPZ))
    chosen = Blend(float(record.get("blend_weight", 0.0)), Scaling.from_json(record.get("blend_scaling")))
    return None if chosen.plain else (baseline, chosen)


def report_section(result: RunBaseline, model_name: str, scores: dict[str, dict[str, float]], chosen: Blend | None,
                   blend_note: str) -> str:
    """report.md's "## Baseline": model, baseline and (when blended) the run's prediction side by side,
    the difference, and a plain sentence when the run does not beat the baseline."""
    if result.baseline is None:
        return f"\n## Baseline\n\n{NAME} could not be fitted: {result.reason}. The run goes on with the model alone.\n"
    blended = chosen is not None and not chosen.plain
    splits = [k for k in ("valid", "test") if k in scores.get("baseline", {})]
    head = "| | " + " | ".join(f"{'validation' if k == 'valid' else 'test'} accuracy" for k in splits) + " |"
    rows = [head, "|---" * (len(splits) + 1) + "|"]
    names = {"model": model_name, "baseline": f"baseline: {name_of(result.baseline)} (C={result.baseline.C:g})",
             "run": f"the run's prediction: model and baseline blended, {chosen.describe() if blended else ''}"}
    for key in ("model", "baseline", "run"):
        if key in scores and not (key == "run" and not blended):
            rows.append(f"| {names[key]} | " + " | ".join(f"{scores[key][k]:.4f}" for k in splits) + " |")
    on = splits[-1] if splits else None
    text = (f"\n## Baseline\n\n{name_of(result.baseline)} over {describe(result.baseline)}, fitted on the same "
            f"training texts in {result.seconds:.1f}s; C, the blend weight and its scaling chosen on the validation "
            "texts.\n\n"
            + "\n".join(rows) + "\n")
    if on is None:
        return text + "\nNo validation or test texts: nothing to compare on.\n"
    run_key = "run" if blended else "model"
    diff = 100 * (scores[run_key][on] - scores["baseline"][on])
    split_name = "validation" if on == "valid" else "test"
    text += f"\nDifference, the run's prediction minus the baseline, on the {split_name} texts: {diff:+.2f} points.\n"
    if diff <= 0:
        text += (f"\n**The model does not beat the baseline** on the {split_name} texts: a linear model over word "
                 "and character n-grams does as well or better here. Short texts decided by a few words often are; more "
                 "training texts, or the baseline itself, may serve better.\n")
    elif blended and scores["model"][on] <= scores["baseline"][on]:
        text += ("\nThe model alone does not beat the baseline; the blend of the two does.\n")
    return text + blend_note
