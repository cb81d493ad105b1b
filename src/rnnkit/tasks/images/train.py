"""Training the image task: the best epoch by validation accuracy is kept and scored on the test set, beside
logistic regression on the pixels (`baseline`)."""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from rnnkit.tasks.config import epochs_for, raised_epochs_note
from rnnkit.tasks.fit import class_notes, finish, fit, start
from rnnkit.tasks.images.baseline import fit_pixel_baseline, report_section, verdict
from rnnkit.tasks.images.config import MnistConfig
from rnnkit.tasks.images.data import LABELS_FILE, load_data
from rnnkit.tasks.images.model import build_model
from rnnkit.tasks.task import Task
from rnnkit.training import distributed as ddp

DEFAULT_EPOCHS = 15


def run(task: Task, config: MnistConfig, run_dir: Path, *, resume: bool = False, quiet: bool = False) -> dict[str, Any]:
    """Images (MNIST, Fashion-MNIST or your own) read row by row or pixel by pixel by an LSTM."""
    data = load_data(config)
    splits, (height, width) = data.splits, data.size
    x, y = splits["train"]
    if config.limit:
        x, y = x[: config.limit], y[: config.limit]
    say = start(config, quiet)
    for note in data.notes:
        say(note)
    if ddp.is_main():
        Path(run_dir).mkdir(parents=True, exist_ok=True)
        data.label_map.save(Path(run_dir) / LABELS_FILE)
    valid, test = splits["valid"], splits["test"]
    model = build_model(config, len(data.label_map), height, width)
    summary = {"dataset": config.data or config.dataset, "mode": config.mode, "classes": len(data.label_map),
               "sequence": f"{height} steps of {width} pixels" if config.mode == "rows"
               else f"{height * width} steps of 1 pixel"}
    steps_per_epoch = math.ceil(len(x) / config.batch_size)
    epochs = epochs_for(config.epochs, DEFAULT_EPOCHS, config.min_steps, steps_per_epoch)
    if config.epochs is None and epochs > DEFAULT_EPOCHS:
        say(raised_epochs_note(epochs, steps_per_epoch, "steps", f"min_steps={config.min_steps}")
            + " (--epochs N trains N)")
    fitted = fit(task, config, run_dir, model, (x, y), valid=valid, summary=summary, epochs=epochs,
                 facts={"image_size": [height, width]}, resume=resume, quiet=quiet)
    final, notes, title = fitted.final, "", f"{task.name} ({config.mode}): training report"
    if test is not None:
        final.update(fitted.trainer.evaluate(test, batch_size=512, prefix="test_"))
        say(f"test ({len(test[0]):,} images): acc={final['test_acc']:.4f} loss={final['test_loss']:.4f}")
        notes = class_notes(fitted, test, [str(label) for label in data.label_map.labels], batch_size=512)
    if config.baseline and ddp.is_main():
        baseline = fit_pixel_baseline((x, y), valid, test, config.seed, say)
        model_accs = {k: final[key] for k, key in (("valid", "val_acc"), ("test", "test_acc")) if key in final}
        final.update({f"{'val' if k == 'valid' else k}_acc_baseline": v for k, v in baseline.accuracy.items()})
        notes = report_section(baseline, model_accs) + notes
        if "test" in baseline.accuracy:
            say(verdict(final["test_acc"], baseline.accuracy["test"]).replace("**", ""))
            if final["test_acc"] <= baseline.accuracy["test"]:
                title = f"{task.name} ({config.mode}): the model does NOT beat the baseline on test"
    return finish(task, config, fitted, final, title=title,
                  test_notes=[f"- images: {len(test[0])}"] if test is not None else [], notes=notes, quiet=quiet)
