"""Every task `rnnkit train` knows, in one explicit list. A new task family adds the module path of its `Task`
here (`FAMILIES`); a family is imported when one of its tasks is read."""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from rnnkit.errors import UserError, did_you_mean
from rnnkit.tasks import runs
from rnnkit.tasks.task import Run, Task, named

FAMILIES = {"sentiment": "rnnkit.tasks.text:SENTIMENT", "classify": "rnnkit.tasks.text:CLASSIFY",
            "mnist": "rnnkit.tasks.images:MNIST", "arrays": "rnnkit.tasks.arrays:ARRAYS",
            "tag": "rnnkit.tasks.tag:TAG", "lm": "rnnkit.tasks.lm:LM", "seq2seq": "rnnkit.tasks.seq2seq:SEQ2SEQ",
            "forecast": "rnnkit.tasks.forecast:FORECAST",
            "classify-series": "rnnkit.tasks.classify_series:CLASSIFY_SERIES"}
"""Each task's `Task` by module path, in the order `rnnkit train --help` lists them."""


class Tasks(Mapping):
    """The tasks by name, each family imported when one of its tasks is first read: `rnnkit train sentiment
    --help` imports the text family's config alone."""

    def __getitem__(self, name: str) -> Task:
        return named(FAMILIES[name])

    def __contains__(self, name: object) -> bool:  # a name is known without importing its family
        return name in FAMILIES

    def __iter__(self) -> Iterator[str]:
        return iter(FAMILIES)

    def __len__(self) -> int:
        return len(FAMILIES)


TASKS: Mapping[str, Task] = Tasks()


def get_task(name: str) -> Task:
    if name not in TASKS:
        hint = did_you_mean(name, TASKS) or f"; expected one of {', '.join(TASKS)} (or a config file)"
        raise UserError(f"unknown task {name!r}{hint}")
    return TASKS[name]


def read_run(path: str | Path, *, trust_imports: bool = False) -> Run:
    """A run folder read back with its typed config, whatever its task; `trust_imports`: let it import the
    modules its config names (code from the folder's author), which are otherwise refused."""
    saved = runs.read_saved(path)
    return runs.read_run(path, get_task(saved["task"]), saved, trust_imports=trust_imports)
