"""The training skeleton every task family's `run()` calls, in this order:

    say = start(config, quiet)                      seed every random draw; the printer of rank 0
    ... the family's own data and model ...
    fitted = fit(task, config, run_dir, model, train, valid=..., summary=..., loss=..., metrics=...)
                                                    the trainer (the family's loss, metrics, optimizer and
                                                    callbacks passed in, never patched afterwards), fit, and
                                                    the kept (best-by-validation) weights back in the model
    ... the family's own test and report sections (class_notes: the per-class table of a classifier) ...
    return finish(task, config, fitted, final, notes=..., quiet=quiet)
                                                    report.md, written once

A family keeps only what is its own: its data, its model, its metrics and its report sections. The task
name comes from the `Task`, never a string literal, so config.json, report.md and the reproduce line agree.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

from rnnkit.tasks.report import class_section, printer, write_report
from rnnkit.tasks.runs import run_config_record
from rnnkit.tasks.task import Task
from rnnkit.training import Trainer, seed_everything, trainer_from_config
from rnnkit.training.class_report import model_class_report


def start(config: Any, quiet: bool) -> Callable[..., None]:
    """Seed every random draw from `config.seed` (before the family draws its model's weights or a
    held-out part) and return the printer of a loud run's rank 0."""
    seed_everything(config.seed)
    return printer(quiet)


@dataclass
class Fitted:
    """A trained model's trainer (history, run folder) and final logs; the model holds the weights the
    run keeps (the best epoch's with keep_best and validation data, else the last)."""

    trainer: Trainer
    final: dict[str, float]


def fit(task: Task, config: Any, run_dir: str | Path | None, model, train: Any, *, valid: Any = None,
        validation_split: float = 0.0, summary: dict[str, Any], facts: dict[str, Any] | None = None,
        epochs: int | None = None, batch_size: int | None = None, shuffle: bool = True, resume: bool = False,
        quiet: bool = False, **trainer_options: Any) -> Fitted:
    """Train `model` on `train` (validated on `valid`, or on the `validation_split` the trainer holds out)
    as `config` says, into `run_dir`; `facts` of the data go to config.json beside the config;
    `trainer_options` (loss, metrics, optimizer, callbacks, forward_module, from_logits) are the family's own.

    Without validation data nothing can pick a best epoch: the last weights are kept and early stopping
    is off. With it, and `keep_best`, the best epoch's weights are loaded back before the family tests."""
    validated = valid is not None or validation_split > 0
    trained = config if validated else replace(config, keep_best=False, early_stopping=None)
    trainer = trainer_from_config(model, trained, run_dir, quiet=quiet, data_summary=summary,
                                  config=run_config_record(task.name, config, **(facts or {})),
                                  write_report=False, **trainer_options)
    trainer.fit(train, epochs=epochs or config.epochs, batch_size=batch_size or config.batch_size,
                validation_data=valid, validation_split=0.0 if valid is not None else validation_split,
                shuffle=shuffle, resume=resume)
    if trained.keep_best and trainer.run is not None:
        trainer.run.load_weights(model)  # test (and sample) the kept weights, as `rnnkit evaluate` will
    return Fitted(trainer, dict(trainer.final_logs))


def class_notes(fitted: Fitted, data: tuple, names, *, batch_size: int = 256) -> str:
    """report.md's per-class section (and class_report.json, confusion.png) for `data` ((x, y) or
    (x, lengths, y)) as the fitted model classifies it."""
    trainer = fitted.trainer
    report = model_class_report(trainer.model, data, names, batch_size=batch_size, from_logits=trainer.from_logits)
    return class_section(trainer.run.path if trainer.run is not None else None, report)


def finish(task: Task, config: Any, fitted: Fitted, final: dict[str, float], *, title: str | None = None,
           test_notes: list[str] = (), notes: str = "", quiet: bool = False) -> dict[str, float]:
    """Write report.md once (the trainer's sections, the test numbers, the family's `notes`, the command
    that trains the same run again) and return the run's final metrics."""
    write_report(fitted.trainer, task.name, config, final, title=title, test_notes=test_notes, notes=notes,
                 quiet=quiet)
    return final
