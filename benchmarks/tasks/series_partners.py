"""The blend's convolutional partner, and refitting it on every training series, measured set by set.

For each transform (rnnkit.models.minirocket.TRANSFORMS) on the rows a default run fits on (the stratified
80%, seed 0): C by validation log loss, the validation accuracy and log loss (what may choose), then, for
the record only, the test accuracy of that fit and of the same C refitted on the whole training file, with
the seconds each took. One line a set and transform; a JSON line per set with the validation and test
probabilities is appended to --save FILE when given (for choosing rules offline).

    OMP_NUM_THREADS=1 python benchmarks/tasks/series_partners.py gun-point arrow-head DIR/ACSF1 [--save F]
        (a name from the catalog, or DIR/NAME for DIR/NAME_TRAIN.ts and DIR/NAME_TEST.ts)
"""
import argparse
import json
import time

import numpy as np

from rnnkit.models.minirocket import TRANSFORMS, RocketLinear, class_log_loss
from rnnkit.tasks.classify_series.config import SeriesConfig
from rnnkit.tasks.classify_series.data import read_series_data
from rnnkit.tasks.config import make_config

parser = argparse.ArgumentParser()
parser.add_argument("sets", nargs="+")
parser.add_argument("--transforms", default=",".join(TRANSFORMS))
parser.add_argument("--save")
args = parser.parse_args()

for name in args.sets:
    values = {"data": f"{name}_TRAIN.ts", "test_data": f"{name}_TEST.ts"} if "/" in name else {"dataset": name}
    config = make_config(SeriesConfig, values)
    files, labels, scaling, held, (tx, _, ty) = read_series_data(config)
    (fx, _, fy), (vx, _, vy) = held.fit, held.valid
    k = len(labels)
    record = {"set": name.rsplit("/", 1)[-1], "valid_y": vy.tolist(), "test_y": ty.tolist()}
    for transform in args.transforms.split(","):
        t0 = time.perf_counter()
        model = RocketLinear(k, config.seed, transform).fit(fx, fy, vx, vy)
        pv, pt = model.predict_proba(vx), model.predict_proba(tx)
        t1 = time.perf_counter()
        pr = model.refit(held.x, held.y).predict_proba(tx)
        t2 = time.perf_counter()
        record[transform] = {"C": model.C, "valid": pv.tolist(), "test": pt.tolist(), "test_refit": pr.tolist()}
        print(f"{record['set']} {transform}: C={model.C:g} valid acc {np.mean(pv.argmax(1) == vy):.4f} "
              f"log loss {class_log_loss(vy, np.clip(pv, 1e-12, 1), k):.4f} ({len(vy)} series); test acc "
              f"{np.mean(pt.argmax(1) == ty):.4f}, refitted on all {len(held.y)} {np.mean(pr.argmax(1) == ty):.4f}; "
              f"{t1 - t0:.0f} s + refit {t2 - t1:.0f} s", flush=True)
    if args.save:
        with open(args.save, "a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")
