"""The generic task's model: any model in `rnnkit.models`' registry, users' own included (their
modules, named in `imports`, register them when imported)."""
from __future__ import annotations

import importlib

from torch import nn

from rnnkit.errors import UserError
from rnnkit.models.registry import build_model as build_registered
from rnnkit.tasks.arrays.config import ArraysConfig


def import_user_modules(names: list[str]) -> None:
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError as err:
            raise UserError(f"config key 'imports': cannot import {name!r} ({err})") from None


def build_model(config: ArraysConfig) -> nn.Module:
    import_user_modules(config.imports)
    try:
        return build_registered(config.model)
    except (ValueError, TypeError, RuntimeError) as err:  # torch: RuntimeError for a negative or huge size
        raise UserError(f"config key 'model': cannot build it ({' '.join(str(err).split())})") from None


def describe(config: ArraysConfig) -> str:
    """`rnnkit summary` of a config: the model's own summary."""
    from rnnkit.models.summary import model_summary

    return model_summary(build_model(config))
