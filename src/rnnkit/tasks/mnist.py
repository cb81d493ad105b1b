"""`rnnkit train mnist --mode rows|pixels`: digits read by an LSTM as sequences (article 001).

mode "rows" reads each 28 x 28 image as 28 steps of 28 pixels (article 001's LSTM(128), Adam at
1e-3, batch 128); mode "pixels" as 784 steps of one pixel, the long-memory benchmark (Le et al.
2015), much slower. Data: the named dataset (`mnist`, official 50k/10k/10k; or `fashion-mnist`),
or an `.npz` file with x_train/y_train (x_valid/y_valid, x_test/y_test optional; images as (N, 784)
or (N, 28, 28) floats in [0, 1]). Training images are moved by up to 2 pixels each way at random
(`max_shift`, as Keras' RandomTranslation): without it the row reader learns the training digits by
heart (99.9% train, 98.8% test). The best epoch by validation accuracy is kept and scored on the
test set.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from rnnkit.cells.lstm import LSTMCell, chrono_init_
from rnnkit.data import load_dataset, read_npz
from rnnkit.errors import UserError
from rnnkit.models.classifier import SequenceImageClassifier
from rnnkit.tasks import register_task
from rnnkit.training import TrainConfig, seed_everything, trainer_from_config
from rnnkit.training import distributed as ddp

IMAGE_DATASETS = ("mnist", "fashion-mnist")


@dataclass
class MnistConfig(TrainConfig):
    mode: str = "rows"
    """rows: 28 steps of 28 pixels; pixels: 784 steps of 1"""
    dataset: str = "mnist"
    """mnist or fashion-mnist (ignored when `data` is given)"""
    data: str | None = None
    """an .npz with x_train, y_train (and x_valid/y_valid, x_test/y_test) instead of a named dataset"""
    cache_dir: str | None = None
    limit: int | None = None
    """train on the first N training images only (quick runs)"""
    cell: str = "lstm"
    hidden_size: int = 128
    num_layers: int = 2
    """two stacked LSTM(128); measured test accuracy in benchmarks/TASKS.md"""
    bidirectional: bool = False
    pooling: str = "last"
    inter_layer_dropout: float = 0.0
    """dropout between the stacked layers"""
    head_dropout: float = 0.0
    max_shift: int = 2
    """move each training image by up to this many pixels each way (random, per image per epoch): rows test
    accuracy 99.04% with 2 vs 98.80% without (benchmarks/TASKS.md)"""
    chrono_init: bool = False
    """LSTM forget/input biases from Tallec & Ollivier's chrono initialisation for the sequence length
    (28 or 784 steps): what lets a pixel-by-pixel LSTM leave chance accuracy"""
    fast: str = "auto"
    epochs: int = 15
    batch_size: int = 128
    lr: float | None = 1e-3
    schedule: str | None = "cosine"
    clip_norm: float | None = 1.0
    validation_split: float = 0.1
    """without a validation split in the data: hold out this last fraction of the training images"""
    keep_best: bool = True
    monitor: str = "val_acc"

    def __post_init__(self):
        if self.mode not in SequenceImageClassifier.MODES:
            raise ValueError(f"mode must be one of {SequenceImageClassifier.MODES}, got {self.mode!r}")
        if self.chrono_init and self.cell != "lstm":
            raise ValueError(f"chrono_init needs cell='lstm', got cell={self.cell!r}")
        if self.data is None and self.dataset not in IMAGE_DATASETS:
            raise ValueError(f"dataset must be one of {IMAGE_DATASETS}, got {self.dataset!r}")


def _images(x: np.ndarray, where: str) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 3:
        x = x.reshape(len(x), -1)
    if x.ndim != 2 or x.shape[1] != 784:
        raise UserError(f"{where}: expected images of 784 pixels ((N, 784) or (N, 28, 28)), got shape {x.shape}")
    return x / 255.0 if x.max(initial=0) > 1.0 else x


def load_splits(config: MnistConfig) -> dict[str, tuple[np.ndarray, np.ndarray] | None]:
    """{"train", "valid", "test"} -> (images (N, 784) float32, labels (N,) int64) or None."""
    if config.data is None:
        ds = load_dataset(config.dataset, config.cache_dir)
        parts = {"train": ds.train, "valid": ds.valid, "test": ds.test}
        return {k: None if s is None else (_images(s.x, f"{config.dataset} {k}"), np.asarray(s.y, dtype=np.int64))
                for k, s in parts.items()}
    path = Path(config.data)
    arrays = read_npz(path)
    if "x_train" not in arrays or "y_train" not in arrays:
        raise UserError(f"{path}: needs arrays x_train and y_train (found {', '.join(sorted(arrays))})")
    out = {}
    for split in ("train", "valid", "test"):
        if f"x_{split}" in arrays:
            out[split] = (_images(arrays[f"x_{split}"], f"{path} x_{split}"), arrays[f"y_{split}"].astype(np.int64))
        else:
            out[split] = None
    return out


def build_model(config: MnistConfig) -> SequenceImageClassifier:
    model = SequenceImageClassifier(10, mode=config.mode, cell=config.cell, hidden_size=config.hidden_size,
                                    num_layers=config.num_layers, bidirectional=config.bidirectional,
                                    pooling=config.pooling, inter_layer_dropout=config.inter_layer_dropout,
                                    head_dropout=config.head_dropout, max_shift=config.max_shift, fast=config.fast)
    if config.chrono_init:
        steps = 28 if config.mode == "rows" else 784
        for cell in model.modules():
            if isinstance(cell, LSTMCell):
                chrono_init_(cell, steps)
    return model


def run(config: MnistConfig, run_dir: str | Path, *, resume: bool = False, quiet: bool = False) -> dict[str, Any]:
    """MNIST digits read row by row (28 x 28) or pixel by pixel (784 x 1) by an LSTM."""
    splits = load_splits(config)
    x, y = splits["train"]
    if config.limit:
        x, y = x[: config.limit], y[: config.limit]
    seed_everything(config.seed)
    model = build_model(config)
    valid = splits["valid"]
    summary = {"dataset": config.data or config.dataset, "mode": config.mode,
               "sequence": "28 steps of 28 pixels" if config.mode == "rows" else "784 steps of 1 pixel"}
    cfg = config
    if valid is None and not config.validation_split:
        from dataclasses import replace

        cfg = replace(config, keep_best=False, early_stopping=None)
    trainer = trainer_from_config(model, cfg, run_dir, quiet=quiet, data_summary=summary,
                                  config={"task": "mnist", "task_config": asdict(config)})
    trainer.fit((x, y), epochs=config.epochs, batch_size=config.batch_size, validation_data=valid,
                validation_split=0.0 if valid is not None else config.validation_split, resume=resume)
    final = dict(trainer.final_logs)
    test = splits["test"]
    if test is not None:
        if cfg.keep_best and trainer.run is not None:
            trainer.run.load_weights(model)
        final.update(trainer.evaluate(test, batch_size=512, prefix="test_"))
    if trainer.run is not None and ddp.is_main():
        text = trainer.report(trainer.final_logs, title=f"mnist ({config.mode}): training report")
        if test is not None:
            text += "\n## Test set\n\n" + "\n".join(
                f"- {k[5:]}: {v:.4f}" for k, v in final.items() if k.startswith("test_")) + f"\n- images: {len(test[0])}\n"
        trainer.run.write_report(text)
    if not quiet and ddp.is_main():
        if test is not None:
            print(f"test ({len(test[0]):,} images): acc={final['test_acc']:.4f} loss={final['test_loss']:.4f}")
        print(f"run folder: {run_dir}")
    return final


def _read_images(inputs: str) -> np.ndarray:
    path = Path(inputs)
    if not path.is_file():
        raise UserError(f"{path}: input file not found")
    if path.suffix == ".npy":
        return _images(np.load(path, allow_pickle=False), str(path))
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as npz:
            key = next((k for k in ("x", "x_test", "images") if k in npz.files), npz.files[0])
            return _images(npz[key], f"{path} {key}")
    raise UserError(f"{path}: expected a .npy or .npz file of images")


def predict(run_dir: str | Path, inputs: str) -> list[dict[str, Any]]:
    """The digit and its probability for each image of a .npy/.npz file."""
    from rnnkit.io.run import load
    from rnnkit.training import predict as predict_outputs

    model = load(run_dir)
    probs = torch.softmax(predict_outputs(model, _read_images(inputs), batch_size=512), -1)
    return [{"label": int(p.argmax()), "probability": round(float(p.max()), 6)} for p in probs]


def evaluate(run_dir: str | Path, data: str | None = None) -> dict[str, float]:
    """Accuracy on the run's test set, or on the x_test/y_test of an .npz given as `data`."""
    from rnnkit.io.run import RunDir, load
    from rnnkit.tasks import make_config
    from rnnkit.training import Trainer

    task_config = RunDir(run_dir).read_config().get("task_config", {})
    config = make_config(MnistConfig, {**task_config, **({"data": data} if data else {})})
    test = load_splits(config)["test"]
    if test is None:
        raise UserError(f"{config.data}: has no x_test/y_test to evaluate on")
    return Trainer(load(run_dir), metrics=["acc"], quiet=True).evaluate(test, batch_size=512)


def summarize(config: MnistConfig) -> str:
    return build_model(config).__repr__()


register_task("mnist", MnistConfig, run, predict=predict, evaluate=evaluate, summary=summarize,
              description="MNIST digits read row by row (28 x 28) or pixel by pixel (784 x 1) by an LSTM")
