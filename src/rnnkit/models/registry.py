"""Models by name, so a run folder's `config.json` rebuilds its model without pickles.

Every task model registers itself under a short name and implements `get_config()`, returning the
JSON-serialisable keyword arguments of its constructor. `build_model({"name": ..., **kwargs})`
is the inverse.
"""
from __future__ import annotations

from typing import Any, Callable

from torch import nn

MODELS: dict[str, type[nn.Module]] = {}


def register(name: str) -> Callable[[type[nn.Module]], type[nn.Module]]:
    def add(cls: type[nn.Module]) -> type[nn.Module]:
        if name in MODELS:
            raise ValueError(f"model name {name!r} is registered twice")
        cls.registered_name = name
        MODELS[name] = cls
        return cls

    return add


def model_config(model: nn.Module) -> dict[str, Any]:
    """`{"name": registered name, **constructor kwargs}` for a registered model."""
    name = getattr(type(model), "registered_name", None)
    if name is None:
        raise ValueError(f"{type(model).__name__} is not a registered model; use @register(name)")
    return {"name": name, **model.get_config()}


def build_model(config: dict[str, Any]) -> nn.Module:
    """Rebuild a model from `model_config(model)`."""
    config = dict(config)
    name = config.pop("name", None)
    if name not in MODELS:
        import_registering_modules()
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; expected one of {sorted(MODELS)}")
    return MODELS[name](**config)


def import_registering_modules() -> None:
    """Import the modules that register the task models (`rnnkit.models.REGISTERING`): the package imports
    them on first use, not when this module alone is imported."""
    import importlib

    from rnnkit import models

    for module in models.REGISTERING:
        importlib.import_module(f"{models.__name__}.{module}")
