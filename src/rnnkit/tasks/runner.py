"""`train`: a task's typed config to a trained run folder, in one process, in N spawned DDP processes,
or as one rank under torchrun. The config object and the run folder's Path travel as they are (a
config dataclass pickles into spawned processes); nothing is flattened and parsed again. torch is imported
once the run has passed the checks that need none (its folder, its files): a mistake there is told at once."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

from rnnkit.errors import UserError
from rnnkit.io.run import RunDir
from rnnkit.tasks.registry import get_task
from rnnkit.tasks.runs import FILE_FIELDS
from rnnkit.tasks.targets import load_config, resolve_target  # noqa: F401  (importable from here too)
from rnnkit.tasks.task import Task
from rnnkit.training.config import check_training


def default_run_dir(task: str) -> Path:
    return Path("runs") / f"{task}-{time.strftime('%Y%m%d-%H%M%S')}"


def train(task: Task, config: Any, *, run_dir: str | Path | None = None, resume: bool = False,
          quiet: bool = False, nproc: int = 1) -> tuple[Path, dict]:
    """Train `config` (of `task.config_cls`) into a run folder; `nproc > 1` runs DDP on this machine.
    Returns (run folder, final metrics)."""
    run_dir = Path(run_dir or config.run_dir or default_run_dir(task.name))
    check_before_start(task, config, run_dir, resume)
    from rnnkit.training import distributed as ddp
    from rnnkit.training.interrupt import interrupted_processes

    if nproc > 1:
        try:
            ddp.spawn(_run_in_worker, nproc, task.name, config, run_dir, resume, quiet)
        except KeyboardInterrupt:
            raise interrupted_processes(nproc, run_dir, trust_imports=bool(getattr(config, "imports", None))) from None
        return run_dir, RunDir(run_dir).last_epoch()
    ddp.init_from_env()  # under torchrun: join its process group
    if ddp.is_distributed():  # every rank writes to (and resumes from) rank 0's folder
        import torch.distributed as dist

        shared = [run_dir]
        dist.broadcast_object_list(shared, src=0)
        run_dir = shared[0]
    return run_dir, task.train(config, run_dir, resume=resume, quiet=quiet)


def _run_in_worker(task_name: str, config: Any, run_dir: Path, resume: bool, quiet: bool) -> None:
    """One spawned DDP process: a user error is printed once (rank 0) and exits 2."""
    from rnnkit.training import distributed as ddp

    try:
        get_task(task_name).train(config, run_dir, resume=resume, quiet=quiet)
    except UserError as err:
        if ddp.is_main():
            print(f"error: {err}", file=sys.stderr, flush=True)
        sys.exit(2)


def check_before_start(task: Task, config: Any, run_dir: Path, resume: bool) -> None:
    """Everything about a run that can be checked without its data, before any data is fetched or any
    file written (pydantic has checked each field's type and range): the run folder can be written, the
    model the config describes can be built (on the meta device), the training options are ones the trainer knows, the
    files the config names exist. A run that cannot start leaves nothing behind."""
    check_run_dir(run_dir, resume)
    for key in FILE_FIELDS:  # spelt the same in every task; each task's readers then check what is in them
        value = getattr(config, key, None)
        folder_ok = getattr(config, "reads_folders", False) and Path(value or "").is_dir()  # an lm corpus folder
        if isinstance(value, str) and value and not Path(value).is_file() and not folder_ok:
            found = "is a folder; expected a file" if Path(value).is_dir() else "file not found"
            raise UserError(f"config key {key!r} (--{key.replace('_', '-')}): {value}: {found}")
    check_training(config)  # the loss and metric names: imports torch
    if task.summary is not None:  # last: on the meta device torch's initialisers import torch._dynamo (seconds)
        import torch

        with torch.device("meta"):  # the model's options checked, no weight allocated or drawn
            describe(task, config)


def describe(task: Task, config: Any) -> str:
    """`task.summary(config)`: the model the config builds, or one line saying why it cannot be built."""
    try:
        return task.summary(config)
    except (ValueError, TypeError, RuntimeError, MemoryError) as err:  # torch: RuntimeError for a negative size
        raise UserError(f"config: the model cannot be built ({one_line(err)})") from None


def one_line(err: Exception) -> str:
    return " ".join(str(err).split())


def check_run_dir(run_dir: Path, resume: bool) -> None:
    """The run folder can be made and written, and is not another run's (unless resuming it)."""
    if resume:  # a run killed before its first checkpoint (config.json, no last.json) starts again
        if not (run_dir / "checkpoints" / "last.json").is_file() and not (run_dir / "config.json").is_file():
            raise UserError(f"{run_dir}: no checkpoint to resume from")
        return
    if run_dir.exists() and not run_dir.is_dir():
        raise UserError(f"--run-dir {run_dir}: is a file; expected a folder (new or empty)")
    if (run_dir / "config.json").exists():
        raise UserError(f"--run-dir {run_dir}: already holds a run; pass --resume to continue it, "
                        "or give another --run-dir")
    existing = run_dir
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise UserError(f"--run-dir {run_dir}: {existing} is a file, so no folder can be made under it")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UserError(f"--run-dir {run_dir}: cannot write in {existing} "
                        f"({'read-only file system' if _read_only(existing) else 'permission denied'})")


def _read_only(path: Path) -> bool:
    return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
