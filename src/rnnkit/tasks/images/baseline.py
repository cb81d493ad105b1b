"""The image run's baseline: multinomial logistic regression on the pixels (scikit-learn), the first thing a user
tries on small grey images, scored on the same validation and test images as the model:

    p(y = k | x) = softmax(W x + b)_k,   x the image's H*W grey values in [0, 1],   W fitted with penalty ||W||^2 / 2C

(a sigmoid for two classes). C is the grid's value (C_GRID) of best validation accuracy; each fit reads at most
MAX_IMAGES training images (a seeded sample: seconds a fit on one core, where all of MNIST's take several times
longer for about one point; benchmarks/TASKS.md). The run delivers the blend

    p_run(y | x) = (1 - w) p_model(y | x) + w p_baseline(y | x),   w in {0, 0.05, ..., 1}

with w of best validation accuracy, then lowest validation log loss, then the smallest: a run is never worse than
its baseline on validation. `baseline.npz` keeps W, b and the classes it was fitted on and `blend.json` the
weight, so predict and evaluate apply the same blend. The baseline never stops a run: when it cannot be fitted
the report says why and the model goes on alone.
"""
from __future__ import annotations

import json
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rnnkit.atomic import write_json, write_npz
from rnnkit.errors import UserError
from rnnkit.models.blend import accuracy, best_weight, blend, log_loss
from rnnkit.tasks.report import accuracy_rows

NAME = "logistic regression on the pixels"
C_GRID = (0.1, 1.0)
MAX_IMAGES = 10_000
WEIGHTS_FILE, BLEND_FILE = "baseline.npz", "blend.json"


@dataclass
class PixelLinear:
    """A fitted logistic regression as arrays: W (1 or K', P), b, and the class ids its rows are."""
    coef: np.ndarray
    intercept: np.ndarray
    classes: np.ndarray

    def predict_proba(self, x: np.ndarray, num_classes: int) -> np.ndarray:
        """(N, num_classes) probabilities; a class the fit never saw gets 0."""
        logits = x @ self.coef.T + self.intercept
        if self.coef.shape[0] == 1:  # scikit-learn's two classes: one row, the second class's logit
            p = 1 / (1 + np.exp(-logits))
            known = np.concatenate([1 - p, p], axis=1)
        else:
            known = np.exp(logits - logits.max(1, keepdims=True))
            known /= known.sum(1, keepdims=True)
        probs = np.zeros((len(x), num_classes))
        probs[:, self.classes] = known
        return probs


@dataclass
class PixelBaseline:
    linear: PixelLinear | None = None
    C: float | None = None
    fitted_on: int = 0
    probs: dict[str, np.ndarray] = field(default_factory=dict)
    """"valid", "test" -> (N, K) probabilities"""
    seconds: float = 0.0
    reason: str = ""
    """why there is none"""


def fit_pixel_baseline(train: tuple, valid: tuple | None, test: tuple | None, num_classes: int, seed: int,
                       say) -> PixelBaseline:
    """Fit on (a sample of) `train` for each C, keep the best on `valid` (the grid's first without it), score
    valid and test. Never raises."""
    from sklearn.linear_model import LogisticRegression

    t0 = time.perf_counter()
    x, y = train
    rows = np.sort(np.random.default_rng(seed).permutation(len(x))[:MAX_IMAGES]) if len(x) > MAX_IMAGES else slice(None)
    try:
        best = None
        for c in C_GRID if valid is not None else C_GRID[:1]:
            with warnings.catch_warnings():  # classes of one or two images: "y could represent a regression problem"
                warnings.filterwarnings("ignore", message="The number of unique classes is greater than 50%")
                model = LogisticRegression(C=c, max_iter=200).fit(x[rows], y[rows])
            acc = float(np.mean(model.predict(valid[0]) == valid[1])) if valid is not None else 0.0
            if best is None or acc > best[0]:
                best = (acc, c, model)
    except Exception as err:  # noqa: BLE001 - the baseline must never make a run fail; the report names the error
        say(f"baseline ({NAME}): not fitted, {type(err).__name__}: {err}; the run goes on without it")
        return PixelBaseline(reason=f"{type(err).__name__}: {err}")
    _, c, model = best
    linear = PixelLinear(model.coef_.astype(np.float64), model.intercept_.astype(np.float64),
                         model.classes_.astype(np.int64))
    splits = {k: s for k, s in (("valid", valid), ("test", test)) if s is not None}
    probs = {k: linear.predict_proba(s[0], num_classes) for k, s in splits.items()}
    result = PixelBaseline(linear, c, len(y[rows]), probs, time.perf_counter() - t0)
    say(f"baseline ({NAME}, C={c:g}, fitted on {result.fitted_on:,} training images): "
        + (", ".join(f"{k} acc={accuracy(probs[k], s[1]):.4f}" for k, s in splits.items())
           or "no validation or test images to score it on")  # was "images): , in 1.3s" (probes6)
        + f", in {result.seconds:.1f}s")
    return result


def choose_weight(model_probs: np.ndarray, baseline_probs: np.ndarray, labels: np.ndarray) -> float:
    """The baseline weight of best accuracy on these (validation) images, then lowest log loss, then the smallest."""
    def loss(w: float):
        p = blend(model_probs, baseline_probs, w)
        return -accuracy(p, labels), round(log_loss(p, labels), 12)
    return best_weight(loss)


def save(run_dir: Path, result: PixelBaseline, weight: float) -> None:
    linear = result.linear
    write_npz(Path(run_dir) / WEIGHTS_FILE, {"coef": linear.coef, "intercept": linear.intercept,
                                             "classes": linear.classes})
    write_json(Path(run_dir) / BLEND_FILE, {"baseline": NAME, "weight": weight, "C": result.C})


def load(run_dir: Path) -> tuple[PixelLinear, float] | None:
    """The run's baseline and blend weight; None for a run without them (trained before, or with no baseline)."""
    path = Path(run_dir) / BLEND_FILE
    if not path.is_file():
        return None
    try:
        weight = float(json.loads(path.read_text(encoding="utf-8"))["weight"])
        with np.load(Path(run_dir) / WEIGHTS_FILE, allow_pickle=False) as saved:
            return PixelLinear(saved["coef"], saved["intercept"], saved["classes"]), weight
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise UserError(f"{path.parent}: not a readable image baseline ({BLEND_FILE}, {WEIGHTS_FILE}: {err})") from None


def report_section(result: PixelBaseline, table: dict[str, dict[str, float]], weight: float) -> str:
    """report.md's "## Baseline": the model, the baseline and the run's blend side by side, and which won on
    test, plainly."""
    if result.linear is None:
        return f"\n## Baseline\n\n{NAME} could not be fitted: {result.reason}.\n"
    names = {"model": "the recurrent model alone", "baseline": f"{NAME} (C={result.C:g})",
             "run": f"the run's prediction: model and baseline blended, baseline weight {weight:g}"}
    rows = accuracy_rows(table, names, weight)
    text = (f"\n## Baseline\n\nscikit-learn's logistic regression on the grey values, fitted on {result.fitted_on:,} "
            f"training images, C chosen on the validation images, in {result.seconds:.1f}s; the blend weight chosen "
            "on the validation images.\n\n" + "\n".join(rows) + "\n")
    return text + (f"\n{verdict(table, weight)}\n" if "test" in table["baseline"] else "")


def verdict(table: dict[str, dict[str, float]], weight: float) -> str:
    """Which won on the test images, in plain sentences."""
    model, base = table["model"]["test"], table["baseline"]["test"]
    run = f" The run's prediction (baseline weight {weight:g}): {table['run']['test']:.4f}." if weight else ""
    if model > base:
        return f"The model alone beats {NAME} on the test images: accuracy {model:.4f} against {base:.4f}.{run}"
    return f"**The model alone does NOT beat {NAME} on the test images**: accuracy {model:.4f} against {base:.4f}.{run}"
