"""Does refitting the MiniRocket baseline on every training series pay? Measured one level down, so that
the run's validation series judge and choose nothing: the rows a default run fits on (the stratified 80%,
seed 0) are split again the same way (80/20); C is chosen on the inner 20% with the fit on the inner 80%
(what a run did before), then that fit and the refit on the whole outer 80% at the same C (what a run does
now) are scored on the run's validation series. Seconds a set (numba compiles aeon's kernels once).

    OMP_NUM_THREADS=1 python benchmarks/tasks/series_baseline_refit.py gun-point DIR/ACSF1 ...
        (a name from the catalog, or DIR/NAME for DIR/NAME_TRAIN.ts)
"""
import sys

import numpy as np

from rnnkit.models.minirocket import RocketLinear, class_log_loss
from rnnkit.tasks.classify_series.config import SeriesConfig
from rnnkit.data.splits import stratified_holdout
from rnnkit.tasks.classify_series.data import Scaling, hold_out, label_map_of, load_files
from rnnkit.tasks.config import make_config

totals = {"first fit": [0, 0.0], "refit": [0, 0.0], "series": 0}
for name in sys.argv[1:]:
    config = make_config(SeriesConfig, {"data": f"{name}_TRAIN.ts"} if "/" in name else {"dataset": name})
    files = load_files(config)
    labels = label_map_of(files.train)
    held = hold_out(config, files, Scaling.fit(files.train, config.standardize), labels)
    (x, _, y), (vx, _, vy) = held.fit, held.valid
    inner, inner_valid = stratified_holdout(y, config.validation_split, config.seed)
    model = RocketLinear(len(labels), config.seed).fit(x[inner], y[inner], x[inner_valid], y[inner_valid])
    line = [f"{name.rsplit('/', 1)[-1]} ({len(inner)} + {len(inner_valid)} inner series, C={model.C:g}; "
            f"{len(vy)} judging)"]
    first = model.predict_proba(vx)
    for key, p in (("first fit", first), ("refit", model.refit(x, y).predict_proba(vx))):
        right, loss = int(np.sum(p.argmax(1) == vy)), class_log_loss(vy, np.clip(p, 1e-12, 1), len(labels))
        totals[key][0] += right
        totals[key][1] += loss * len(vy)
        line.append(f"{key} {right}/{len(vy)}, log loss {loss:.4f}")
    totals["series"] += len(vy)
    print("; ".join(line), flush=True)
n = totals["series"]
print("all: " + "; ".join(f"{key} {right}/{n} = {right / n:.4f}, log loss {loss / n:.4f}"
                          for key, (right, loss) in ((k, totals[k]) for k in ("first fit", "refit"))))
