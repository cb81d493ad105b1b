"""Blend rules for small validation parts, compared on the probabilities series_weight_cache.py saved (no
model, no MiniRocket fitted here). A rule is a C rule (MiniRocket's C) and a weight rule (MiniRocket's share
of the blend), optionally with MiniRocket's probabilities tempered by a temperature fitted out of fold.

What may choose (printed first):
- leave-one-out over the VALIDATION series of every run: each series' weight chosen on its run's other
  validation series; C and temperature from the fit rows' out-of-fold probabilities (the validation series
  untouched);
- the TEST series of the sets nobody here tuned on (NEW below), the rule run as a run would: C and temperature
  from the whole training file's out-of-fold probabilities, the weight on all validation series.
With --record, after the choice: the same on the catalog's sets' test series.

    python benchmarks/tasks/series_weight_rules.py CACHE.npz [CACHE.npz ...] [--record]
"""
import sys

import numpy as np

from rnnkit.models.blend import WEIGHTS, blend
from rnnkit.models.minirocket import C_GRID, class_log_loss
from rnnkit.tasks.classify_series.baseline import LOSS_TIE, accuracy, choose_weight

NEW = ("coffee_idle", "acsf1_idle", "pigcvp_idle", "PickupGestureWiimoteZ", "unittest")


def loss(y, p):
    return class_log_loss(y, np.clip(p, 1e-12, 1), p.shape[1])


def c_by(oof, y, tie=0.0):
    """Index into C_GRID of the lowest out-of-fold log loss; with `tie`, the smallest C within it."""
    losses = [loss(y, oof[i]) for i in range(len(C_GRID))]
    return min(i for i in range(len(C_GRID)) if losses[i] <= min(losses) + tie)


def temper(p, t):
    """p^(1/t), renormalised: t > 1 softens."""
    if t == 1:
        return p
    logp = np.log(np.clip(p, 1e-12, 1)) / t
    e = np.exp(logp - logp.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


TEMPS = tuple(np.exp(np.linspace(np.log(0.25), np.log(8), 31)))


def fit_temperature(p, y, floor=1.0):
    """The temperature of lowest log loss on (p, y), not below `floor` (only softening by default)."""
    best = min(TEMPS, key=lambda t: loss(y, temper(p, t)))
    return max(best, floor)


def shrink(n0):
    """The weight of best validation accuracy (ties as the task breaks them), pulled toward 0.5 by n0
    pseudo-series: (n w + n0 0.5) / (n + n0), on the grid (the task's choose_weight with prior=n0)."""
    return lambda m, b, y: choose_weight(m, b, y, prior=n0)


def ll_tie(m, b, y):
    losses = {w: loss(y, blend(m, b, w)) for w in WEIGHTS}
    return min((w for w in WEIGHTS if losses[w] <= min(losses.values()) + LOSS_TIE), key=lambda w: (abs(w - 0.5), w))


WEIGHT_RULES = {"acc, ll tie, 0.5 (before)": shrink(0), "shrink n0=5": shrink(5),
                "shrink n0=10 (now)": shrink(10),
                "shrink n0=20": shrink(20), "shrink n0=40": shrink(40), "log loss tie": ll_tie, "0.5": lambda m, b, y: 0.5,
                "model": lambda m, b, y: 0.0, "MiniRocket": lambda m, b, y: 1.0}
C_RULES = {"C valid (before)": "valid", "C oof": 0.0, "C oof tie (now)": LOSS_TIE}
TEMPER = {"raw": None, "MR T>=1 oof": 1.0}

data = {k: v for path in sys.argv[1:] if path != "--record" for k, v in np.load(path).items()}
runs = sorted({k.split("/")[0] for k in data})


def get(run, key):
    return data[f"{run}/{key}"]


def setup(run, c_rule, temp_rule, product):
    """(C index, MiniRocket temperature) for the run: from the whole training file's out-of-fold
    probabilities (`product`), else from the fit rows' (validation untouched)."""
    oof, y = (get(run, "mr_oof_all"), get(run, "train_y")) if product else (get(run, "mr_oof_fit"), get(run, "fit_y"))
    if c_rule == "valid":
        c = c_by(get(run, "mr_valid"), get(run, "valid_y"))
    else:
        c = c_by(oof, y, c_rule)
    t = 1.0 if temp_rule is None else fit_temperature(oof[c], y, temp_rule)
    return c, t


results = {}
for cname, c_rule in C_RULES.items():
    for tname, temp_rule in TEMPER.items():
        for wname, rule in WEIGHT_RULES.items():
            key = (cname, tname, wname)
            loo = [0, 0.0, 0]
            tests, per_run = {}, {}
            for run in runs:
                before = list(loo)
                y, m = get(run, "valid_y"), get(run, "model_valid")
                c, t = setup(run, c_rule, temp_rule, product=False)
                b = temper(get(run, "mr_valid")[c], t)
                for i in range(len(y)):
                    rest = np.arange(len(y)) != i
                    if c_rule == "valid":  # C itself chosen on the other validation series
                        ci = c_by(get(run, "mr_valid")[:, rest], y[rest])
                        bi = temper(get(run, "mr_valid")[ci], t)
                    else:
                        bi = b
                    w = rule(m[rest], bi[rest], y[rest])
                    p = blend(m[i:i + 1], bi[i:i + 1], w)
                    loo[0] += int(p.argmax() == y[i])
                    loo[1] += -np.log(max(p[0, y[i]], 1e-12))
                    loo[2] += 1
                per_run[run] = (loo[0] - before[0], loo[1] - before[1], loo[2] - before[2])
                c, t = setup(run, c_rule, temp_rule, product=True)
                b = temper(get(run, "mr_valid")[c], t)
                w = rule(m, b, y)
                ty = get(run, "test_y")
                pt = blend(get(run, "model_test"), temper(get(run, "mr_test")[c], t), w)
                tests[run] = (accuracy(pt, ty), w, C_GRID[c], t, int(np.sum(pt.argmax(1) == ty)), len(ty))
            results[key] = (loo, tests, per_run)

print("leave-one-out over the validation series of all runs; and the test series of the sets nobody tuned on "
      f"({', '.join(r for r in runs if r in NEW)}): right / series, each set's accuracy (MiniRocket weight, C, T)")
for key, (loo, tests, per_run) in results.items():
    new = [r for r in runs if r in NEW]
    right = sum(tests[r][4] for r in new)
    total = sum(tests[r][5] for r in new)
    print(f"{' | '.join(key):55s} LOO {loo[0]}/{loo[2]} ll {loo[1] / loo[2]:.3f}; new test {right}/{total} "
          + " ".join(f"{r[:6]} {tests[r][0] * 100:.2f} ({tests[r][1]:g},{tests[r][2]:g},{tests[r][3]:.2f})" for r in new))
    print("    LOO by run: " + " ".join(f"{r[:6]} {per_run[r][0]}/{per_run[r][2]} {per_run[r][1] / per_run[r][2]:.3f}"
                                        for r in runs))
if "--record" not in sys.argv:
    sys.exit()
print("\nfor the record: the catalog's test series")
for key, (loo, tests, _) in results.items():
    old = [r for r in runs if r not in NEW]
    print(f"{' | '.join(key):55s} " + " ".join(f"{r[:6]} {tests[r][0] * 100:.2f} ({tests[r][1]:g},{tests[r][2]:g},{tests[r][3]:.2f})"
                                            for r in old))
