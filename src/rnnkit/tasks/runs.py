"""Run folders as typed objects: `read_run(path, task)` gives a run's typed config back (the registry's
`read_run(path)` finds the task by name first), and `run_config_record` is what a task adds to
config.json. Predict, evaluate, summary and resume read runs through these, never config.json by hand.

A run folder may come from someone else, so reading one runs none of its code: a config key `imports`
(modules a task imports, where users' own models register themselves) is refused unless the user says
they trust the folder (`--trust-imports`, `trust_imports=True`) or has imported those modules already
(`check_imports`)."""
from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rnnkit.errors import UserError
from rnnkit.io.run import CONFIG, FORMAT_VERSION, RunDir, model_entry
from rnnkit.tasks.config import make_config, with_current_keys
from rnnkit.tasks.task import Run, Task

if TYPE_CHECKING:
    from rnnkit.data.readers import LabelMap


FILE_FIELDS = ("data", "valid_data", "test_data")
"""The config fields that name the user's files, spelt the same in every task: checked before anything is trained
(`runner.check_before_start`), and relative to `workdir`, the folder training was started in."""


def run_config_record(task: str, config: Any, **facts: Any) -> dict[str, Any]:
    """What a task adds to config.json (the trainer adds the model and training settings): its name,
    its config, `facts` of the data learnt at training time (e.g. the tokenizer "auto" chose) and the folder
    training was started in (`workdir`: the config's relative file paths are relative to it)."""
    return {"format_version": FORMAT_VERSION, "task": task, "task_config": dataclasses.asdict(config),
            **({"data": facts} if facts else {}), "workdir": os.getcwd()}


def from_workdir(config: Any, workdir: Any) -> Any:
    """`config` with each relative file path that is not found from here but is from `workdir` made absolute:
    `rnnkit evaluate RUN` reads the test file the run was given, from any folder."""
    if not isinstance(workdir, str):
        return config
    moved = {}
    for name in FILE_FIELDS:
        given = getattr(config, name, None)
        if isinstance(given, str) and not Path(given).is_absolute() and not Path(given).exists() \
                and (Path(workdir) / given).exists():
            moved[name] = str(Path(workdir) / given)
    return dataclasses.replace(config, **moved) if moved else config


def read_saved(path: str | Path) -> dict[str, Any]:
    """A run folder's config.json, checked to name a task."""
    run = RunDir(path)
    saved = run.read_config()
    if not isinstance(saved, dict):
        raise UserError(f"{run.file(CONFIG)}: expected a JSON object")
    if not isinstance(saved.get("task"), str) or not saved["task"]:
        raise UserError(f"{run.file(CONFIG)}: names no task")
    return saved


def read_labels(run: Run, name: str = "labels.json") -> LabelMap:
    """A classifier run's label map, checked against the classes of the model its config.json describes:
    a labels.json shorter than the model's outputs would fail at the first prediction of a missing class
    (an IndexError), a longer one would name classes the model never predicts."""
    from rnnkit.data.readers import LabelMap  # noqa: F811  (pandas: imported on use, reading a run needs none)

    labels = LabelMap.load(run.file(name))
    classes = (model_entry(run.saved, run.file(CONFIG)) or {}).get("num_classes")
    if isinstance(classes, int) and not isinstance(classes, bool) and len(labels) != classes:
        raise UserError(f"{run.file(name)}: {len(labels)} label(s) for a model of {classes} classes (config.json); "
                        "the run folder's labels do not match its model")
    return labels


def check_imports(names: Any, where: Path, trusted: bool) -> None:
    """Refuse the modules a run folder's config names to import (`names`: its `imports`) unless the user
    trusts the folder or already imported them: importing a module runs its code."""
    if trusted:
        return
    for name in names or ():
        if name not in sys.modules:
            raise UserError(f"{where}: names module {name!r} to import, which would run its code; a run folder "
                            f"runs no code unless you trust it: pass --trust-imports (trust_imports=True in "
                            f"Python), or import {name} yourself first")


def read_run(path: str | Path, task: Task, saved: dict[str, Any] | None = None, *,
             trust_imports: bool = False) -> Run:
    """The run folder at `path`, of `task`, with its config checked and typed as when it was trained.
    Modules its config names to import are refused unless `trust_imports` (see `check_imports`)."""
    saved = read_saved(path) if saved is None else saved
    values = saved.get("task_config", {})
    where = Path(path) / CONFIG
    if not isinstance(values, dict):
        raise UserError(f"{where}: 'task_config' is not a mapping")
    if saved["task"] != task.name:
        raise UserError(f"{where}: a run of task {saved['task']!r}, expected {task.name!r}")
    facts = saved.get("data") if isinstance(saved.get("data"), dict) else {}
    # a field the task resolves from the data, left null or "auto" in config.json and kept as a fact (a forecast
    # file's lookback, written as null by releases that chose it later; an lm's level, which auto now measures
    # in the text), reads as what the run was trained with, not as what the data would give today;
    # other null fields stay null, even where a fact shares their name (a forecast's season: none means
    # "from the frequency", and the fact is what that gave)
    values = {k: facts[k] if v in (None, "auto") and k in task.resolved and k in facts else v
              for k, v in values.items()}
    try:
        config = make_config(task.config_cls, with_current_keys(values, task.config_cls))
    except UserError as err:
        raise UserError(f"{where}: {err}") from None
    check_imports(getattr(config, "imports", None), where, trust_imports)
    return Run(Path(path), task, from_workdir(config, saved.get("workdir")), saved)
