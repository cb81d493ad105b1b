"""One wording for a cell option that makes no sense for the cell it was given to.

`Recurrent("slstm", ..., peephole=True)` reaches the cell's constructor with an option that belongs to
another family; instead of Python's "unexpected keyword argument" deep in a stack, the cell ends with
one line naming the option, the cell, and what the cell does offer.
"""
from __future__ import annotations

from typing import Any


def reject_options(cell: str, options: dict[str, Any], offered: tuple[str, ...]) -> None:
    """Raise ValueError for the first option in `options` (all of them foreign to `cell`)."""
    if options:
        name = next(iter(options))
        raise ValueError(f"option {name}={options[name]!r} makes no sense for the {cell} cell "
                         f"(its options: {', '.join(offered)})")
