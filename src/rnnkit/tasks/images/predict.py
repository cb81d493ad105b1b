"""Predicting and evaluating with a trained image run."""
from __future__ import annotations

from typing import Any

import torch

from rnnkit.errors import UserError
from rnnkit.io.run import load
from rnnkit.tasks.images.data import load_splits, read_images
from rnnkit.tasks.task import Run
from rnnkit.training import Trainer
from rnnkit.training import predict as predict_outputs
from rnnkit.training.class_report import model_class_report


def predict(run: Run, inputs: str, options: None = None) -> list[dict[str, Any]]:
    """The digit and its probability for each image of a .npy/.npz file."""
    probs = torch.softmax(predict_outputs(load(run.path), read_images(inputs), batch_size=512), -1)
    return [{"label": int(p.argmax()), "probability": round(float(p.max()), 6)} for p in probs]


def evaluate(run: Run, data: str | None = None) -> dict[str, float]:
    """Accuracy on the run's test set, or on the x_test/y_test of an .npz given as `data`."""
    test = load_splits(run.config, data)["test"]
    if test is None:
        raise UserError(f"{data or run.config.data}: has no x_test/y_test to evaluate on")
    model = load(run.path)
    return {**Trainer(model, metrics=["acc"], quiet=True).evaluate(test, batch_size=512),
            "classes": model_class_report(model, test, range(10), batch_size=512)}
