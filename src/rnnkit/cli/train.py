"""`rnnkit train TARGET [OPTIONS]`: one click command per task, generated from its config class, so
`rnnkit train sentiment --help` lists every field with its type, default and description, and click
parses `--key value` (with "did you mean" for a misspelt flag). TARGET is a task name, a config file
(JSON/YAML naming its task) or a run folder. Values reach the task's config as strings; pydantic
checks them (`rnnkit.tasks.config`). Building the command imports the task's config and no torch: `--help`
and a mistake in the options (a missing --data file) are told at once; training imports the rest."""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import click

from rnnkit.cli import TRUST_HELP
from rnnkit.cli.options import field_option
from rnnkit.errors import UserError
from rnnkit.tasks.config import (RENAMED_KEYS, RecurrentModelConfig, field_default, field_docs, field_types,
                                 make_config, renamed_key_error)
from rnnkit.tasks.registry import TASKS
from rnnkit.tasks.targets import resolve_target
from rnnkit.tasks.task import Task
from rnnkit.training.config import TrainConfig

RUN_FIELDS = ("run_dir",)
"""Config fields set by a run option (--run-dir) rather than a flag of their own."""


def run_options() -> list[click.Option]:
    return [
        click.Option(["--set", "sets"], multiple=True, metavar="KEY=VALUE",
                     help="set a config key by its field name: --set epochs=3 (repeatable)"),
        click.Option(["--run-dir"], type=click.Path(path_type=Path),
                     help="the run folder (default: runs/<task>-<time>; with --resume: the TARGET run folder)"),
        click.Option(["--resume"], is_flag=True, help="continue the run in --run-dir from its last checkpoint"),
        click.Option(["--nproc"], type=click.IntRange(min=1), default=1, show_default=True, metavar="INT",
                     help="processes for distributed data parallel on this machine"),
        click.Option(["--quiet", "-q"], is_flag=True, help="no progress output"),
        click.Option(["--trust-imports"], is_flag=True, help=TRUST_HELP),
    ]


def task_command(task: Task, target: str, base: Any) -> click.Command:
    """The command training `task` from `base` (a config from a file, or None: the defaults)."""
    types_, docs = field_types(task.config_cls), field_docs(task.config_cls)
    # the task's own fields first, then the recurrent-model block's (cell, hidden_size, fast), then training's
    training = {f.name for f in dataclasses.fields(TrainConfig)}
    block = {f.name for f in dataclasses.fields(RecurrentModelConfig)}
    fields = sorted((f for f in dataclasses.fields(task.config_cls) if f.name not in RUN_FIELDS),
                    key=lambda f: (f.name in training, f.name in block))
    options = [field_option(f.name, types_[f.name], field_default(f), docs[f.name]) for f in fields]
    options += [renamed_option(old) for old, new in RENAMED_KEYS.items() if new in types_ and old not in types_]

    def callback(sets: tuple[str, ...], run_dir: Path | None, resume: bool, nproc: int, quiet: bool,
                 trust_imports: bool, **values):
        overrides = dict(parse_set(pair) for pair in sets)
        overrides.update({k: v for k, v in values.items() if v is not None})
        config = make_config(task.config_cls, overrides, base=base, strings=True)
        if resume and run_dir is None:
            if not Path(target).is_dir():
                raise UserError("--resume needs --run-dir: the run folder to continue")
            run_dir = Path(target)
        from rnnkit.tasks.runner import train  # torch: imported once the options are read and checked

        path, final = train(task, config, run_dir=run_dir, resume=resume, quiet=quiet, nproc=nproc)
        if not quiet and final:
            click.echo(final_line(final))

    return click.Command(target, params=options + run_options(), callback=callback,
                         help=f"{task.description}.\n\nEvery config field is an option; a config file or "
                              "--set KEY=VALUE sets them too.", context_settings={"max_content_width": 110})


def final_line(final: dict[str, Any]) -> str:
    """The run's last line: every float figure to 4 decimals, a small one (a learning rate of 3e-05, the
    dynamic evaluation's rate) in 4 significant digits rather than as 0.0000."""
    shown = (f"{k}={v:.4f}" if v == 0 or abs(v) >= 1e-3 else f"{k}={v:.4g}" for k, v in final.items()
             if isinstance(v, float))
    return "final: " + " ".join(shown)


def renamed_option(old: str) -> click.Option:
    """A hidden `--OLD` that ends with one line naming the option's current spelling."""

    def refuse(ctx, param, value):
        if value is not None:
            raise renamed_key_error(old)

    return click.Option([f"--{old}"], hidden=True, expose_value=False, callback=refuse)


def parse_set(pair: str) -> tuple[str, str]:
    key, eq, value = pair.partition("=")
    if not eq or not key.strip():
        raise UserError(f"--set {pair!r}: expected key=value")
    return key.strip(), value


def overview() -> str:
    lines = ["Usage: rnnkit train TARGET [OPTIONS]", "",
             "  Train a task (TARGET: a task name, a config file naming its task, or a run folder).",
             "  `rnnkit train TASK --help` lists the task's options.", "", "Tasks:"]
    width = max(map(len, TASKS)) + 2
    lines += [f"  {name.ljust(width)}{task.description}" for name, task in TASKS.items()]
    return "\n".join(lines)


def run_train(target: str | None, args: list[str]) -> int:
    """Parse `args` for TARGET's task and train; returns the exit code."""
    if target is None or target in ("--help", "-h"):
        click.echo(overview())
        return 0 if target else 2
    task, base = resolve_target(target, trust_imports="--trust-imports" in args)  # before the command exists
    command = task_command(task, target, base)
    code = command.main(args, prog_name=f"rnnkit train {target}", standalone_mode=False)
    return code if isinstance(code, int) else 0
