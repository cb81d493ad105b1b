"""Would training the recurrent model again on every training series pay, once validation has chosen its
epoch count? Measured one level down, so that the validation series judge and choose nothing else: the
rows a default run fits on (the stratified 80%, seed 0) are split again the same way (80/20);

- A: the default model trained on the inner 80% with the inner 20% choosing the kept epoch (what a run does);
- B: the same model and seed trained on all the outer 80% (inner 80% + inner 20%) for as many optimizer
  steps as A's kept epoch had taken (the epoch count the refit would use), keeping the last weights;

both scored on the run's own validation series (the outer 20%), which neither saw. Then, for the record,
their test accuracy. Each trains a default run's steps, so this takes twice a run's training time.

    OMP_NUM_THREADS=1 python benchmarks/tasks/series_model_refit.py osu-leaf
        (or DIR/NAME for DIR/NAME_TRAIN.ts and DIR/NAME_TEST.ts)
"""
import math
import sys
import tempfile
import time

import numpy as np

from rnnkit.models.minirocket import class_log_loss
from rnnkit.tasks.classify_series import CLASSIFY_SERIES, SeriesConfig
from rnnkit.data.splits import stratified_holdout
from rnnkit.tasks.classify_series.data import as_batchable, read_series_data
from rnnkit.tasks.classify_series.model import build_model
from rnnkit.tasks.classify_series.predict import class_probabilities
from rnnkit.tasks.classify_series.train import epochs_to_train
from rnnkit.tasks.config import make_config
from rnnkit.tasks.fit import fit, start

name = sys.argv[1]
values = {"data": f"{name}_TRAIN.ts", "test_data": f"{name}_TEST.ts"} if "/" in name else {"dataset": name}
config = make_config(SeriesConfig, {**values, "baseline": False})
files, labels, scaling, held, test = read_series_data(config)
outer_x, outer_lengths, outer_y = held.fit
inner, inner_valid = stratified_holdout(outer_y, config.validation_split, config.seed)
longest = int(held.x.shape[1])


def part(rows):
    return outer_x[rows], outer_lengths[rows], outer_y[rows]


def scores(model, split):
    p = class_probabilities(model, *split[:2])
    y = split[-1]
    return f"acc {np.mean(p.argmax(1) == y):.4f} log loss {class_log_loss(y, np.clip(p, 1e-12, 1), p.shape[1]):.4f}"


steps_a = math.ceil(len(inner) / config.batch_size)
epochs_a = epochs_to_train(config, steps_a, longest)
t0 = time.perf_counter()
start(config, quiet=True)
model = build_model(config, len(labels), files.train.channels, longest)
with tempfile.TemporaryDirectory() as folder:
    fitted = fit(CLASSIFY_SERIES, config, folder, model, as_batchable(*part(inner)),
                 valid=as_batchable(*part(inner_valid)), summary={}, epochs=epochs_a, quiet=True)
losses = fitted.trainer.history.history["val_loss"]
kept = int(np.argmin(losses)) + 1
model_a = fitted.trainer.model.eval()
print(f"{name} A: {len(inner)} series, {epochs_a} epochs of {steps_a} steps, kept epoch {kept} "
      f"({time.perf_counter() - t0:.0f} s); outer validation {scores(model_a, held.valid)}; test {scores(model_a, test)}",
      flush=True)

steps_b = math.ceil(len(outer_y) / config.batch_size)
epochs_b = max(1, round(kept * steps_a / steps_b))
t0 = time.perf_counter()
start(config, quiet=True)
model = build_model(config, len(labels), files.train.channels, longest)
with tempfile.TemporaryDirectory() as folder:
    fitted = fit(CLASSIFY_SERIES, config, folder, model, as_batchable(*held.fit), summary={}, epochs=epochs_b,
                 quiet=True)
model_b = fitted.trainer.model.eval()
print(f"{name} B: {len(outer_y)} series, {epochs_b} epochs of {steps_b} steps, the last kept "
      f"({time.perf_counter() - t0:.0f} s); outer validation {scores(model_b, held.valid)}; test {scores(model_b, test)}",
      flush=True)
