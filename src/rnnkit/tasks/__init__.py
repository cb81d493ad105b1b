"""Tasks: one command per job (`rnnkit train NAME`), and the template every new task family copies.

The layer itself is four small modules:
- `task`: `Task` (name, description, config class, run/predict/evaluate/summary functions) and `Run`
  (a run folder read back: its task, its typed config, the rest of its config.json);
- `registry`: `TASKS`, the one explicit list; a new family adds its `Task` there;
- `config`: configs from files and command-line strings, checked by pydantic (configs are pydantic
  dataclasses, `rnnkit.training.config.config_dataclass`), every mistake a one-line `UserError`
  naming the key, with "did you mean" for unknown keys;
- `runner`: `load_config(target, overrides)` and `train(task, config, ...)` (one process, spawned DDP,
  torchrun); `registry.read_run(path)` reads a run folder back as a typed `Run`; `report` writes report.md.

The typed config is built once (from the command line, a file or a run folder) and travels as an object
to the task, into spawned processes too; config.json is written once, by the trainer, from
`runs.run_config_record(task, config, **facts)`, and `read_run` turns it back into the same config.

## A task family: the template (`text/`, `images/`, `arrays/`)

    tasks/<family>/
      __init__.py   the family's docstring (commands it serves) and its Task objects: run_<task> functions
                    that wire data -> model -> train for each task of the family
      config.py     @config_dataclass classes inheriting TrainConfig; every field typed (pydantic checks
                    ranges: PositiveInt, Rate, Literal[...]) with a one-line docstring: that text is the
                    field's `rnnkit train NAME --help`. No measured numbers here (benchmarks/TASKS.md).
      data.py       files or named datasets (rnnkit.data) -> splits -> what the trainer loads
      model.py      build_model(config, ...) from rnnkit.models (MODEL_FIELDS: config fields passed by name),
                    describe(config) for `rnnkit summary`
      train.py      run(config, run_dir, *, resume, quiet) -> final metrics: seed, data, model,
                    trainer_from_config(..., config=run_config_record(...)), fit, test, write_report
      predict.py    predict(run, inputs, options) -> records (an iterable: it may stream) and
                    evaluate(run, data) -> metrics, given a `Run`; the task's own predict flags
                    (`--beam 5`) are a config dataclass set as `Task.predict_options`

Reusable pieces go down a layer, not sideways: tokenizing and batching in `rnnkit.data`, layers in
`rnnkit.layers`, models in `rnnkit.models`. A task module imports from those, from `tasks.config`,
`tasks.task`, `tasks.runs` and `tasks.report`, never from another family.
"""
from rnnkit.tasks.registry import TASKS, get_task
from rnnkit.tasks.runner import load_config, train
from rnnkit.tasks.registry import read_run
from rnnkit.tasks.task import Run, Task

__all__ = ["TASKS", "Run", "Task", "get_task", "load_config", "read_run", "train"]
