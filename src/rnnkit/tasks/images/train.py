"""Training the image task: the best epoch by validation accuracy is kept and scored on the test set."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from rnnkit.tasks.fit import class_notes, finish, fit, start
from rnnkit.tasks.images.config import MnistConfig
from rnnkit.tasks.images.data import load_splits
from rnnkit.tasks.images.model import build_model
from rnnkit.tasks.task import Task

DIGITS = [str(d) for d in range(10)]


def run(task: Task, config: MnistConfig, run_dir: Path, *, resume: bool = False, quiet: bool = False) -> dict[str, Any]:
    """MNIST digits read row by row (28 x 28) or pixel by pixel (784 x 1) by an LSTM."""
    splits = load_splits(config)
    x, y = splits["train"]
    if config.limit:
        x, y = x[: config.limit], y[: config.limit]
    say = start(config, quiet)
    model = build_model(config)
    test = splits["test"]
    summary = {"dataset": config.data or config.dataset, "mode": config.mode,
               "sequence": "28 steps of 28 pixels" if config.mode == "rows" else "784 steps of 1 pixel"}
    fitted = fit(task, config, run_dir, model, (x, y), valid=splits["valid"],
                 validation_split=config.validation_split, summary=summary, resume=resume, quiet=quiet)
    final, notes = fitted.final, ""
    if test is not None:
        final.update(fitted.trainer.evaluate(test, batch_size=512, prefix="test_"))
        say(f"test ({len(test[0]):,} images): acc={final['test_acc']:.4f} loss={final['test_loss']:.4f}")
        notes = class_notes(fitted, test, DIGITS, batch_size=512)
    return finish(task, config, fitted, final, title=f"{task.name} ({config.mode}): training report",
                  test_notes=[f"- images: {len(test[0])}"] if test is not None else [], notes=notes, quiet=quiet)
