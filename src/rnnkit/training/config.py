"""`TrainConfig`: the training options every task config shares, and the Trainer built from them.

Configs are pydantic dataclasses (`config_dataclass`): to the code that reads them plain dataclasses
(attributes, `dataclasses.replace`, `asdict`, pickles for DDP), and checked by pydantic whenever one
is built, so a wrong type or an out-of-range value never gets past the line that made it. Each
field's docstring is its help text (`rnnkit train TASK --help`). A task's config inherits these
fields and adds its own; `trainer_from_config` turns one into a `Trainer` with the callbacks it asks for.
The module imports torch (the trainer, losses, metrics) only when a function needs it: every task config
inherits TrainConfig, and `rnnkit train TASK --help` reads those configs without importing torch.
"""
from __future__ import annotations

from dataclasses import field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import pydantic
from pydantic import Field

from rnnkit.errors import UserError
from rnnkit.training.choices import OPTIMIZERS, SCHEDULES, OnNaN

if TYPE_CHECKING:
    from torch import nn

    from rnnkit.training.callbacks import Callback
    from rnnkit.training.trainer import Trainer


config_dataclass = partial(pydantic.dataclasses.dataclass,
                           config=pydantic.ConfigDict(extra="forbid", use_attribute_docstrings=True))
"""The decorator of every config class: unknown keys are errors; field docstrings become descriptions."""

PositiveInt = Annotated[int, Field(ge=1)]
ScheduleName = Literal[SCHEDULES]
Rate = Annotated[float, Field(ge=0.0, lt=1.0)]
"""A dropout-like probability: 1.0 would drop everything."""
LearningRate = Annotated[float, Field(gt=0.0)]
"""A learning rate: a negative one would climb the loss (torch refuses it, naming no key)."""


@config_dataclass
class TrainConfig:
    epochs: PositiveInt = 10
    """passes over the training data"""
    batch_size: PositiveInt = 32
    """samples per optimizer step (per process under DDP)"""
    optimizer: Literal[OPTIMIZERS] = "adam"
    """adam, adamw, rmsprop or sgd (with momentum 0.9)"""
    lr: LearningRate | None = None
    """learning rate; None takes the optimizer's usual default"""
    weight_decay: Annotated[float, Field(ge=0.0)] | None = None
    """None takes the optimizer's default (adamw 0.01, the others 0)"""
    loss: str = "auto"
    """a Keras loss name, or auto (from the targets: class ids -> cross-entropy, floats -> mse)"""
    metrics: list[str] = field(default_factory=lambda: ["acc"])
    """acc, precision, recall, f1 (the positive class's on two classes, the macro average on more),
    macro_ and weighted_ precision/recall/f1, mae, rmse, perplexity"""
    schedule: ScheduleName | None = None
    """learning-rate schedule: step (halved every epoch), cosine (down to 0 over the run, per step), warmup
    (rising linearly over warmup_steps, then constant), warmup_cosine (warmup, then cosine), plateau (halved
    when val_loss has not fallen for 3 epochs), or none (constant)"""
    warmup_steps: Annotated[int, Field(ge=0)] = 0
    """steps of linear warm-up of the schedules warmup and warmup_cosine (0: one epoch)"""
    clip_norm: float | None = None
    """clip the global gradient norm to this value"""
    clip_value: float | None = None
    """clip every gradient element to [-v, v]"""
    on_nan: OnNaN = "stop"
    """a NaN/inf loss or gradient: stop (naming the step; checkpoints before it kept) or skip the step"""
    validation_split: Rate = 0.0
    """fraction of the training data (its end, as Keras) held out when no validation set is given"""
    early_stopping: PositiveInt | None = None
    """stop after this many epochs without improvement of `monitor`"""
    monitor: str = "val_loss"
    """the logged metric early stopping and keep_best watch (val_loss, val_acc, ...)"""
    keep_best: bool = False
    """keep the weights of the best epoch by `monitor` as model.safetensors"""
    seed: int = 0
    """seed of every random draw (weights, dropout, shuffling, held-out samples)"""
    checkpoint_every: Annotated[int, Field(ge=0)] = 0
    """also checkpoint every N optimizer steps (always at each epoch end)"""
    log_every: Annotated[int, Field(ge=0)] = 0
    """a metrics.jsonl line every N steps, and a progress line when the output is not a terminal (0: one
    line per epoch)"""
    run_dir: str | None = None
    """where the run folder goes; default runs/<task>-<time>"""
    tensorboard: bool = False
    """also write TensorBoard event files under RUN/tensorboard (loss, gradient norm and learning rate per
    step; every epoch's loss, metrics and learning rate); metrics.jsonl is written either way"""
    tensorboard_histograms: bool = False
    """with --tensorboard, also a histogram per epoch of every gate and state of every recurrent layer
    (over the epoch's last training batch)"""


def callbacks_from_config(cfg: TrainConfig) -> list[Callback]:
    from rnnkit.training.callbacks import EarlyStopping, ModelCheckpoint
    from rnnkit.training.tensorboard import TensorBoard

    callbacks: list[Callback] = []
    if cfg.early_stopping is not None:
        callbacks.append(EarlyStopping(monitor=cfg.monitor, patience=cfg.early_stopping))
    if cfg.keep_best:
        callbacks.append(ModelCheckpoint(monitor=cfg.monitor))
    if cfg.tensorboard:
        callbacks.append(TensorBoard(histograms=cfg.tensorboard_histograms))
    return callbacks


def trainer_from_config(model: nn.Module, cfg: TrainConfig, run_dir: str | Path | None, *,
                        config: dict[str, Any] | None = None, quiet: bool = False,
                        callbacks: list[Callback] = (), loss: Any = None, metrics: list | None = None,
                        optimizer: Any = None, **kwargs) -> Trainer:
    """A Trainer with `cfg`'s options; `config` (e.g. {"task": ..., "task_config": ...}) goes to config.json.
    A task with a loss, metrics or optimizer of its own passes them here (a loss callable is logged by its
    `__name__`, see `losses.named_loss`; an optimizer instance replaces the `optimizer` name): they win over
    `cfg`'s, so no caller has to patch the trainer afterwards."""
    from rnnkit.training.trainer import Trainer

    schedule_options = {"warmup_steps": cfg.warmup_steps} if cfg.schedule in ("warmup", "warmup_cosine") else {}
    trainer = Trainer(model, loss=cfg.loss if loss is None else loss,
                      optimizer=cfg.optimizer if optimizer is None else optimizer, lr=cfg.lr,
                      weight_decay=cfg.weight_decay, metrics=cfg.metrics if metrics is None else metrics,
                      schedule=cfg.schedule, schedule_options=schedule_options,
                      clip_norm=cfg.clip_norm, clip_value=cfg.clip_value,
                      callbacks=[*callbacks_from_config(cfg), *callbacks], run_dir=run_dir, config=config,
                      seed=cfg.seed, checkpoint_every=cfg.checkpoint_every, log_every=cfg.log_every, quiet=quiet,
                      on_nan=cfg.on_nan, **kwargs)
    if cfg.early_stopping is not None or cfg.keep_best:
        check_monitor(cfg.monitor, [m.name for m in trainer.metrics])
    return trainer


def check_training(cfg: TrainConfig) -> None:
    """What the trainer would refuse in `cfg`, checked without building one (before any data is read):
    clipping thresholds, the loss and metric names, and the `monitor` of early stopping and keep_best."""
    from rnnkit.training.losses import get_loss
    from rnnkit.training.metrics import get_metric

    for name in ("clip_norm", "clip_value"):
        value = getattr(cfg, name)
        if value is not None and not value > 0:
            raise UserError(f"config key {name!r}: expected a positive number or none, got {value!r}")
    try:
        if cfg.loss != "auto":
            get_loss(cfg.loss)
    except ValueError as err:
        raise UserError(f"config key 'loss': {err}") from None
    try:
        metrics = [get_metric(m).name for m in cfg.metrics]
    except ValueError as err:
        raise UserError(f"config key 'metrics': {err}") from None
    metrics += getattr(cfg, "task_metrics", ())  # what a task logs itself (the tagger's entity F1)
    if (cfg.early_stopping is not None or cfg.keep_best) and cfg.monitor != "auto":  # "auto": the task resolves it
        check_monitor(cfg.monitor, metrics)


def check_monitor(monitor: str, metrics: list[str]) -> None:
    """`monitor` names a value every epoch logs (the loss, a metric, either on the validation data), or a
    misspelling would only show as early stopping that never stops (the callbacks skip an absent value)."""
    logged = [f"{prefix}{name}" for prefix in ("val_", "") for name in ("loss", *metrics)]
    if monitor not in logged:
        raise UserError(f"config key 'monitor': {monitor!r} is not a value training logs; expected one of "
                        f"{', '.join(logged)}")
