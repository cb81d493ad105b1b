"""Every class probability the classify-series blend rules need, from trained run folders, saved once so that
rules can be compared without MiniRocket or the model again (series_weight_rules.py reads the file).

For each RUN: the labels and the model's probabilities on the run's validation and test series; MiniRocket
+ logistic regression at every C of the grid, (a) fitted on the run's fit rows and scored on its validation
series (what a run's weight choice sees), (b) out of fold over the fit rows (5-fold, stratified where every
class allows; the validation series untouched), (c) out of fold over the whole training file, (d) refitted
on the whole training file and scored on the test series (what a run delivers).

    OMP_NUM_THREADS=1 python benchmarks/tasks/series_weight_cache.py OUT.npz RUN [RUN ...]
"""
import sys
import time

import numpy as np
from sklearn.model_selection import KFold, StratifiedKFold

from rnnkit.io.run import load
from rnnkit.models.minirocket import C_GRID, RocketLinear
from rnnkit.tasks import read_run
from rnnkit.tasks.classify_series.data import (LABELS_FILE, SCALING_FILE, Scaling, hold_out, label_ids, load_files,
                                               test_file)
from rnnkit.tasks.classify_series.predict import class_probabilities
from rnnkit.tasks.runs import read_labels


def every_c(k: int, seed: int, x, y, scored: list) -> list[np.ndarray]:
    """MiniRocket fitted on (x, y) once, its logistic regression at each C: [(C_GRID, len(s), K) per s in scored]."""
    model = RocketLinear(k, seed)
    train = model._fit_transform(x)
    features = [model.features(s) for s in scored]
    out = [np.zeros((len(C_GRID), len(s), k)) for s in scored]
    for i, C in enumerate(C_GRID):
        linear = model._linear(train, y, C)
        for o, f in zip(out, features):
            o[i] = model._proba(linear, f)
    return out


def out_of_fold(k: int, seed: int, x, y) -> np.ndarray:
    """(C_GRID, N, K) probabilities of each series from MiniRocket fitted on the other folds."""
    counts = np.bincount(y)
    folds = (StratifiedKFold(5, shuffle=True, random_state=seed) if counts[counts > 0].min() >= 5
             else KFold(5, shuffle=True, random_state=seed))
    out = np.zeros((len(C_GRID), len(y), k))
    for rest, rows in folds.split(x, y):
        out[:, rows] = every_c(k, seed, x[rest], y[rest], [x[rows]])[0]
    return out


saved = {}
for path in sys.argv[2:]:
    t0 = time.perf_counter()
    run = read_run(path)
    config = run.config
    labels = read_labels(run, LABELS_FILE)
    scaling = Scaling.load(run.file(SCALING_FILE))
    held = hold_out(config, load_files(config), scaling, labels)
    model = load(run.path)
    k, seed = len(labels), config.seed
    vx, vl, vy = held.valid
    fx, _, fy = held.fit
    ts = test_file(config, None)
    tx, tl = scaling.arrays(ts)
    name = path.rstrip("/").split("/")[-1] if not path.rstrip("/").endswith("/run") else path.rstrip("/").split("/")[-2]
    saved.update({
        f"{name}/valid_y": vy, f"{name}/test_y": label_ids(ts, labels), f"{name}/train_y": held.y,
        f"{name}/fit_y": fy, f"{name}/valid_rows": np.setdiff1d(np.arange(len(held.y)), np.arange(len(held.y))[held.fit_rows]),
        f"{name}/model_valid": class_probabilities(model, vx, vl), f"{name}/model_test": class_probabilities(model, tx, tl),
        f"{name}/mr_valid": every_c(k, seed, fx, fy, [vx])[0],
        f"{name}/mr_oof_fit": out_of_fold(k, seed, fx, fy),
        f"{name}/mr_oof_all": out_of_fold(k, seed, held.x, held.y),
        f"{name}/mr_test": every_c(k, seed, held.x, held.y, [tx])[0]})
    print(f"{name}: {len(vy)} validation, {len(fy)} fit, {len(held.y)} training, {len(tx)} test series; "
          f"{time.perf_counter() - t0:.0f}s", flush=True)
    np.savez_compressed(sys.argv[1], **saved)
