"""Training a series classifier: a stratified validation part of the training file picks the best epoch,
which is scored once on the test file; a named dataset's report puts the test accuracy beside the
accuracies aeon publishes for the same split."""
from __future__ import annotations

import math
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from rnnkit.data.splits import stratified_holdout
from rnnkit.tasks.classify_series.config import SeriesConfig
from rnnkit.tasks.classify_series.data import (LABELS_FILE, SCALING_FILE, Scaling, as_batchable, label_ids,
                                               label_map_of, load_files)
from rnnkit.tasks.classify_series.model import build_model
from rnnkit.tasks.report import printer, write_report
from rnnkit.tasks.runs import run_config_record
from rnnkit.training import distributed as ddp
from rnnkit.training import seed_everything, trainer_from_config

TASK = "classify-series"


def published_notes(test_acc: float | None, published: dict[str, float]) -> str:
    """A markdown table: this run's test accuracy beside aeon's published ones on the same split."""
    if not published:
        return ""
    rows = ([f"| rnnkit (this run) | {test_acc:.4f} |"] if test_acc is not None else []) + \
           [f"| {name} | {acc:.4f} |" for name, acc in published.items()]
    return ("\n## Published accuracies on this split\n\naeon 1.6.0's example results, resample 0 (the official "
            "train/test split):\n\n| classifier | test accuracy |\n|---|---|\n" + "\n".join(rows) + "\n")


def run(config: SeriesConfig, run_dir: Path, *, resume: bool = False, quiet: bool = False) -> dict[str, Any]:
    """Classify whole series (UCR/UEA .ts files) with a recurrent network."""
    say = printer(quiet)
    files = load_files(config)
    label_map = label_map_of(files.train)
    y = label_ids(files.train, label_map)
    scaling = Scaling.fit(files.train, config.standardize)
    x, lengths = scaling.arrays(files.train)
    seed_everything(config.seed)
    if config.validation_split:
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
        f"{0 if valid is None else len(valid[0])} validation), {files.train.channels} channel(s), "
        f"length {lengths.min()}-{lengths.max()}, {len(label_map)} classes")
    steps_per_epoch = math.ceil(len(train[0]) / config.batch_size)
    epochs = max(config.epochs, math.ceil(config.min_steps / steps_per_epoch))
    if epochs > config.epochs:
        say(f"{epochs} epochs of {steps_per_epoch} steps: at least min_steps={config.min_steps} optimizer steps")
    model = build_model(config, len(label_map), files.train.channels)
    summary = {"data": files.source, "training series": len(files.train), "channels": files.train.channels,
               "lengths": f"{lengths.min()}-{lengths.max()}", "classes": ", ".join(map(str, label_map.labels)),
               "standardized": config.standardize, "epochs": epochs}
    # without validation data: keep the last weights and stop early on nothing
    cfg = config if valid is not None else replace(config, keep_best=False, early_stopping=None)
    trainer = trainer_from_config(model, cfg, run_dir, quiet=quiet, data_summary=summary,
                                  config=run_config_record(TASK, config))
    trainer.fit(train, epochs=epochs, batch_size=config.batch_size, validation_data=valid, resume=resume)
    final = dict(trainer.final_logs)
    test_acc = None
    if files.test is not None:
        if cfg.keep_best and trainer.run is not None:
            trainer.run.load_weights(model)  # score the kept (best-by-validation) weights
        t0 = time.perf_counter()
        test = as_batchable(*scaling.arrays(files.test), label_ids(files.test, label_map))
        final.update(trainer.evaluate(test, batch_size=256, prefix="test_"))
        test_acc = final.get("test_acc")
        say(f"test ({len(files.test)} series, {time.perf_counter() - t0:.1f}s): "
            f"acc={final['test_acc']:.4f} loss={final['test_loss']:.4f}"
            + "".join(f", {k} {v:.4f}" for k, v in files.published.items() if k in ("HC2", "InceptionTime")))
    write_report(trainer, TASK, config, final, title=f"{TASK} ({files.source}): training report",
                 test_notes=[f"- series: {len(files.test)}"] if files.test is not None else [],
                 notes=published_notes(test_acc, files.published), quiet=quiet)
    return final
