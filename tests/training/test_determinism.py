"""Determinism: the same seed on the same machine (and thread count) gives the same metrics and weights,
bit for bit, for every task; another seed gives others (so the comparison can fail). README's
reliability section says what may differ across machines and thread counts."""
import numpy as np
import pytest

from rnnkit.tasks import load_config
from rnnkit.tasks import train as train_task
from testkit.tiny_tasks import TASKS, as_overrides, outcome


def trained(task: str, folder, name: str, **extra) -> dict:
    target, values = as_overrides(TASKS[task](folder), folder)
    train_task(*load_config(target, {**values, **extra}), run_dir=folder / name, quiet=True)
    return outcome(folder / name)


def identical(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(
        a[k]["epochs"] == b[k]["epochs"] and a[k]["final"] == b[k]["final"]
        and all(np.array_equal(a[k]["weights"][w], b[k]["weights"][w]) for w in a[k]["weights"]) for k in a)


@pytest.mark.parametrize("task", list(TASKS))
def test_same_seed_same_numbers(task, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the arrays config names its data file relative to where it runs
    first = trained(task, tmp_path, "first")
    assert identical(first, trained(task, tmp_path, "again"))
    assert not identical(first, trained(task, tmp_path, "other", seed="1"))
