"""The image run's baseline: multinomial logistic regression on the pixels (scikit-learn), the first thing a user
tries on small grey images, scored on the same validation and test images as the model:

    p(y = k | x) = softmax(W x + b)_k,   x the image's H*W grey values in [0, 1],   W fitted with penalty ||W||^2 / 2C

C is the grid's value (C_GRID) of best validation accuracy; each fit reads at most MAX_IMAGES training images
(a seeded sample: seconds a fit on one core, where all of MNIST's take several times longer for about one point;
benchmarks/TASKS.md). The baseline is reported beside the model, not blended into its prediction, and never stops a
run: when it cannot be fitted the report says why.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

NAME = "logistic regression on the pixels"
C_GRID = (0.1, 1.0)
MAX_IMAGES = 10_000


@dataclass
class PixelBaseline:
    C: float | None = None
    fitted_on: int = 0
    accuracy: dict[str, float] = field(default_factory=dict)
    """"valid", "test" -> accuracy"""
    seconds: float = 0.0
    reason: str = ""
    """why there is none"""


def fit_pixel_baseline(train: tuple, valid: tuple | None, test: tuple | None, seed: int, say) -> PixelBaseline:
    """Fit on (a sample of) `train` for each C, keep the best on `valid` (the grid's first without it), score
    valid and test. Never raises."""
    from sklearn.linear_model import LogisticRegression

    t0 = time.perf_counter()
    x, y = train
    rows = np.sort(np.random.default_rng(seed).permutation(len(x))[:MAX_IMAGES]) if len(x) > MAX_IMAGES else slice(None)
    try:
        best = None
        for c in C_GRID if valid is not None else C_GRID[:1]:
            model = LogisticRegression(C=c, max_iter=200).fit(x[rows], y[rows])
            acc = float(np.mean(model.predict(valid[0]) == valid[1])) if valid is not None else 0.0
            if best is None or acc > best[0]:
                best = (acc, c, model)
    except Exception as err:  # noqa: BLE001 - the baseline must never make a run fail; the report names the error
        say(f"baseline ({NAME}): not fitted, {type(err).__name__}: {err}; the run goes on without it")
        return PixelBaseline(reason=f"{type(err).__name__}: {err}")
    _, c, model = best
    accs = {k: float(np.mean(model.predict(s[0]) == s[1])) for k, s in (("valid", valid), ("test", test))
            if s is not None}
    result = PixelBaseline(c, len(y[rows]), accs, time.perf_counter() - t0)
    say(f"baseline ({NAME}, C={c:g}, fitted on {result.fitted_on:,} training images): "
        + ", ".join(f"{k} acc={v:.4f}" for k, v in accs.items()) + f", in {result.seconds:.1f}s")
    return result


def report_section(result: PixelBaseline, model: dict[str, float]) -> str:
    """report.md's "## Baseline": the model and the baseline side by side, and which won on test, plainly."""
    if result.C is None:
        return f"\n## Baseline\n\n{NAME} could not be fitted: {result.reason}.\n"
    splits = [k for k in ("valid", "test") if k in result.accuracy and k in model]
    rows = ["| | " + " | ".join(f"{'validation' if k == 'valid' else 'test'} accuracy" for k in splits) + " |",
            "|---" * (len(splits) + 1) + "|",
            "| the recurrent model | " + " | ".join(f"{model[k]:.4f}" for k in splits) + " |",
            f"| {NAME} (C={result.C:g}) | " + " | ".join(f"{result.accuracy[k]:.4f}" for k in splits) + " |"]
    text = (f"\n## Baseline\n\nscikit-learn's logistic regression on the grey values, fitted on {result.fitted_on:,} "
            f"training images, C chosen on the validation images, in {result.seconds:.1f}s.\n\n" + "\n".join(rows) + "\n")
    return text + (f"\n{verdict(model['test'], result.accuracy['test'])}\n" if "test" in splits else "")


def verdict(model: float, baseline: float) -> str:
    if model > baseline:
        return f"The model beats {NAME} on the test images: accuracy {model:.4f} against {baseline:.4f}."
    return f"**The model does NOT beat {NAME} on the test images**: accuracy {model:.4f} against {baseline:.4f}."
