"""The generic `arrays` task: train any registered model on arrays stored in one `.npz` file.

    {"task": "arrays", "data": "data.npz", "model": {"name": "sequential", ...}, "epochs": 5}

The file holds `x_train`, `y_train` and optionally `lengths_train`, `x_valid`/`y_valid`/`lengths_valid`
and `x_test`/`y_test`/`lengths_test`. Without a validation set, `validation_split` holds out the end of
the training arrays, as Keras does. Models are built from `model` through the registry; `imports`
names Python modules to import first, so users' own `@register`ed models can be trained too.
"""
from __future__ import annotations

import importlib
import json
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from rnnkit.data import read_npz
from rnnkit.errors import UserError
from rnnkit.tasks import register_task
from rnnkit.training import TrainConfig, seed_everything, trainer_from_config
from rnnkit.training import distributed as ddp


@dataclass
class ArraysConfig(TrainConfig):
    data: str = ""
    """path to the .npz file with x_train, y_train (and optional lengths_*, *_valid, *_test)"""
    model: dict = field(default_factory=dict)
    """the model's registered name and constructor arguments: {"name": ..., ...}"""
    imports: list[str] = field(default_factory=list)
    """modules to import before building the model (where custom models register themselves)"""
    from_logits: bool = True
    """whether the model returns logits (True) or probabilities (False, e.g. a final sigmoid)"""

    def __post_init__(self):
        if not self.data:
            raise ValueError("config key 'data' is required: the path of an .npz file")
        if not self.model.get("name"):
            raise ValueError("config key 'model' needs a registered model name: {\"name\": ...}")


def _import_modules(names: list[str]) -> None:
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError as err:
            raise UserError(f"config key 'imports': cannot import {name!r} ({err})") from None


def load_arrays(path: str | Path, split: str, required: bool = True) -> tuple | None:
    """(x, y) or (x, lengths, y) of one split of the .npz file, or None when it is absent."""
    path = Path(path)
    arrays = read_npz(path)
    if f"x_{split}" not in arrays:
        if required:
            raise UserError(f"{path}: has no array 'x_{split}' (found {', '.join(sorted(arrays))})")
        return None
    x = arrays[f"x_{split}"]
    if f"y_{split}" not in arrays:
        raise UserError(f"{path}: has 'x_{split}' but no 'y_{split}'")
    y = arrays[f"y_{split}"]
    if len(x) != len(y):
        raise UserError(f"{path}: x_{split} has {len(x)} rows but y_{split} has {len(y)}")
    lengths = arrays.get(f"lengths_{split}")
    return (x, y) if lengths is None else (x, lengths, y)


def build(config: ArraysConfig) -> torch.nn.Module:
    from rnnkit.io.run import _import_model_modules
    from rnnkit.models.registry import build_model

    _import_modules(config.imports)
    _import_model_modules()
    try:
        return build_model(config.model)
    except (ValueError, TypeError) as err:
        raise UserError(f"config key 'model': cannot build it ({err})") from None


def run(config: ArraysConfig, run_dir: str | Path, *, resume: bool = False, quiet: bool = False) -> dict[str, Any]:
    """Train a registered model on arrays from an .npz file."""
    train = load_arrays(config.data, "train")
    valid = load_arrays(config.data, "valid", required=False)
    test = load_arrays(config.data, "test", required=False)
    seed_everything(config.seed)
    model = build(config)
    trainer = trainer_from_config(model, config, run_dir, quiet=quiet, from_logits=config.from_logits,
                                  config={"task": "arrays", "task_config": asdict(config)},
                                  data_summary={"data file": config.data, "x_train shape": list(train[0].shape)})
    trainer.fit(train, epochs=config.epochs, batch_size=config.batch_size, validation_data=valid,
                validation_split=0.0 if valid is not None else config.validation_split, resume=resume)
    final = dict(trainer.final_logs)
    if test is not None:
        final.update(trainer.evaluate(test, prefix="test_"))
        if trainer.run is not None and ddp.is_main():
            text = trainer.report(trainer.final_logs)
            text += "\n## Test set\n\n" + "\n".join(f"- {k}: {v:.6g}" for k, v in final.items() if k.startswith("test_")) + "\n"
            trainer.run.write_report(text)
    if not quiet and ddp.is_main():
        print(f"run folder: {run_dir}")
        if test is not None:
            print("test: " + " ".join(f"{k[5:]}={v:.4f}" for k, v in final.items() if k.startswith("test_")))
    return final


def _load_run(run_dir: str | Path):
    from rnnkit.io.run import RunDir, load

    config = RunDir(run_dir).read_config()
    _import_modules(config.get("task_config", {}).get("imports", []))
    return load(run_dir), config


def _read_inputs(inputs: str) -> np.ndarray:
    if inputs == "-":
        rows = [json.loads(line) for line in sys.stdin if line.strip()]
        return np.asarray(rows)
    path = Path(inputs)
    if not path.is_file():
        raise UserError(f"{path}: input file not found")
    if path.suffix == ".npy":
        return np.load(path, allow_pickle=False)
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as npz:
            key = next((k for k in ("x", "x_test", "inputs") if k in npz.files), npz.files[0])
            return npz[key]
    rows = []
    for i, line in enumerate(path.read_text().splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except ValueError:
                raise UserError(f"{path}: line {i} is not a JSON array") from None
    return np.asarray(rows)


def predict(run_dir: str | Path, inputs: str) -> list[dict[str, Any]]:
    """One record per input row: class and probability for classifiers, the value for regressors."""
    from rnnkit.training import predict as predict_outputs

    model, config = _load_run(run_dir)
    x = _read_inputs(inputs)
    out = predict_outputs(model, x)
    training = config.get("training", {})
    from_logits, loss = training.get("from_logits", True), training.get("loss", "auto")
    if loss in ("mse", "mae", "mean_squared_error", "mean_absolute_error"):
        return [{"value": v.tolist()} for v in out]
    if out.dim() == 1 or out.shape[-1] == 1:
        p = torch.sigmoid(out.reshape(-1)) if from_logits else out.reshape(-1)
        return [{"label": int(v > 0.5), "probability": float(v)} for v in p]
    probs = torch.softmax(out, -1) if from_logits else out
    return [{"label": int(p.argmax()), "probability": float(p.max())} for p in probs]


def evaluate(run_dir: str | Path, data: str | None = None) -> dict[str, float]:
    """Loss and metrics of the run's model on the test split of `data` (default: the training file)."""
    from rnnkit.training import Trainer

    model, config = _load_run(run_dir)
    task_config, training = config.get("task_config", {}), config.get("training", {})
    path = data or task_config.get("data")
    split = load_arrays(path, "test", required=False) or load_arrays(path, "valid", required=False)
    if split is None:
        raise UserError(f"{path}: has no x_test/y_test (or x_valid/y_valid) to evaluate on")
    trainer = Trainer(model, loss=training.get("loss", "auto"), metrics=training.get("metrics", ["acc"]),
                      from_logits=training.get("from_logits", True), quiet=True)
    return trainer.evaluate(split, batch_size=training.get("batch_size", 256))




register_task("arrays", ArraysConfig, run, predict=predict, evaluate=evaluate, summary=None,
              description="train a registered model on arrays from an .npz file")
