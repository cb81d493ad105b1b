"""Would an ensemble over seeds (InceptionTime averages five networks) pay for the classify-series default?
Members of the default model differing only in their seed (weights and batch order), all fitted on the same
rows a default run fits on (the run's seed-0 stratified 80%), their class probabilities averaged; printed:
each member's and the average's VALIDATION accuracy and log loss (what a choice may use), then the test
figures for the record. A default run folder of seed 0 may stand in for member 0 (same code, same rows).

    OMP_NUM_THREADS=1 python benchmarks/tasks/series_seed_members.py italy-power-demand 1,2 [RUN_OF_SEED_0]
"""
import dataclasses
import sys
import tempfile

import numpy as np

from rnnkit.io.run import load
from rnnkit.models.minirocket import class_log_loss
from rnnkit.tasks.classify_series import CLASSIFY_SERIES, SeriesConfig
from rnnkit.tasks.classify_series.data import as_batchable, read_series_data
from rnnkit.tasks.classify_series.model import build_model
from rnnkit.tasks.classify_series.predict import class_probabilities
from rnnkit.tasks.classify_series.train import epochs_to_train
from rnnkit.tasks.fit import fit, start

name, seeds = sys.argv[1], [int(s) for s in sys.argv[2].split(",")]
config = SeriesConfig(dataset=name, baseline=False)
files, labels, scaling, held, test = read_series_data(config)
train, valid = as_batchable(*held.fit), as_batchable(*held.valid)
epochs = epochs_to_train(config, -(-len(train[0]) // config.batch_size), int(held.x.shape[1]))
probs = []  # per member: (valid, test) probabilities
if len(sys.argv) > 3:
    model = load(sys.argv[3])
    probs.append((class_probabilities(model, *held.valid[:2]), class_probabilities(model, *test[:2])))
for seed in seeds:
    member = dataclasses.replace(config, seed=seed)
    start(member, quiet=True)  # seeds the weights and the batch order; the rows stay the seed-0 ones
    model = build_model(member, len(labels), files.train.channels, int(held.x.shape[1]))
    with tempfile.TemporaryDirectory() as folder:
        fitted = fit(CLASSIFY_SERIES, member, folder, model, train, valid=valid, summary={}, epochs=epochs, quiet=True)
        model = fitted.trainer.model.eval()
        probs.append((class_probabilities(model, *held.valid[:2]), class_probabilities(model, *test[:2])))


def scores(p, y):
    return f"acc {np.mean(p.argmax(1) == y):.4f} log loss {class_log_loss(y, np.clip(p, 1e-12, 1), p.shape[1]):.4f}"


for i, (v, t) in enumerate(probs):
    print(f"{name} member {i}: validation {scores(v, held.valid[-1])}; test {scores(t, test[-1])}")
for k in range(2, len(probs) + 1):
    v, t = (np.mean([p[j] for p in probs[:k]], 0) for j in (0, 1))
    print(f"{name} average of members 0-{k - 1}: validation {scores(v, held.valid[-1])}; test {scores(t, test[-1])}",
          flush=True)
