"""Training a series classifier: a stratified validation part of the training file picks the best epoch,
which is scored once on the test file; a named dataset's report puts the test accuracy beside the
accuracies aeon publishes for the same split."""
from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

from rnnkit.data.splits import stratified_holdout
from rnnkit.tasks.classify_series.config import SeriesConfig
from rnnkit.tasks.classify_series.data import (LABELS_FILE, SCALING_FILE, Scaling, as_batchable, label_ids,
                                               label_map_of, load_files)
from rnnkit.tasks.classify_series.model import build_model
from rnnkit.tasks.fit import class_notes, finish, fit, start
from rnnkit.tasks.task import Task
from rnnkit.training import distributed as ddp

DEFAULT_EPOCHS = 50


def published_notes(test_acc: float | None, published: dict[str, float]) -> str:
    """A markdown table: this run's test accuracy beside aeon's published ones on the same split."""
    if not published:
        return ""
    rows = ([f"| rnnkit (this run) | {test_acc:.4f} |"] if test_acc is not None else []) + \
           [f"| {name} | {acc:.4f} |" for name, acc in published.items()]
    return ("\n## Published accuracies on this split\n\naeon 1.6.0's example results, resample 0 (the official "
            "train/test split):\n\n| classifier | test accuracy |\n|---|---|\n" + "\n".join(rows) + "\n")


def epochs_to_train(config: SeriesConfig, steps_per_epoch: int) -> int:
    """The epochs asked for, or by default 50 raised to reach `min_steps` optimizer steps."""
    if config.epochs is not None:
        return config.epochs
    return max(DEFAULT_EPOCHS, math.ceil(config.min_steps / steps_per_epoch))


def run(task: Task, config: SeriesConfig, run_dir: Path, *, resume: bool = False, quiet: bool = False) -> dict[str, Any]:
    """Classify whole series (UCR/UEA .ts files) with a recurrent network."""
    files = load_files(config)
    label_map = label_map_of(files.train)
    y = label_ids(files.train, label_map)
    scaling = Scaling.fit(files.train, config.standardize)
    x, lengths = scaling.arrays(files.train)
    say = start(config, quiet)
    if files.valid is not None:
        fit_rows, valid = slice(None), as_batchable(*scaling.arrays(files.valid), label_ids(files.valid, label_map))
    elif config.validation_split:
        fit_rows, valid_rows = stratified_holdout(y, config.validation_split, config.seed)
        valid = as_batchable(x[valid_rows], lengths[valid_rows], y[valid_rows])
    else:
        fit_rows, valid = slice(None), None
    train = as_batchable(x[fit_rows], lengths[fit_rows], y[fit_rows])
    if ddp.is_main():
        Path(run_dir).mkdir(parents=True, exist_ok=True)
        label_map.save(Path(run_dir) / LABELS_FILE)
        scaling.save(Path(run_dir) / SCALING_FILE)
    say(f"{files.source}: {len(files.train)} training series ({len(train[0])} fit, "
        f"{0 if valid is None else len(valid[0])} validation{' (--valid-data)' if files.valid is not None else ''}), {files.train.channels} channel(s), "
        f"length {lengths.min()}-{lengths.max()}, {len(label_map)} classes")
    steps_per_epoch = math.ceil(len(train[0]) / config.batch_size)
    epochs = epochs_to_train(config, steps_per_epoch)
    if config.epochs is None and epochs > DEFAULT_EPOCHS:
        say(f"{epochs} epochs of {steps_per_epoch} steps: at least min_steps={config.min_steps} optimizer steps")
    model = build_model(config, len(label_map), files.train.channels)
    summary = {"data": files.source, "training series": len(files.train), "channels": files.train.channels,
               "lengths": f"{lengths.min()}-{lengths.max()}", "classes": ", ".join(map(str, label_map.labels)),
               "standardized": config.standardize, "epochs": epochs}
    fitted = fit(task, config, run_dir, model, train, valid=valid, summary=summary, epochs=epochs,
                 resume=resume, quiet=quiet)
    final, test_acc, notes = fitted.final, None, ""
    if files.test is not None:
        t0 = time.perf_counter()
        test = as_batchable(*scaling.arrays(files.test), label_ids(files.test, label_map))
        final.update(fitted.trainer.evaluate(test, batch_size=256, prefix="test_"))
        test_acc = final.get("test_acc")
        notes = class_notes(fitted, test, label_map.labels)
        say(f"test ({len(files.test)} series, {time.perf_counter() - t0:.1f}s): "
            f"acc={final['test_acc']:.4f} loss={final['test_loss']:.4f}"
            + "".join(f", {k} {v:.4f}" for k, v in files.published.items() if k in ("HC2", "InceptionTime")))
    return finish(task, config, fitted, final, title=f"{task.name} ({files.source}): training report",
                  test_notes=[f"- series: {len(files.test)}"] if files.test is not None else [],
                  notes=notes + published_notes(test_acc, files.published), quiet=quiet)
