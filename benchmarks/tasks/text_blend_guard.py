"""When should a text run's blend leave the baseline alone? Rules compared on cached runs
(`text_blend_rules.py cache RUN A.npz`: the model's and the baseline's class probabilities on the run's
validation and test texts), without training:

- `test`: each rule fitted on the run's whole validation split, its test texts scored (accuracy and log loss,
  and accuracy minus the baseline alone's, in points).
- `sub`: each rule fitted on `--sizes` texts drawn from the validation split (stratified, seeded, `--draws`
  times), the test texts scored: what a user's small file would get from the same two members.

The rules (`old`: tasks/text/baseline.py's choose_blend before 2026-12-07's guard):
  old          the weight (and Platt scaling) of lowest validation log loss
  new          choose_blend as it is now: old on 200 or more validation texts; on fewer, old where its gain
               over the baseline's own prediction (w = 1 scaled without class biases: the baseline's classes)
               is more than 2 standard errors of the per-text log loss difference, else that baseline
  baseline     w = 1 with its Platt scaling: the baseline alone, scaled
  raw baseline the baseline's own probabilities; model: the model's own
  guard k      old's weight unless its validation log loss beats the scaled baseline's (w = 1) by more than k
               standard errors of the per-text difference; else w = 1, whatever the validation size
  nearest k    the largest weight whose log loss is within k standard errors (of the per-text difference) of
               the best's
  acc k        as guard, the per-text difference in accuracy (right or wrong) instead of log loss
  pulled m     old's weight pulled toward 1 by a prior worth m texts (the grid's nearest, scaling refitted)
  size n       the baseline alone (scaled) below n validation texts, else old
  baseline, no bias   w = 1 scaled without class biases: the baseline's own most probable class
  kept k | n   new with k standard errors and n texts (new is kept 2 | 200)

    python benchmarks/tasks/text_blend_guard.py test A.npz ... [--table]
    python benchmarks/tasks/text_blend_guard.py sub A.npz ... [--sizes 30 60 120] [--draws 30]
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from rnnkit.models.blend import WEIGHTS, accuracy, blend, clear_gain, log_loss, log_losses
from rnnkit.models.calibration import fit_scaling
from rnnkit.tasks.text.baseline import Blend, choose_blend


class Fits:
    """Every weight's Platt-scaled blend on one set of validation texts, fitted once."""

    def __init__(self, pm, pb, y):
        self.pm, self.pb, self.y = pm, pb, y
        self.fits = {w: fit_scaling(blend(pm, pb, w), y) for w in WEIGHTS}
        self.best = min(WEIGHTS, key=lambda w: (round(self.fits[w][1], 9), w))

    def baseline(self) -> Blend:
        """w = 1 scaled without class biases: the baseline's own most probable class."""
        return Blend(1.0, fit_scaling(self.pb, self.y, biases=False)[0])

    def at(self, w: float) -> Blend:
        return Blend(w, self.fits[w][0])

    def losses(self, w: float) -> np.ndarray:
        return log_losses(self.at(w).apply(self.pm, self.pb), self.y)

    def right(self, w: float) -> np.ndarray:
        return (self.at(w).apply(self.pm, self.pb).argmax(1) == self.y).astype(float)


def clear(diff: np.ndarray, k: float) -> bool:
    return clear_gain(diff, k)[0]


def guard(f: Fits, k: float) -> Blend:
    return f.at(f.best if f.best == 1.0 or clear(f.losses(1.0) - f.losses(f.best), k) else 1.0)


def kept(f: Fits, k: float, large: int) -> Blend:
    """old's blend where validation is large (>= `large` texts) or its gain over the baseline alone (scaled,
    no class biases) is clear (> k standard errors of the per-text log loss difference), else that baseline."""
    chosen, alone = f.at(f.best), f.baseline()
    if len(f.y) >= large:
        return chosen
    gain = log_losses(alone.apply(f.pm, f.pb), f.y) - log_losses(chosen.apply(f.pm, f.pb), f.y)
    return chosen if clear(gain, k) else alone


def nearest(f: Fits, k: float) -> Blend:
    best = f.losses(f.best)
    return f.at(max(w for w in WEIGHTS if w >= f.best and not clear(f.losses(w) - best, k)))


def acc_guard(f: Fits, k: float) -> Blend:
    return f.at(f.best if f.best == 1.0 or clear(f.right(f.best) - f.right(1.0), k) else 1.0)


def pulled(f: Fits, m: float) -> Blend:
    n = len(f.y)
    target = (n * f.best + m) / (n + m)
    return f.at(min(WEIGHTS, key=lambda w: (round(abs(w - target), 9), -w)))


RULES = {"old": lambda f: f.at(f.best), "new": lambda f: choose_blend(f.pm, f.pb, f.y), "baseline": lambda f: f.at(1.0),
         **{f"guard {k:g}": (lambda f, k=k: guard(f, k)) for k in (0.5, 1, 1.5, 2, 3)},
         **{f"nearest {k:g}": (lambda f, k=k: nearest(f, k)) for k in (1, 2)},
         **{f"acc {k:g}": (lambda f, k=k: acc_guard(f, k)) for k in (1, 2)},
         **{f"pulled {m:g}": (lambda f, m=m: pulled(f, m)) for m in (50, 200)},
         **{f"size {n}": (lambda f, n=n: f.at(1.0) if len(f.y) < n else f.at(f.best)) for n in (200, 500)},
         "baseline, no bias": lambda f: f.baseline(),
         **{f"kept {k:g} | {n}": (lambda f, k=k, n=n: kept(f, k, n)) for k, n in
            ((2, 200), (1.5, 200), (2, 10**9), (2, 300), (2, 100))}}


def scored(rule, f: Fits, tm, tb, ty) -> tuple[float, float, float]:
    chosen = RULES[rule](f)
    p = chosen.apply(tm, tb)
    return accuracy(p, ty), log_loss(p, ty), chosen.weight


def draw(y: np.ndarray, n: int, rng) -> np.ndarray:
    """n indices, stratified: each class its share (at least one)."""
    classes, counts = np.unique(y, return_counts=True)
    take = np.maximum(1, np.round(counts * n / len(y)).astype(int))
    return np.concatenate([rng.permutation(np.flatnonzero(y == c))[:t] for c, t in zip(classes, take)])


def table(paths) -> None:
    """One markdown row a set: test accuracy of the model, the raw baseline, old (weight), new (weight)."""
    print("| set (validation / test texts, classes) | model alone | baseline alone | old rule (w) | new rule (w) |")
    print("|---|---|---|---|---|")
    for path in paths:
        a = np.load(path)
        f = Fits(a["valid_model"], a["valid_baseline"], a["valid_labels"])
        tm, tb, ty = a["test_model"], a["test_baseline"], a["test_labels"]
        cells = [f"{acc:.4f} ({w:g})" for acc, _, w in (scored(r, f, tm, tb, ty) for r in ("old", "new"))]
        print(f"| {Path(path).stem} ({len(f.y):,} / {len(ty):,}, {tm.shape[1]}) | {accuracy(tm, ty):.4f} | "
              f"{accuracy(tb, ty):.4f} | " + " | ".join(cells) + " |")


def test_mode(paths) -> None:
    for path in paths:
        a = np.load(path)
        pm, pb, y = a["valid_model"], a["valid_baseline"], a["valid_labels"]
        tm, tb, ty = a["test_model"], a["test_baseline"], a["test_labels"]
        f, base = Fits(pm, pb, y), accuracy(tb, ty)
        print(f"\n{Path(path).stem}: {len(y)} validation / {len(ty)} test texts, {pm.shape[1]} classes; test: model "
              f"{accuracy(tm, ty):.4f}, raw baseline {base:.4f}; validation: model {accuracy(pm, y):.4f}, "
              f"baseline {accuracy(pb, y):.4f}")
        for rule in RULES:
            acc, loss, w = scored(rule, f, tm, tb, ty)
            print(f"  {rule:12s} w={w:<4g} test acc {acc:.4f} ({100 * (acc - base):+.2f}) loss {loss:.4f}")


def sub_mode(paths, sizes, draws: int) -> None:
    for path in paths:
        a = np.load(path)
        pm, pb, y = a["valid_model"], a["valid_baseline"], a["valid_labels"]
        tm, tb, ty = a["test_model"], a["test_baseline"], a["test_labels"]
        base = accuracy(tb, ty)
        for n in sizes:
            if n >= len(y):
                continue
            rng = np.random.default_rng(n)
            results = {r: [] for r in RULES}
            for _ in range(draws):
                idx = draw(y, n, rng)
                f = Fits(pm[idx], pb[idx], y[idx])
                for rule in RULES:
                    results[rule].append(scored(rule, f, tm, tb, ty))
            print(f"\n{Path(path).stem}, {n} of {len(y)} validation texts, {draws} draws; test minus the raw "
                  f"baseline ({base:.4f}), points: mean (worst draw); mean log loss; mean weight")
            for rule, res in results.items():
                res = np.array(res)
                d = 100 * (res[:, 0] - base)
                print(f"  {rule:12s} {d.mean():+.2f} ({d.min():+.2f}) {res[:, 1].mean():.4f} w={res[:, 2].mean():.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("test")
    t.add_argument("arrays", nargs="+")
    t.add_argument("--table", action="store_true", help="one markdown row a set: model, baseline, old, new")
    s = sub.add_parser("sub")
    s.add_argument("arrays", nargs="+")
    s.add_argument("--sizes", type=int, nargs="+", default=[30, 60, 120])
    s.add_argument("--draws", type=int, default=30)
    args = parser.parse_args()
    if args.command == "test":
        (table if args.table else test_mode)(args.arrays)
    else:
        sub_mode(args.arrays, args.sizes, args.draws)


if __name__ == "__main__":
    main()
