"""Can a small file's validation texts tell whether the model belongs in the blend? For each cached run
(`text_blend_rules.py cache RUN A.npz`), the run's blend rule (`choose_blend`) is fitted on one half of the
validation texts (stratified, seeded) and scored on the other, both ways round: the mean accuracy of the blend
minus the baseline alone's, in points, with its standard deviation over halvings.

    python benchmarks/tasks/text_small_blend.py A.npz B.npz ... [--halvings 20]
"""
from __future__ import annotations

import argparse

import numpy as np
from text_blend_rules import halves

from rnnkit.tasks.text.baseline import choose_blend


def blend_minus_baseline(path: str, halvings: int) -> tuple[int, float, float]:
    arrays = np.load(path)
    pm, pb, y = arrays["valid_model"], arrays["valid_baseline"], arrays["valid_labels"]
    rng = np.random.default_rng(0)
    diffs = []
    for _ in range(halvings):
        one, two = halves(len(y), y, rng)
        for fit, scored in ((one, two), (two, one)):
            chosen = choose_blend(pm[fit], pb[fit], y[fit])
            blend = chosen.apply(pm[scored], pb[scored]).argmax(1) == y[scored]
            diffs.append(blend.mean() - (pb[scored].argmax(1) == y[scored]).mean())
    return len(y), 100 * float(np.mean(diffs)), 100 * float(np.std(diffs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("arrays", nargs="+")
    parser.add_argument("--halvings", type=int, default=20)
    args = parser.parse_args()
    for path in args.arrays:
        n, mean, sd = blend_minus_baseline(path, args.halvings)
        print(f"{path}: {n} validation texts, split-half blend minus baseline {mean:+.2f} points (sd {sd:.2f})")


if __name__ == "__main__":
    main()
