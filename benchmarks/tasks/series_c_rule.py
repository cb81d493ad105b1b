"""A candidate for the MiniRocket baseline's C (not adopted): by validation log loss as now ("old"), or with
log losses within 0.01 nats of the lowest counted as equal and the smallest C of those taken ("new": on
separable validation series the loss keeps falling as C grows, so the old rule takes the most confident C).
Each rule, then the blend's choose_weight, picks on all validation series of a run but one and is scored on
the one left out; the test figures of the choice on all validation series are printed for the record.

    OMP_NUM_THREADS=1 python benchmarks/tasks/series_c_rule.py RUN [RUN ...]
"""
import sys
import numpy as np
from sklearn.linear_model import LogisticRegression
from rnnkit.io.run import load
from rnnkit.models.blend import blend
from rnnkit.models.minirocket import RocketLinear, class_log_loss, C_GRID
from rnnkit.tasks import read_run
from rnnkit.tasks.classify_series.baseline import accuracy, choose_weight
from rnnkit.tasks.classify_series.data import LABELS_FILE, SCALING_FILE, Scaling, hold_out, load_files, label_ids, test_file
from rnnkit.tasks.classify_series.predict import class_probabilities
from rnnkit.tasks.runs import read_labels

def pick(losses, rule):
    low = min(losses.values())
    if rule == "old":
        return min(losses, key=lambda c: (losses[c], c))
    return min(c for c in losses if losses[c] <= low + 0.01)

totals = {r: [0, 0.0, 0] for r in ("old", "new")}
for path in sys.argv[1:]:
    run = read_run(path); labels = read_labels(run, LABELS_FILE)
    scaling = Scaling.load(run.file(SCALING_FILE))
    held = hold_out(run.config, load_files(run.config), scaling, labels)
    (fx, _, fy), (vx, vl, vy) = held.fit, held.valid
    ts = test_file(run.config, None); tx, tl = scaling.arrays(ts); ty = label_ids(ts, labels)
    mr = RocketLinear(len(labels), run.config.seed).fit(fx, fy)
    F, V, T = mr.features(fx), mr.features(vx), mr.features(tx)
    k = len(labels)
    pv, pt = {}, {}
    for C in C_GRID:
        lr = LogisticRegression(C=C, max_iter=1000).fit(F, fy)
        pv[C], pt[C] = mr._proba(lr, V), mr._proba(lr, T)
    model = load(run.path)
    mv, mt = class_probabilities(model, vx, vl), class_probabilities(model, tx, tl)
    n = len(vy); out = [path]
    for rule in ("old", "new"):
        right, loss = 0, 0.0
        for i in range(n):
            rest = np.arange(n) != i
            C = pick({c: class_log_loss(vy[rest], np.clip(pv[c][rest], 1e-12, 1), k) for c in C_GRID}, rule)
            w = choose_weight(mv[rest], pv[C][rest], vy[rest])
            p = blend(mv[i:i+1], pv[C][i:i+1], w)
            right += int(p.argmax() == vy[i]); loss += -np.log(max(p[0, vy[i]], 1e-12))
        totals[rule][0] += right; totals[rule][1] += loss; totals[rule][2] += n
        C = pick({c: class_log_loss(vy, np.clip(pv[c], 1e-12, 1), k) for c in C_GRID}, rule)
        w = choose_weight(mv, pv[C], vy)
        out.append(f"  C rule {rule}: LOO acc {right/n:.4f} loss {loss/n:.4f}; on all C={C:g} w={w:g}; "
                   f"[test: MiniRocket {accuracy(pt[C], ty):.4f} delivered {accuracy(blend(mt, pt[C], w), ty):.4f} model {accuracy(mt, ty):.4f}]")
    print("\n".join(out), flush=True)
for r, (a, l, n) in totals.items():
    print(f"C rule {r}: LOO acc {a/n:.4f} ({a}/{n}) loss {l/n:.4f}")
