"""Predicting and evaluating with a trained series run: new .ts files are scaled and padded exactly as
the training file was (the run's scaling.json and labels.json)."""
from __future__ import annotations

from typing import Any, Iterator

import numpy as np
import torch

from rnnkit.tasks.runs import read_labels
from rnnkit.data.ts_format import read_ts
from rnnkit.io.run import load
from rnnkit.tasks.classify_series.data import LABELS_FILE, SCALING_FILE, Scaling, as_batchable, label_ids, test_file
from rnnkit.tasks.task import Run
from rnnkit.training import Trainer
from rnnkit.training import predict as predict_outputs
from rnnkit.training.class_report import model_class_report


def class_probabilities(model, x: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """(N, K) class probabilities of padded series (the model's 1 logit for two classes included)."""
    logits = predict_outputs(model, {"inputs": torch.from_numpy(x), "lengths": torch.from_numpy(lengths)})
    if logits.shape[-1] == 1:
        p = torch.sigmoid(logits)
        return torch.cat((1 - p, p), -1).numpy()
    return torch.softmax(logits, -1).numpy()


def predict(run: Run, inputs: str, options: None = None) -> Iterator[dict[str, Any]]:
    """The class and its probability for each series of a .ts file (labelled or not), with its line."""
    ts = read_ts(inputs)
    label_map = read_labels(run, LABELS_FILE)
    probs = class_probabilities(load(run.path), *Scaling.load(run.file(SCALING_FILE)).arrays(ts))
    for line, p in zip(ts.lines, probs):
        k = int(p.argmax())
        yield {"line": line, "label": label_map.labels[k], "probability": round(float(p[k]), 6)}


def evaluate(run: Run, data: str | None = None) -> dict[str, float]:
    """Loss and accuracy on a labelled .ts file, or on the run's own test file or dataset."""
    ts = test_file(run.config, data)
    label_map = read_labels(run, LABELS_FILE)
    x, lengths = Scaling.load(run.file(SCALING_FILE)).arrays(ts)
    model = load(run.path)
    data = as_batchable(x, lengths, label_ids(ts, label_map))
    return {**Trainer(model, metrics=run.config.metrics, quiet=True).evaluate(data, batch_size=256),
            "samples": len(ts), "classes": model_class_report(model, data, label_map.labels)}
