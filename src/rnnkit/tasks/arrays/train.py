"""Training the generic task: Keras-style fit on the .npz's training arrays; without a validation set
`validation_split` holds out the end of the training arrays, as Keras does."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from rnnkit.tasks.arrays.config import ArraysConfig
from rnnkit.tasks.arrays.data import load_arrays
from rnnkit.tasks.arrays.model import build_model
from rnnkit.tasks.fit import finish, fit, start
from rnnkit.tasks.report import test_metrics
from rnnkit.tasks.task import Task


def run(task: Task, config: ArraysConfig, run_dir: Path, *, resume: bool = False, quiet: bool = False) -> dict[str, Any]:
    """Train a registered model on arrays from an .npz file."""
    train = load_arrays(config.data, "train")
    valid = load_arrays(config.data, "valid", required=False)
    test = load_arrays(config.data, "test", required=False)
    say = start(config, quiet)
    model = build_model(config)
    fitted = fit(task, config, run_dir, model, train, valid=valid, validation_split=config.validation_split,
                 summary={"data file": config.data, "x_train shape": list(train[0].shape)},
                 from_logits=config.from_logits, resume=resume, quiet=quiet)
    final = fitted.final
    if test is not None:
        final.update(fitted.trainer.evaluate(test, prefix="test_"))
        say("test: " + " ".join(f"{k}={v:.4f}" for k, v in test_metrics(final).items()))
    return finish(task, config, fitted, final, quiet=quiet)
