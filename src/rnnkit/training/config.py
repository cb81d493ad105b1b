"""`TrainConfig`: the training options every task config shares, and the Trainer built from them.

A task's config is a dataclass that inherits these fields and adds its own (dataset, model size ...);
the CLI sets any of them with `--set key=value` or `--key value`. `trainer_from_config` turns one into
a `Trainer` with the callbacks it asks for.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from torch import nn

from rnnkit.training.callbacks import Callback, EarlyStopping, ModelCheckpoint
from rnnkit.training.trainer import Trainer


@dataclass
class TrainConfig:
    epochs: int = 10
    """passes over the training data"""
    batch_size: int = 32
    """samples per optimizer step (per process under DDP)"""
    optimizer: str = "adam"
    """adam, adamw, rmsprop or sgd (with momentum 0.9)"""
    lr: float | None = None
    """learning rate; None takes the optimizer's usual default"""
    weight_decay: float | None = None
    """None takes the optimizer's default (adamw 0.01, the others 0)"""
    loss: str = "auto"
    """a Keras loss name, or auto (from the targets: class ids -> cross-entropy, floats -> mse)"""
    metrics: list[str] = field(default_factory=lambda: ["acc"])
    """acc, precision, recall, f1, macro_f1, mae, rmse, perplexity"""
    schedule: str | None = None
    """learning-rate schedule: step, cosine, warmup, warmup_cosine, plateau"""
    warmup_steps: int = 0
    clip_norm: float | None = None
    """clip the global gradient norm to this value"""
    clip_value: float | None = None
    """clip every gradient element to [-v, v]"""
    validation_split: float = 0.0
    """fraction of the training data (its end, as Keras) held out when no validation set is given"""
    early_stopping: int | None = None
    """stop after this many epochs without improvement of `monitor`"""
    monitor: str = "val_loss"
    keep_best: bool = False
    """keep the weights of the best epoch by `monitor` as model.safetensors"""
    seed: int = 0
    checkpoint_every: int = 0
    """also checkpoint every N optimizer steps (always at each epoch end)"""
    log_every: int = 0
    """a metrics.jsonl line and a log line every N steps (0: about ten per epoch on screen only)"""
    run_dir: str | None = None
    """where the run folder goes; default runs/<task>-<time>"""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def callbacks_from_config(cfg: TrainConfig) -> list[Callback]:
    callbacks: list[Callback] = []
    if cfg.early_stopping is not None:
        callbacks.append(EarlyStopping(monitor=cfg.monitor, patience=cfg.early_stopping))
    if cfg.keep_best:
        callbacks.append(ModelCheckpoint(monitor=cfg.monitor))
    return callbacks


def trainer_from_config(model: nn.Module, cfg: TrainConfig, run_dir: str | Path | None, *,
                        config: dict[str, Any] | None = None, quiet: bool = False,
                        callbacks: list[Callback] = (), **kwargs) -> Trainer:
    """A Trainer with `cfg`'s options; `config` (e.g. {"task": ..., "task_config": ...}) goes to config.json."""
    schedule_options = {"warmup_steps": cfg.warmup_steps} if cfg.schedule in ("warmup", "warmup_cosine") else {}
    return Trainer(model, loss=cfg.loss, optimizer=cfg.optimizer, lr=cfg.lr, weight_decay=cfg.weight_decay,
                   metrics=cfg.metrics, schedule=cfg.schedule, schedule_options=schedule_options,
                   clip_norm=cfg.clip_norm, clip_value=cfg.clip_value,
                   callbacks=[*callbacks_from_config(cfg), *callbacks], run_dir=run_dir, config=config,
                   seed=cfg.seed, checkpoint_every=cfg.checkpoint_every, log_every=cfg.log_every, quiet=quiet,
                   **kwargs)
