"""Predicting and evaluating with a trained image run."""
from __future__ import annotations

from typing import Any

import torch

from rnnkit.data.readers import LabelMap
from rnnkit.errors import UserError
from rnnkit.io.run import load
from rnnkit.tasks.images.data import LABELS_FILE, read_images, test_split
from rnnkit.tasks.runs import read_labels
from rnnkit.tasks.task import Run
from rnnkit.training import Trainer
from rnnkit.training import predict as predict_outputs
from rnnkit.training.class_report import model_class_report


def run_classes(run: Run) -> LabelMap:
    """The run's classes: labels.json, or MNIST's digits for a run folder written before it kept one."""
    return read_labels(run, LABELS_FILE) if run.file(LABELS_FILE).is_file() else LabelMap(list(range(10)))


def predict(run: Run, inputs: str, options: None = None) -> list[dict[str, Any]]:
    """The class and its probability for each image of a .npy/.npz file, an image file or a folder of images."""
    model = load(run.path)
    x, names = read_images(inputs, (model.height, model.width))
    probs = torch.softmax(predict_outputs(model, x, batch_size=512), -1)
    labels = run_classes(run).labels
    return [{"input": name, "label": labels[int(p.argmax())], "probability": round(float(p.max()), 6)}
            for name, p in zip(names, probs)]


def evaluate(run: Run, data: str | None = None) -> dict[str, float]:
    """Accuracy on the run's test images, or on those of `data` (a folder of classes, or an .npz's x_test/y_test)."""
    model = load(run.path)
    classes = run_classes(run)
    test = test_split(run.config, data, classes, (model.height, model.width))
    if test is None:
        raise UserError(f"{data or run.config.data or run.config.dataset}: has no test images to evaluate on (an "
                        ".npz's x_test/y_test, a folder's test/ folder)")
    return {**Trainer(model, metrics=["acc"], quiet=True).evaluate(test, batch_size=512),
            "classes": model_class_report(model, test, [str(label) for label in classes.labels], batch_size=512)}
