"""Predicting and evaluating with a trained series run: new .ts files are scaled and padded exactly as
the training file was (the run's scaling.json and labels.json), and the run's prediction blends the
model's class probabilities with MiniRocket's at the run's weight (blend.json), MiniRocket fitted again on
the run's training series as training fitted it."""
from __future__ import annotations

from typing import Any, Iterator

import numpy as np
import torch

from rnnkit.tasks.runs import read_labels
from rnnkit.data.ucr_tsv import read_series_file
from rnnkit.io.run import load
from rnnkit.errors import UserError
from rnnkit.models.blend import accuracy, blend
from rnnkit.models.minirocket import RocketLinear
from rnnkit.tasks.classify_series.baseline import load_blend
from rnnkit.tasks.classify_series.data import (LABELS_FILE, SCALING_FILE, Scaling, as_batchable, hold_out, label_ids,
                                               load_files, test_file)
from rnnkit.tasks.task import Run
from rnnkit.training import Trainer
from rnnkit.training import predict as predict_outputs
from rnnkit.training.class_report import class_report, model_class_report


def class_probabilities(model, x: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """(N, K) class probabilities of padded series (the model's 1 logit for two classes included)."""
    longest = getattr(model, "longest", None)  # LSTM-FCN's dimension shuffle reads series of at most this length
    if longest is not None and x.shape[1] > longest:
        raise UserError(f"series of {x.shape[1]} points: the model (rnn_input shuffle) reads series of at most "
                        f"{longest} points, the longest of its training file")
    logits = predict_outputs(model, {"inputs": torch.from_numpy(x), "lengths": torch.from_numpy(lengths)})
    if logits.shape[-1] == 1:
        p = torch.sigmoid(logits)
        return torch.cat((1 - p, p), -1).numpy()
    return torch.softmax(logits, -1).numpy()


def refit_baseline(run: Run, label_map, saved: dict) -> RocketLinear:
    """The run's MiniRocket baseline fitted again as training did (seeded: the same kernels, biases and
    classifier): on the whole training file with the run's C, or, for a run made before the refit, on its
    fit rows with C chosen on its validation series."""
    config = run.config
    try:
        files = load_files(config)
    except UserError as err:
        raise UserError(f"the run blends its predictions with MiniRocket, fitted on its training series: {err}") from None
    held = hold_out(config, files, Scaling.load(run.file(SCALING_FILE)), label_map)
    model = RocketLinear(len(label_map), config.seed)
    if saved["refit"]:
        model.C = saved["C"]
        return model.refit(held.x, held.y)
    fit_x, _, fit_y = held.fit
    return model.fit(fit_x, fit_y, *((held.valid[0], held.valid[-1]) if held.valid is not None else ()))


def run_probabilities(run: Run, model, label_map, x: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, dict]:
    """(the run's class probabilities: the model's blended with MiniRocket's at the run's weight, {"model":
    the model's alone, "baseline": MiniRocket's, when the run has one})."""
    probs = class_probabilities(model, x, lengths)
    saved = load_blend(run.path)
    if saved is None:
        return probs, {"model": probs}
    baseline = refit_baseline(run, label_map, saved).predict_proba(x)
    return blend(probs, baseline, saved["weight"]), {"model": probs, "baseline": baseline}


def predict(run: Run, inputs: str, options: None = None) -> Iterator[dict[str, Any]]:
    """The class and its probability for each series of a .ts file (labelled or not), with its line: the
    run's prediction (the model's blended with MiniRocket's when the run chose so)."""
    ts = read_series_file(inputs)
    label_map = read_labels(run, LABELS_FILE)
    probs, _ = run_probabilities(run, load(run.path), label_map, *Scaling.load(run.file(SCALING_FILE)).arrays(ts))
    for line, p in zip(ts.lines, probs):
        k = int(p.argmax())
        yield {"line": line, "label": label_map.labels[k], "probability": round(float(p[k]), 6)}


def evaluate(run: Run, data: str | None = None) -> dict[str, float]:
    """Accuracy of the run's prediction on a labelled .ts file, or on the run's own test file or dataset,
    beside the model's alone (and its loss) and MiniRocket's."""
    ts = test_file(run.config, data)
    label_map = read_labels(run, LABELS_FILE)
    x, lengths = Scaling.load(run.file(SCALING_FILE)).arrays(ts)
    model = load(run.path)
    labels = label_ids(ts, label_map)
    data = as_batchable(x, lengths, labels)
    scores = Trainer(model, metrics=run.config.metrics, quiet=True).evaluate(data, batch_size=256)
    probs, parts = run_probabilities(run, model, label_map, x, lengths)
    if "baseline" not in parts:
        return {**scores, "samples": len(ts), "classes": model_class_report(model, data, label_map.labels)}
    names = [str(n) for n in label_map.labels]
    return {**scores, "acc_model": scores["acc"], "acc_baseline": accuracy(parts["baseline"], labels),
            "acc": accuracy(probs, labels), "samples": len(ts), "classes": class_report(labels, probs.argmax(1), names)}
