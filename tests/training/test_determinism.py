"""Determinism: the same seed on the same machine (and thread count) gives the same metrics and weights,
bit for bit, for every task; another seed gives others (so the comparison can fail). README's
reliability section says what may differ across machines and thread counts."""
import numpy as np
import pytest

from rnnkit.tasks import load_config
from rnnkit.tasks import train as train_task
from testkit.tiny_tasks import TASKS, as_overrides, outcome

SPEEDS = ("_per_s", "_per_second")
"""Metric names of speeds (tokens_per_s, test_per_second): the wall clock's, not the seed's, to leave out."""


def is_speed(name: str) -> bool:
    return name.endswith(SPEEDS)


def trained(task: str, folder, name: str, **extra) -> dict:
    """Every epoch line, the report's final table, the weights and the final metrics (test pass included),
    speeds left out."""
    target, values = as_overrides(TASKS[task](folder), folder)
    _, final = train_task(*load_config(target, {**values, **extra}), run_dir=folder / name, quiet=True)
    result = outcome(folder / name)
    for part in result.values():
        part["epochs"] = [{k: v for k, v in line.items() if not is_speed(k)} for line in part["epochs"]]
        part["final"] = "\n".join(row for row in part["final"].splitlines() if not is_speed(row.split(" | ")[0][2:]))
    result["metrics"] = {k: v for k, v in final.items() if not is_speed(k)}
    return result


def identical(a: dict, b: dict) -> bool:
    runs = [k for k in a if k != "metrics"]
    return a.keys() == b.keys() and a["metrics"] == b["metrics"] and all(
        a[k]["epochs"] == b[k]["epochs"] and a[k]["final"] == b[k]["final"]
        and all(np.array_equal(a[k]["weights"][w], b[k]["weights"][w]) for w in a[k]["weights"]) for k in runs)


@pytest.mark.parametrize("task", list(TASKS))
def test_same_seed_same_numbers(task, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the arrays config names its data file relative to where it runs
    first = trained(task, tmp_path, "first")
    assert first["metrics"] and any(k.startswith("test_") for k in first["metrics"])  # the test pass is compared
    assert identical(first, trained(task, tmp_path, "again"))
    assert not identical(first, trained(task, tmp_path, "other", seed="1"))
