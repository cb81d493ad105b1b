"""Tasks: a dataclass config plus the functions that train, evaluate and predict with it.

A task registers itself at import:

    register_task("sentiment", SentimentConfig, run_sentiment,
                  predict=predict_sentiment, evaluate=evaluate_sentiment, summary=None)

- `run(config, run_dir, *, resume=False, quiet=False) -> dict` trains and returns final metrics;
- `predict(run_dir, inputs) -> list[dict]` reads `inputs` (a path, or "-" for stdin) and returns one
  record per input;
- `evaluate(run_dir, data) -> dict` returns metrics over `data` (a path, or None for the task's own
  test set);
- `summary(config) -> str` (optional) describes the model a config would build.

`load_config(target, overrides)` reads a config file (JSON/YAML naming its `task`, or a run folder's
config.json) or starts from a task's defaults, applies overrides (`{"dataset": "imdb", ...}`, from the
CLI as strings) and checks every key and type against the dataclass, raising a one-line `UserError`
naming the key. `train(...)` is what `rnnkit train` calls.
"""
from __future__ import annotations

import dataclasses
import importlib
import json
import time
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from rnnkit.errors import UserError

BUILTIN_TASKS = ("arrays", "sentiment", "classify", "mnist")


@dataclass
class Task:
    name: str
    config_cls: type
    run: Callable[..., dict]
    predict: Callable[[str | Path, str], list[dict]] | None = None
    evaluate: Callable[[str | Path, str | None], dict] | None = None
    summary: Callable[[Any], str] | None = None
    description: str = ""


TASKS: dict[str, Task] = {}


def register_task(name: str, config_cls: type, run_fn: Callable[..., dict], *, predict=None, evaluate=None,
                  summary=None, description: str = "") -> Task:
    if not dataclasses.is_dataclass(config_cls):
        raise ValueError(f"config_cls={config_cls!r} is not a dataclass")
    task = Task(name, config_cls, run_fn, predict, evaluate, summary, description or (run_fn.__doc__ or "").strip().split("\n")[0])
    TASKS[name] = task
    return task


def _import_builtin(name: str) -> None:
    try:
        importlib.import_module(f"rnnkit.tasks.{name}")
    except ModuleNotFoundError as err:
        if err.name != f"rnnkit.tasks.{name}":
            raise


def get_task(name: str) -> Task:
    if name not in TASKS and name in BUILTIN_TASKS:
        _import_builtin(name)
    if name not in TASKS:
        raise UserError(f"unknown task {name!r}; expected one of {', '.join(available_tasks())}")
    return TASKS[name]


def available_tasks() -> list[str]:
    for name in BUILTIN_TASKS:
        if name not in TASKS:
            _import_builtin(name)
    return sorted(TASKS)


# ---------------------------------------------------------------- config values and types

def _coerce(key: str, value: Any, hint: Any, from_string: bool) -> Any:
    """`value` as type `hint`, parsing strings from the command line; UserError naming `key` if it can't."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None or (from_string and str(value).lower() in ("none", "null")):
            if type(None) in args:
                return None
        for arg in (a for a in args if a is not type(None)):
            try:
                return _coerce(key, value, arg, from_string)
            except UserError:
                continue
        raise UserError(f"config key {key!r}: expected {_type_name(hint)}, got {value!r}")
    if hint is Any:
        return value
    bad = UserError(f"config key {key!r}: expected {_type_name(hint)}, got {value!r}")
    if hint is bool:
        if isinstance(value, bool):
            return value
        if from_string and str(value).lower() in ("true", "1", "yes", "on", "false", "0", "no", "off"):
            return str(value).lower() in ("true", "1", "yes", "on")
        raise bad
    if hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if from_string:
            try:
                return int(value)
            except ValueError:
                raise bad from None
        raise bad
    if hint is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if from_string:
            try:
                return float(value)
            except ValueError:
                raise bad from None
        raise bad
    if hint is str:
        if isinstance(value, str):
            return value
        raise bad
    if origin in (list, tuple) or hint in (list, tuple):
        if from_string and isinstance(value, str):
            if value.strip().startswith("["):
                try:
                    value, from_string = json.loads(value), False
                except ValueError:
                    raise bad from None
            else:
                value = [v.strip() for v in value.split(",") if v.strip()]
        elif not from_string or not isinstance(value, str):
            from_string = False
        if not isinstance(value, (list, tuple)):
            raise bad
        inner = args[0] if args else Any
        return [_coerce(key, v, inner, from_string) for v in value]
    if origin is dict or hint is dict:
        if from_string and isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise bad from None
        if not isinstance(value, dict):
            raise bad
        return dict(value)
    return value


def _type_name(hint: Any) -> str:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(hint))
    if hint is type(None):
        return "null"
    return getattr(hint, "__name__", str(hint)).replace("NoneType", "null")


def config_fields(config_cls: type) -> dict[str, Any]:
    hints = typing.get_type_hints(config_cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(config_cls)}


def make_config(config_cls: type, values: dict[str, Any], from_string: bool = False, base: Any = None) -> Any:
    """A `config_cls` from `values` (checked), starting from `base` or the defaults."""
    fields = config_fields(config_cls)
    current = dataclasses.asdict(base) if base is not None else {}
    for key, value in values.items():
        if key in fields:
            current[key] = _coerce(key, value, fields[key], from_string)
            continue
        head, _, rest = key.partition(".")
        if rest and head in fields and (fields[head] is dict or typing.get_origin(fields[head]) is dict):
            nested = dict(current.get(head) or _default_of(config_cls, head) or {})
            nested_value = value
            if from_string:
                try:
                    nested_value = json.loads(value)
                except ValueError:
                    nested_value = value
            _set_dotted(nested, rest, nested_value)
            current[head] = nested
            continue
        raise UserError(f"unknown config key {key!r} for task config {config_cls.__name__}; "
                        f"expected one of {', '.join(sorted(fields))}")
    try:
        return config_cls(**current)
    except TypeError as err:
        missing = [f.name for f in dataclasses.fields(config_cls) if f.name not in current
                   and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
        raise UserError(f"missing config key {missing[0]!r}" if missing else f"bad config: {err}") from None
    except ValueError as err:
        raise UserError(f"bad config: {err}") from None


def _default_of(config_cls: type, name: str) -> Any:
    f = {f.name: f for f in dataclasses.fields(config_cls)}[name]
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return None


def _set_dotted(d: dict, dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    for p in parents:
        d = d.setdefault(p, {})
    d[last] = value


def read_config_file(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    if path.is_dir():
        path = path / "config.json"
    if not path.is_file():
        raise UserError(f"{path}: config file not found")
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text)
        else:
            data = json.loads(text)
    except Exception as err:  # yaml and json raise their own error types
        raise UserError(f"{path}: not valid {'YAML' if path.suffix in ('.yaml', '.yml') else 'JSON'} "
                        f"({str(err).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise UserError(f"{path}: expected a mapping of config keys at the top level")
    if "task_config" in data:  # a run folder's config.json: train again with the same settings
        return {"task": data.get("task"), **data["task_config"]}
    return data


def load_config(target: str, overrides: dict[str, Any] | None = None, from_string: bool = True) -> tuple[Task, Any]:
    """(task, checked config) from a config file or a task name, plus overrides."""
    looks_like_file = Path(target).suffix in (".json", ".yaml", ".yml") or Path(target).is_dir() or "/" in target
    if looks_like_file:
        values = read_config_file(target)
        name = values.pop("task", None)
        if not name:
            raise UserError(f"{target}: the config names no task (add \"task\": \"arrays\" or another task)")
        task = get_task(name)
        config = make_config(task.config_cls, values, from_string=False)
        if overrides:
            config = make_config(task.config_cls, overrides, from_string=from_string, base=config)
    else:
        task = get_task(target)
        config = make_config(task.config_cls, overrides or {}, from_string=from_string)
    return task, config


def task_of_run(run_dir: str | Path) -> tuple[Task, dict[str, Any]]:
    from rnnkit.io.run import RunDir

    config = RunDir(run_dir).read_config()
    name = config.get("task")
    if not name:
        raise UserError(f"{Path(run_dir) / 'config.json'}: names no task")
    return get_task(name), config


def default_run_dir(task: str) -> Path:
    return Path("runs") / f"{task}-{time.strftime('%Y%m%d-%H%M%S')}"


def _run_task(task_name: str, config_values: dict, run_dir: str, resume: bool, quiet: bool) -> dict:
    task = get_task(task_name)
    config = make_config(task.config_cls, config_values)
    return task.run(config, run_dir, resume=resume, quiet=quiet)


def _run_task_worker(*args) -> None:
    """`_run_task` in a spawned DDP process: a user error is printed once (rank 0) and exits 2."""
    import sys

    from rnnkit.training.distributed import is_main

    try:
        _run_task(*args)
    except UserError as err:
        if is_main():
            print(f"error: {err}", file=sys.stderr, flush=True)
        sys.exit(2)


def train(target: str, overrides: dict[str, Any] | None = None, *, run_dir: str | Path | None = None,
          resume: bool = False, quiet: bool = False, nproc: int = 1) -> tuple[Path, dict]:
    """Train a task from a config file or task name; `nproc > 1` runs DDP on this machine."""
    task, config = load_config(target, overrides)
    if nproc > 1:
        from rnnkit.training.distributed import spawn

        run_dir = Path(run_dir or config.run_dir or default_run_dir(task.name))
        _check_resume(run_dir, resume)
        spawn(_run_task_worker, nproc, task.name, dataclasses.asdict(config), str(run_dir), resume, quiet)
        from rnnkit.io.run import RunDir

        records = [r for r in RunDir(run_dir).read_metrics() if r.get("kind") == "epoch"]
        return run_dir, (records[-1] if records else {})
    from rnnkit.training import distributed as ddp

    ddp.init_from_env()  # under torchrun: join its process group
    run_dir = Path(run_dir or config.run_dir or default_run_dir(task.name))
    if ddp.is_distributed():  # every rank must write to (and resume from) rank 0's folder
        import torch.distributed as dist

        shared = [str(run_dir)]
        dist.broadcast_object_list(shared, src=0)
        run_dir = Path(shared[0])
    _check_resume(run_dir, resume)
    return run_dir, _run_task(task.name, dataclasses.asdict(config), str(run_dir), resume, quiet)


def _check_resume(run_dir: Path, resume: bool) -> None:
    if resume and not (run_dir / "checkpoints" / "last.json").is_file():
        raise UserError(f"{run_dir}: no checkpoint to resume from")
