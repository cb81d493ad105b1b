"""Every task `rnnkit train` knows, in one explicit list. A new task family adds its `Task` here."""
from __future__ import annotations

from pathlib import Path

from rnnkit.errors import UserError, did_you_mean
from rnnkit.tasks import runs
from rnnkit.tasks.arrays import ARRAYS
from rnnkit.tasks.classify_series import CLASSIFY_SERIES
from rnnkit.tasks.forecast import FORECAST
from rnnkit.tasks.images import MNIST
from rnnkit.tasks.lm import LM
from rnnkit.tasks.seq2seq import SEQ2SEQ
from rnnkit.tasks.tag import TAG
from rnnkit.tasks.task import Run, Task
from rnnkit.tasks.text import CLASSIFY, SENTIMENT

TASKS: dict[str, Task] = {task.name: task for task in (SENTIMENT, CLASSIFY, MNIST, ARRAYS, TAG, LM, SEQ2SEQ, FORECAST,
                                                         CLASSIFY_SERIES)}


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
