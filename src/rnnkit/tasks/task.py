"""`Task`: what `rnnkit train NAME` needs to know of a task family, and `Run`, a trained run read back."""
from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Callable, Iterable


def named(path: str) -> Any:
    """What "module.path:name" names, its module imported."""
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


@dataclass(frozen=True)
class Function:
    """A function named by its module path, "rnnkit.tasks.lm.train:run", imported on its first call: a
    `Task` names its train, predict and evaluate functions so, and reading the registry (`rnnkit train TASK
    --help`, a mistake caught before training) imports only the families' configs, not torch."""

    path: str

    def __call__(self, *args, **kwargs):
        return self.function(*args, **kwargs)

    @property
    def function(self) -> Callable:
        return named(self.path)

    @property
    def __signature__(self) -> inspect.Signature:  # what inspect.signature(task.evaluate) reads
        return inspect.signature(self.function)


@dataclass(frozen=True)
class Task:
    """One command. `run(task, config, run_dir, *, resume, quiet) -> final metrics` trains (given its
    `Task`, so the family's code never spells its own name; `task.train(...)` calls it);
    `predict(run, inputs, options) -> records` and `evaluate(run, data or None) -> metrics` read a `Run`;
    `summary(config) -> str` describes the model a config would build.

    Records are dicts (`rnnkit predict` prints each as a JSON line, as soon as it is yielded: predict
    may stream) or strings (printed as they are, e.g. a CoNLL block). `predict_options` is a config
    dataclass of the task's own predict flags (`rnnkit predict RUN --beam 5`), built and checked like
    a training config and passed as `options`; None when the task has none (`options` is then None).

    Optional: `load_model(run)` when rebuilding a run's model needs more than its folder (the default),
    `run_notes(run)`: lines `rnnkit summary` adds about a run (e.g. its other models), `resolved`: config
    fields that training may resolve from the data and keep among the run's data facts (a forecast file's
    lookback), read back from those facts where config.json has them null; `own_input`: predict may be given
    no input and then reads the run's own data (a forecaster forecasts what follows its series' end).

    A function may be named by its module path, "rnnkit.tasks.lm.train:run" (a `Function`, imported when
    called), so that reading a family's `Task` imports its config and nothing more."""

    name: str
    description: str
    config_cls: type
    run: Callable[..., dict]
    predict: Callable[["Run", str, Any], Iterable[dict | str]] | None = None
    predict_options: type | None = None
    evaluate: Callable[["Run", str | None], dict] | None = None
    summary: Callable[[Any], str] | None = None
    load_model: Callable[["Run"], Any] | None = None
    run_notes: Callable[["Run"], list[str]] | None = None
    resolved: tuple[str, ...] = ()
    own_input: bool = False

    def __post_init__(self):
        for field in fields(self):
            if field.name not in ("name", "description") and isinstance(getattr(self, field.name), str):
                object.__setattr__(self, field.name, Function(getattr(self, field.name)))

    def train(self, config: Any, run_dir: Path, *, resume: bool = False, quiet: bool = False) -> dict:
        """Train `config` into `run_dir` (in this process): the final metrics."""
        return self.run(self, config, run_dir, resume=resume, quiet=quiet)

    def model_of(self, run: "Run"):
        """The trained model of one of this task's runs, in eval mode."""
        if self.load_model is not None:
            return self.load_model(run)
        from rnnkit.io.run import load

        return load(run.path)


@dataclass(frozen=True)
class Run:
    """A run folder read back: its task, the typed config it was trained with, and the rest of its
    config.json (`saved`: the model's config, training settings, facts of the data such as the tokenizer)."""

    path: Path
    task: Task
    config: Any
    saved: dict[str, Any]

    def file(self, name: str) -> Path:
        return self.path / name
