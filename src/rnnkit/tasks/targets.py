"""What `rnnkit train TARGET` trains: a task and its config from a task name, a config file (JSON/YAML naming
its task) or a run folder. Reading one imports the task's config and no torch, so a mistake in it (a
missing --data file) is told at once; `runner` trains what this resolves."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rnnkit.errors import UserError
from rnnkit.io.run import CONFIG
from rnnkit.tasks.config import make_config, read_config_file, with_current_keys
from rnnkit.tasks.registry import get_task
from rnnkit.tasks.runs import check_imports
from rnnkit.tasks.task import Task


def looks_like_file(target: str) -> bool:
    path = Path(target)
    return path.suffix in (".json", ".yaml", ".yml") or path.is_dir() or "/" in target


def resolve_target(target: str, *, trust_imports: bool = False) -> tuple[Task, Any]:
    """(task, its config from the file or None) for a task name or a config file (JSON/YAML naming its
    task, or a run folder). A config file the user names may import modules (their own models); a run
    folder's only with `trust_imports` (`runs.check_imports`: it may be someone else's)."""
    if looks_like_file(target):
        values = read_config_file(target)
        name = values.pop("task", None)
        if not name:
            raise UserError(f"{target}: the config names no task (add \"task\": \"arrays\" or another task)")
        task = get_task(name)
        if is_run_config(target):  # a run folder written by an earlier release: its keys as now
            values = with_current_keys(values, task.config_cls)
        try:
            base = make_config(task.config_cls, values)
        except UserError as err:
            raise UserError(f"{target}: {err}") from None
        if is_run_config(target):
            check_imports(getattr(base, "imports", None), Path(target) / CONFIG if Path(target).is_dir()
                          else Path(target), trust_imports)
        return task, base
    return get_task(target), None


def is_run_config(target: str) -> bool:
    """Whether a config target is a run folder or a run folder's config.json (it has "task_config"): one
    that may come from someone else, whose imports need the user's trust."""
    path = Path(target)
    if path.is_dir():
        return True
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path.suffix == ".json" else None
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and "task_config" in data


def load_config(target: str, overrides: dict[str, Any] | None = None, *, strings: bool = True,
                trust_imports: bool = False) -> tuple[Task, Any]:
    """(task, checked config) from a task name or a config file, with `overrides` on top (`strings`:
    command-line text, as `--key value` gives; `trust_imports`: see `resolve_target`)."""
    task, base = resolve_target(target, trust_imports=trust_imports)
    return task, make_config(task.config_cls, overrides or {}, base=base, strings=strings)
