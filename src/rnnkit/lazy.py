"""Package namespaces whose names are imported on first use (PEP 562).

A package's `__init__` that imports its submodules eagerly makes every import of one of them pay for all:
a task config that needs one tuple of choices from `rnnkit.models` would import torch, and `rnnkit train
TASK --help` would wait seconds for it. Such a package says which submodule defines each public name:

    __getattr__, __dir__ = lazy_names(__name__, {"Trainer": "trainer", "TrainConfig": "config"})

and `from rnnkit.training import Trainer` imports `rnnkit.training.trainer` then, and only then. A
submodule's own name (`rnnkit.engine.compiled`) is imported on first use too.
"""
from __future__ import annotations

import importlib
import importlib.util
import sys
from typing import Callable, Iterable


def lazy_names(package: str, names: dict[str, str], *, before: Iterable[str] = ()) -> tuple[Callable, Callable]:
    """`__getattr__` and `__dir__` for `package`: `names` maps each public name to the submodule (relative to
    the package) that defines it; `before`: submodules imported before any of those names is read (for their
    side effects, such as registering models)."""

    def __getattr__(name: str):
        if name in names:
            for module in before:
                importlib.import_module(f"{package}.{module}")
            value = getattr(importlib.import_module(f"{package}.{names[name]}"), name)
        elif not name.startswith("_") and importlib.util.find_spec(f"{package}.{name}") is not None:
            value = importlib.import_module(f"{package}.{name}")
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        setattr(sys.modules[package], name, value)  # read once: later reads do not come here
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *names})

    return __getattr__, __dir__
