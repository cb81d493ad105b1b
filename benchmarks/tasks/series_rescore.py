"""What trained classify-series runs deliver with another blend partner, without training the model again.

Reads each RUN folder's model (its class probabilities on the run's validation and test series) and the
partners' probabilities that `series_partners.py --save F` wrote for the same split (the stratified 80%,
seed 0: the runs must be default splits), then for each partner, with and without the refit on the whole
training file:

- on VALIDATION only (what may choose): each run's blend weight chosen on all its validation series but one
  and scored on the one left out, pooled over every run given (as series_blend_rules.py);
- for the record: the weight chosen on all validation series (the task's choose_weight) and the test
  accuracy delivered, beside the model and the partner alone.

    python benchmarks/tasks/series_rescore.py --partners F [--partners G] RUN [RUN ...]
"""
import argparse
import json
from pathlib import Path

import numpy as np

from rnnkit.io.run import load
from rnnkit.models.blend import blend
from rnnkit.tasks import read_run
from rnnkit.tasks.classify_series.baseline import accuracy, choose_weight
from rnnkit.tasks.classify_series.data import (LABELS_FILE, SCALING_FILE, Scaling, hold_out, label_ids, load_files,
                                               test_file)
from rnnkit.tasks.classify_series.predict import class_probabilities
from rnnkit.tasks.runs import read_labels

parser = argparse.ArgumentParser()
parser.add_argument("runs", nargs="+")
parser.add_argument("--partners", action="append", required=True)
args = parser.parse_args()

partners = {}
for path in args.partners:
    for line in Path(path).read_text().splitlines():
        record = json.loads(line)
        partners.setdefault(record["set"], {}).update(record)


def set_name(config) -> str:
    return config.dataset if config.data is None else Path(config.data).name.removesuffix("_TRAIN.ts")


def left_out(model, base, y):
    """(right, log loss sum) of the blend, its weight chosen on all validation series but the one scored."""
    right, loss = 0, 0.0
    for i in range(len(y)):
        rest = np.arange(len(y)) != i
        p = blend(model[i:i + 1], base[i:i + 1], choose_weight(model[rest], base[rest], y[rest]))
        right += int(p.argmax() == y[i])
        loss += -np.log(max(p[0, y[i]], 1e-12))
    return right, loss


totals = {}
for path in args.runs:
    run = read_run(path)
    labels = read_labels(run, LABELS_FILE)
    scaling = Scaling.load(run.file(SCALING_FILE))
    held = hold_out(run.config, load_files(run.config), scaling, labels)
    model = load(run.path)
    vx, vl, vy = held.valid
    ts = test_file(run.config, None)
    tx, tl = scaling.arrays(ts)
    ty = label_ids(ts, labels)
    mv, mt = class_probabilities(model, vx, vl), class_probabilities(model, tx, tl)
    name = set_name(run.config)
    record = partners[name]
    assert record["valid_y"] == vy.tolist() and record["test_y"] == ty.tolist(), f"{name}: not the run's split"
    print(f"{name} ({len(vy)} validation, {len(ty)} test series): model alone valid {accuracy(mv, vy):.4f} "
          f"test {accuracy(mt, ty):.4f}")
    for transform in [k for k in record if isinstance(record[k], dict)]:
        pv = np.asarray(record[transform]["valid"])
        w = choose_weight(mv, pv, vy)
        right, loss = left_out(mv, pv, vy)
        total = totals.setdefault(transform, [0, 0.0, 0])
        total[0] += right
        total[1] += loss
        total[2] += len(vy)
        parts = []
        for key, label in (("test", "fitted on the 80%"), ("test_refit", "refitted on all")):
            pt = np.asarray(record[transform][key])
            parts.append(f"{label}: delivered {accuracy(blend(mt, pt, w), ty):.4f}, alone {accuracy(pt, ty):.4f}")
        print(f"  {transform} (C={record[transform]['C']:g}): valid alone {accuracy(pv, vy):.4f}, blend weight {w:g} "
              f"(valid {accuracy(blend(mv, pv, w), vy):.4f}), left-out {right}/{len(vy)}; test " + "; ".join(parts),
              flush=True)
print("validation series of all runs, each left out of its run's weight choice:")
for transform, (right, loss, n) in totals.items():
    print(f"  {transform}: {right}/{n} = {right / n:.4f}, log loss {loss / n:.4f}")
