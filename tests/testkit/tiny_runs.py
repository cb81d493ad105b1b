"""Trained run folders of every task, one epoch each on `tiny_tasks`' data: what the export, load and
TensorBoard tests read (trained once per test module)."""
from pathlib import Path

from rnnkit.tasks import load_config
from rnnkit.tasks import train as train_task
from testkit.tiny_tasks import TASKS, as_overrides


def train_tiny(task: str, folder: Path, name: str | None = None, **settings: str) -> Path:
    """`task`'s tiny run trained for one epoch (plus `settings`, config fields as strings) into
    folder/name; its data written into `folder`."""
    target, values = as_overrides(TASKS[task](folder), folder)
    run_dir = folder / (name or task)
    train_task(*load_config(target, {**values, "epochs": "1", **settings}), run_dir=run_dir, quiet=True)
    return run_dir
