"""Variants of the classify-series model on a named dataset's VALIDATION series (the test split chooses
nothing, and its figures are not printed): the task's own run with config overrides given as JSON, the
epoch kept by validation loss, its validation accuracy and loss, and the wall time.

    OMP_NUM_THREADS=1 python benchmarks/tasks/series_variants.py osu-leaf '{"epochs": 40, "hidden_size": 0}'
"""
import json
import os
import sys
import tempfile
import time

from rnnkit.tasks.classify_series import CLASSIFY_SERIES, SeriesConfig

name, overrides = sys.argv[1], json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
overrides.setdefault("baseline", False)
t0 = time.perf_counter()
with tempfile.TemporaryDirectory() as folder:
    CLASSIFY_SERIES.run(CLASSIFY_SERIES, SeriesConfig(dataset=name, **overrides), folder, quiet=True)
    with open(os.path.join(folder, "metrics.jsonl"), encoding="utf-8") as lines:
        epochs = [row for row in map(json.loads, lines) if "val_loss" in row]
kept = min(epochs, key=lambda row: row["val_loss"])
print(f"{name} {json.dumps(overrides)}: kept epoch {kept.get('epoch')} val_acc {kept['val_acc']:.4f} "
      f"val_loss {kept['val_loss']:.4f} (best val_acc of any epoch {max(r['val_acc'] for r in epochs):.4f}); "
      f"{time.perf_counter() - t0:.0f} s", flush=True)
