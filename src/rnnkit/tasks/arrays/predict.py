"""Predicting and evaluating with a trained run of the generic task."""
from __future__ import annotations

from typing import Any

import torch

from rnnkit.errors import UserError
from rnnkit.io.run import load
from rnnkit.tasks.arrays.data import load_arrays, read_rows
from rnnkit.tasks.arrays.model import import_user_modules
from rnnkit.tasks.task import Run
from rnnkit.training import Trainer
from rnnkit.training import predict as predict_outputs

REGRESSION_LOSSES = ("mse", "mae", "mean_squared_error", "mean_absolute_error")


def load_model(run: Run) -> torch.nn.Module:
    import_user_modules(run.config.imports)  # users' models register themselves when imported
    return load(run.path)


def predict(run: Run, inputs: str, options: None = None) -> list[dict[str, Any]]:
    """One record per input row: class and probability for classifiers, the value for regressors."""
    return records(run, predict_outputs(load_model(run), read_rows(inputs)))


def records(run: Run, out: torch.Tensor) -> list[dict[str, Any]]:
    """The model's outputs (N, ...) as predict's records."""
    training = run.saved.get("training", {})
    from_logits = training.get("from_logits", run.config.from_logits)
    if training.get("loss", run.config.loss) in REGRESSION_LOSSES:
        return [{"value": v.tolist()} for v in out]
    if out.dim() == 1 or out.shape[-1] == 1:
        p = torch.sigmoid(out.reshape(-1)) if from_logits else out.reshape(-1)
        return [{"label": int(v > 0.5), "probability": float(v)} for v in p]
    probs = torch.softmax(out, -1) if from_logits else out
    return [{"label": int(p.argmax()), "probability": float(p.max())} for p in probs]


def evaluate(run: Run, data: str | None = None) -> dict[str, float]:
    """Loss and metrics of the run's model on the test split of `data` (default: the training file)."""
    training = run.saved.get("training", {})
    if data is None and training.get("imported_from") == run.config.data:  # `import-keras` without --data
        raise UserError(f"{run.path}: imported from a Keras file, which holds no test data; "
                        "give --data FILE.npz (x_test, y_test)")
    model = load_model(run)
    path = data or run.config.data
    split = load_arrays(path, "test", required=False) or load_arrays(path, "valid", required=False)
    if split is None:
        raise UserError(f"{path}: has no x_test/y_test (or x_valid/y_valid) to evaluate on")
    trainer = Trainer(model, loss=training.get("loss", run.config.loss), metrics=run.config.metrics,
                      from_logits=run.config.from_logits, quiet=True)
    return trainer.evaluate(split, batch_size=run.config.batch_size)
