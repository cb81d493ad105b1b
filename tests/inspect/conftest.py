"""Tiny trained runs of every family `rnnkit inspect` reads (testkit.tiny_tasks' data and flags), once per session."""
import json
import re
from pathlib import Path

import pytest
import torch

from rnnkit.tasks import load_config
from rnnkit.tasks import train as train_task
from testkit.tiny_tasks import TASKS, as_overrides

FAMILIES = ("classify", "tag", "lm", "seq2seq", "forecast")
SETTINGS = {"classify": {"second_view": "none", "epochs": "8"}}
"""The text run without its second model, trained long enough that its sentiment words decide."""


@pytest.fixture(scope="session")
def runs(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("inspect-runs")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a session fixture runs before tests/conftest.py's one_thread
    try:
        for family in FAMILIES:
            target, values = as_overrides(TASKS[family](folder), folder)
            train_task(*load_config(target, {**values, **SETTINGS.get(family, {})}), run_dir=folder / family,
                       quiet=True)
    finally:
        torch.set_num_threads(threads)
    return folder


def page_data(path: Path) -> dict:
    """The JSON inlined in an inspect page."""
    text = path.read_text(encoding="utf-8")
    return json.loads(re.search(r"const DATA = (.*);\n", text).group(1).replace("<\\/", "</"))
