"""The MiniRocket baseline's linear classifier on VALIDATION series only: the run's logistic regression (C
among 0.01-10 by validation log loss, so its validation figure is a little optimistic) against the paper's
RidgeClassifierCV (alpha among 10^-3..10^3 by leave-one-out on the fit rows alone), on the same MiniRocket
features of the rows a default run fits on.

    OMP_NUM_THREADS=1 python benchmarks/tasks/series_minirocket_heads.py gun-point arrow-head DIR/ACSF1
        (a name from the catalog, or DIR/NAME for DIR/NAME_TRAIN.ts)
"""
import sys
import time

import numpy as np
from sklearn.linear_model import RidgeClassifierCV

from rnnkit.models.minirocket import RocketLinear, class_log_loss
from rnnkit.tasks.classify_series.config import SeriesConfig
from rnnkit.tasks.classify_series.data import Scaling, hold_out, label_map_of, load_files
from rnnkit.tasks.config import make_config

for name in sys.argv[1:]:
    t0 = time.perf_counter()
    values = {"data": f"{name}_TRAIN.ts"} if "/" in name else {"dataset": name}
    config = make_config(SeriesConfig, values)
    files = load_files(config)
    labels = label_map_of(files.train)
    held = hold_out(config, files, Scaling.fit(files.train, config.standardize), labels)
    (fx, _, fy), (vx, _, vy) = held.fit, held.valid
    lr = RocketLinear(len(labels), config.seed).fit(fx, fy, vx, vy)
    p = lr.predict_proba(vx)
    ridge = RidgeClassifierCV(alphas=np.logspace(-3, 3, 10)).fit(lr.features(fx), fy)
    ridge_acc = float(np.mean(ridge.predict(lr.features(vx)) == vy))
    print(f"{name}: {len(vy)} validation series; logistic regression (C={lr.C:g}) acc {np.mean(p.argmax(1) == vy):.4f} "
          f"log loss {class_log_loss(vy, np.clip(p, 1e-12, 1), len(labels)):.4f}; RidgeClassifierCV "
          f"(alpha={ridge.alpha_:.3g}) acc {ridge_acc:.4f}; {time.perf_counter() - t0:.0f} s", flush=True)
