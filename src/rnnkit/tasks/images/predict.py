"""Predicting and evaluating with a trained image run: the model's class probabilities blended with logistic
regression on the pixels at the run's weight (`baseline`), as training delivered them."""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from rnnkit.data.readers import LabelMap
from rnnkit.errors import UserError
from rnnkit.io.run import load
from rnnkit.models.blend import accuracy, blend, log_loss
from rnnkit.tasks.images import baseline
from rnnkit.tasks.images.data import LABELS_FILE, read_images, test_split
from rnnkit.tasks.runs import read_labels
from rnnkit.tasks.task import Run
from rnnkit.training import Trainer
from rnnkit.training.class_report import class_report


def class_probabilities(model, x: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """(N, K) class probabilities of the model alone (its one logit for two classes included)."""
    model.eval()
    with torch.no_grad():
        return torch.cat([model.predict_proba(torch.from_numpy(x[i:i + batch_size]))
                          for i in range(0, len(x), batch_size)]).double().numpy()


def run_probabilities(run: Run, model, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the run's probabilities: the model's blended with the baseline's at the run's weight, the model's alone)."""
    own = class_probabilities(model, x)
    saved = baseline.load(run.path)
    if saved is None or saved[1] == 0:
        return own, own
    linear, weight = saved
    return blend(own, linear.predict_proba(x, own.shape[1]), weight), own


def run_notes(run: Run) -> list[str]:
    """What `rnnkit summary` and `export` say about how the run predicts: the baseline it blends in."""
    saved = baseline.load(run.path)
    return [f"predictions blend in the {baseline.NAME} baseline ({run.file(baseline.BLEND_FILE)}), weight "
            f"{saved[1]:g}"] if saved is not None and saved[1] else []


def run_classes(run: Run) -> LabelMap:
    """The run's classes: labels.json, or MNIST's digits for a run folder written before it kept one."""
    return read_labels(run, LABELS_FILE) if run.file(LABELS_FILE).is_file() else LabelMap(list(range(10)))


def predict(run: Run, inputs: str, options: None = None) -> list[dict[str, Any]]:
    """The class and its probability for each image of a .npy/.npz file, an image file or a folder of images."""
    model = load(run.path)
    x, names = read_images(inputs, (model.height, model.width))
    probs, _ = run_probabilities(run, model, x)
    labels = run_classes(run).labels
    return [{"input": name, "label": labels[int(p.argmax())], "probability": round(float(p.max()), 6)}
            for name, p in zip(names, probs)]


def evaluate(run: Run, data: str | None = None) -> dict[str, float]:
    """Accuracy and loss of the run's prediction (and of the model alone) on the run's test images, or on those of
    `data` (a folder of classes, or an .npz's x_test/y_test), with the per-class report."""
    model = load(run.path)
    classes = run_classes(run)
    test = test_split(run.config, data, classes, (model.height, model.width))
    if test is None:
        raise UserError(f"{data or run.config.data or run.config.dataset}: has no test images to evaluate on (an "
                        ".npz's x_test/y_test, a folder's test/ folder)")
    x, labels = test
    probs, own = run_probabilities(run, model, x)
    scores = Trainer(model, metrics=["acc"], quiet=True).evaluate(test, batch_size=512)  # the model's, as trained
    if probs is not own:
        scores = {"loss": log_loss(probs, labels), "acc": accuracy(probs, labels), "loss_model": scores["loss"],
                  "acc_model": scores["acc"]}
    names = [str(label) for label in classes.labels]
    return {**scores, "samples": len(labels), "classes": class_report(labels, probs.argmax(1), names)}
