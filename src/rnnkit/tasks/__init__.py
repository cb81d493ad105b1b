"""Tasks: one command per job (`rnnkit train NAME`), and the template every new task family copies.

The layer itself is a few small modules, each importing only those above it in this list:
- `task`: `Task` (name, description, config class, run/predict/evaluate/summary functions) and `Run`
  (a run folder read back: its task, its typed config, the rest of its config.json);
- `config`: configs from files and command-line strings, checked by pydantic (configs are pydantic
  dataclasses, `rnnkit.training.config.config_dataclass`), every mistake a one-line `UserError`
  naming the key, with "did you mean" for unknown keys and the current name of a renamed one;
- `runs`: a run folder read back as a typed `Run` of a given task, and what a task adds to config.json;
- `report`: report.md (once per run), and the per-class section every classifier adds;
- `fit`: the training skeleton every family's `run()` calls: `start` (seed), `fit` (the trainer with the
  family's loss, metrics, optimizer and callbacks, fit, the kept weights reloaded), `class_notes`, `finish`;
- the families (below), then `registry` (`TASKS`, the one explicit list, and `read_run(path)` that finds
  a run's task by name), `targets` (`resolve_target`, `load_config(target, overrides)`: a task and its
  config from a name, a config file or a run folder) and `runner` (`train(task, config, ...)`: one
  process, spawned DDP, torchrun). No family imports the registry, the targets or the runner; a family imports
  another only to build on it (text's `--pretrain lm` trains the lm family's language model), never in a circle.
Up to `targets` nothing imports torch at import time: `rnnkit train TASK --help` and a mistake in a config are
told without it (`tests/cli/test_start_up.py`).

The typed config is built once (from the command line, a file or a run folder) and travels as an object
to the task, into spawned processes too; config.json is written once, by the trainer, from
`runs.run_config_record(task, config, **facts)`, and `read_run` turns it back into the same config.

## A task family: the template (`images/` is the shortest)

    tasks/<family>/
      __init__.py   the family's docstring (commands it serves) and its Task objects, which name their
                    functions by module path ("rnnkit.tasks.lm.train:run", imported when called), so
                    that `rnnkit train TASK --help` imports the configs and not torch
      config.py     @config_dataclass classes inheriting TrainConfig; every field typed (pydantic checks
                    ranges: PositiveInt, Rate, Literal[...]) with a one-line docstring: that text is the
                    field's `rnnkit train NAME --help` (a field that only changes its default keeps the
                    inherited docstring). Extra files are `valid_data`/`test_data`; `validation_split`'s
                    docstring names its holdout (`rnnkit.data.splits`). No measured numbers here. It
                    imports no torch (choices come from the `choices` modules of data, models, engine, training).
      data.py       files or named datasets (rnnkit.data) -> splits -> what the trainer loads
      model.py      build_model(config, ...) from rnnkit.models, describe(config) for `rnnkit summary`
      train.py      run(task, config, run_dir, *, resume, quiet) -> final metrics:
                        say = start(config, quiet); data; model
                        fitted = fit(task, config, run_dir, model, train, valid=..., summary=..., loss=...)
                        test; notes (+ class_notes for a classifier)
                        return finish(task, config, fitted, final, notes=notes, quiet=quiet)
      predict.py    predict(run, inputs, options) -> records (an iterable: it may stream) and
                    evaluate(run, data) -> metrics (a classifier adds "classes": its per-class report),
                    given a `Run`; the task's own predict flags (`--beam 5`) are a config dataclass set
                    as `Task.predict_options`

Reusable pieces go down a layer, not sideways: tokenizing and batching in `rnnkit.data`, layers in
`rnnkit.layers`, models in `rnnkit.models`. A task module imports from those, from `tasks.config`,
`tasks.task`, `tasks.runs`, `tasks.report` and `tasks.fit`, never from another family.
"""
from rnnkit.lazy import lazy_names

__all__ = ["TASKS", "Run", "Task", "get_task", "load_config", "read_run", "train"]
__getattr__, __dir__ = lazy_names(__name__, {"TASKS": "registry", "get_task": "registry", "read_run": "registry",
                                             "load_config": "targets", "train": "runner", "Run": "task",
                                             "Task": "task"})
"""Imported on first use (`rnnkit.lazy`): a family's config or `Task` is read without the runner's torch."""
