"""The quick references beside a classify-series run on a user's own .ts files: 1-nearest-neighbour with
Euclidean distance (scikit-learn, fitted on the WHOLE training file, as the archive's published 1-NN is)
and the run's own MiniRocket baseline (fitted on the rows the run trains on, C chosen on its validation
series), on the same test file, each with its time. The series are read as the run reads them: each
channel standardised over the training file, unequal lengths zero-padded at the end.

    OMP_NUM_THREADS=1 python benchmarks/tasks/series_new_sets.py DIR/Coffee DIR/ACSF1
        (reads DIR/Coffee_TRAIN.ts and DIR/Coffee_TEST.ts, and so on)
"""
import sys
import time

import numpy as np
from sklearn.neighbors import KNeighborsClassifier

from rnnkit.tasks.classify_series.baseline import accuracy, fit_run_baseline
from rnnkit.tasks.classify_series.config import SeriesConfig
from rnnkit.tasks.classify_series.data import read_series_data
from rnnkit.tasks.config import make_config


def padded_to(x: np.ndarray, steps: int) -> np.ndarray:
    """(N, T, C) zero-padded or cut to `steps`, flattened to (N, steps * C) for the distance."""
    x = np.pad(x, ((0, 0), (0, max(0, steps - x.shape[1])), (0, 0)))[:, :steps]
    return x.reshape(len(x), -1)


for stem in sys.argv[1:]:
    config = make_config(SeriesConfig, {"data": f"{stem}_TRAIN.ts", "test_data": f"{stem}_TEST.ts"})
    files, labels, scaling, held, (test_x, test_lengths, test_y) = read_series_data(config)
    t0 = time.perf_counter()
    steps = held.x.shape[1]
    knn = KNeighborsClassifier(n_neighbors=1).fit(padded_to(held.x, steps), held.y)
    knn_acc = float(np.mean(knn.predict(padded_to(test_x, steps)) == test_y))
    t1 = time.perf_counter()
    result = fit_run_baseline(len(labels), config.seed, held.fit, held.valid, (test_x, test_lengths, test_y))
    print(f"{stem}: {len(files.train)}/{len(files.test)} series, {files.train.channels} channel(s), length "
          f"{held.lengths.min()}-{held.lengths.max()}, {len(labels)} classes; 1-NN Euclidean test {knn_acc:.4f} "
          f"({t1 - t0:.1f} s); MiniRocket + LR (C={result.model.C:g}) valid "
          f"{accuracy(result.probs['valid'], held.valid[-1]):.4f} test {accuracy(result.probs['test'], test_y):.4f} "
          f"({time.perf_counter() - t1:.1f} s)", flush=True)
