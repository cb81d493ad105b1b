"""Training the image task: the best epoch by validation accuracy is kept and scored on the test set beside
logistic regression on the pixels, and the run delivers their validation-chosen blend (`baseline`)."""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from rnnkit.models.blend import accuracy, blend, log_loss
from rnnkit.tasks.config import epochs_for, raised_epochs_note
from rnnkit.tasks.fit import class_notes, finish, fit, start
from rnnkit.tasks.images.baseline import choose_weight, fit_pixel_baseline, report_section, save, verdict
from rnnkit.tasks.images.config import MnistConfig
from rnnkit.tasks.images.data import LABELS_FILE, load_data
from rnnkit.tasks.images.model import build_model
from rnnkit.tasks.images.predict import class_probabilities
from rnnkit.tasks.report import class_section
from rnnkit.tasks.task import Task
from rnnkit.training import distributed as ddp
from rnnkit.training.class_report import class_report

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
    epochs = epochs_to_train(config, steps_per_epoch)
    if config.epochs is None and epochs > DEFAULT_EPOCHS:
        say(raised_epochs_note(epochs, steps_per_epoch, "steps", f"min_steps={config.min_steps}")
            + " (--epochs N trains N)")
    fitted = fit(task, config, run_dir, model, (x, y), valid=valid, summary=summary, epochs=epochs,
                 facts={"image_size": [height, width]}, resume=resume, quiet=quiet)
    final, notes, title = fitted.final, "", f"{task.name} ({config.mode}): training report"
    delivered = None  # the blend's test probabilities, where the run blends
    if test is not None:
        final.update(fitted.trainer.evaluate(test, batch_size=512, prefix="test_"))
        say(f"test ({len(test[0]):,} images): acc={final['test_acc']:.4f} loss={final['test_loss']:.4f}")
    if config.baseline and ddp.is_main():
        found = fit_pixel_baseline((x, y), valid, test, len(data.label_map), config.seed, say)
        if found.linear is not None:
            final, notes, delivered = beside_baseline(fitted, model, found, valid, test, final, run_dir, say)
            if test is not None and final["test_acc_model"] <= final["test_acc_baseline"]:
                title = f"{task.name} ({config.mode}): the model alone does NOT beat the baseline on test"
        else:
            notes = report_section(found, {}, 0.0)
    if test is not None:
        names = [str(label) for label in data.label_map.labels]
        notes += (class_notes(fitted, test, names, batch_size=512) if delivered is None else
                  class_section(fitted.trainer.run.path if fitted.trainer.run is not None else None,
                                class_report(test[1], delivered.argmax(1), names),
                                what="test set, the run's prediction"))
    return finish(task, config, fitted, final, title=title,
                  test_notes=[f"- images: {len(test[0])}"] if test is not None else [], notes=notes, quiet=quiet)


def epochs_to_train(config: MnistConfig, steps_per_epoch: int) -> int:
    """The epochs asked for; by default DEFAULT_EPOCHS, raised so that training takes at least `min_steps` optimizer
    steps, except in a `limit`ed quick run."""
    return epochs_for(config.epochs, DEFAULT_EPOCHS, 0 if config.limit else config.min_steps, steps_per_epoch)


def beside_baseline(fitted, model, found, valid: tuple | None, test: tuple | None, final: dict, run_dir: Path,
                    say) -> tuple[dict, str, np.ndarray | None]:
    """The model, the baseline and their blend (the weight chosen on `valid`) on the validation and test images;
    the run's test numbers become the blend's. Returns (final logs, report section, the blend's test
    probabilities where it blends anything in)."""
    split = {"valid": valid, "test": test}
    own = {k: class_probabilities(model, s[0]) for k, s in split.items() if s is not None}
    weight = choose_weight(own["valid"], found.probs["valid"], valid[1]) if valid is not None else 0.0
    table = {"model": {}, "baseline": {}, "run": {}}
    for k, p in own.items():
        labels = split[k][1]
        table["model"][k] = accuracy(p, labels)
        table["baseline"][k] = accuracy(found.probs[k], labels)
        table["run"][k] = accuracy(blend(p, found.probs[k], weight), labels)
    final, delivered = {**final, "blend_weight": weight}, None
    if valid is not None:
        final["val_acc_baseline"] = table["baseline"]["valid"]
    if test is not None:
        delivered = blend(own["test"], found.probs["test"], weight)
        final.update({"test_acc_model": final["test_acc"], "test_loss_model": final["test_loss"],
                      "test_acc_baseline": table["baseline"]["test"], "test_acc": table["run"]["test"],
                      "test_loss": log_loss(delivered, test[1])})
        say(verdict(table, weight).replace("**", ""))
    if fitted.trainer.run is not None:
        save(run_dir, found, weight)
    return final, report_section(found, table, weight), delivered if weight else None
