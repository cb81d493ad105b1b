"""Argument checks shared by cells, engine, layers, models and training: one wording for every bad value.

Each check returns the value (so `self.units = check_positive("units", units)` reads as one line) or
raises ValueError naming the argument and quoting what it received. These are programming errors,
not user mistakes (those are `rnnkit.errors.UserError`), so they keep ValueError, as torch does.
A leaf: it imports nothing of rnnkit.
"""
from __future__ import annotations

from typing import Any, Collection


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)  # True is an int to Python, not to us


def check_positive(name: str, value: Any) -> int:
    """An integer > 0: sizes, counts."""
    if not _is_integer(value) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


def check_non_negative(name: str, value: Any) -> int:
    """An integer >= 0, where 0 means "off" (e.g. tbptt, checkpoint_chunks)."""
    if not _is_integer(value) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return value


def check_rate(name: str, value: Any) -> float:
    """A probability in [0, 1): dropout, zoneout and weight-drop rates."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be a float in [0, 1), got {value!r}")
    return float(value)


def check_choice(name: str, value: Any, choices: Collection) -> Any:
    """One of `choices` (shown as given: a tuple, or a sorted list)."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")
    return value
