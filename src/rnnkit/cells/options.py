"""The options the newer cells check alike: one wording for an option that makes no sense for the cell it
was given to, and the heads of a multi-head cell.

`Recurrent("slstm", ..., peephole=True)` reaches the cell's constructor with an option that belongs to
another family; instead of Python's "unexpected keyword argument" deep in a stack, the cell ends with
one line naming the option, the cell, and what the cell does offer.
"""
from __future__ import annotations

from typing import Any

from ..validation import check_positive


def reject_options(cell: str, options: dict[str, Any], offered: tuple[str, ...]) -> None:
    """Raise ValueError for the first option in `options` (all of them foreign to `cell`)."""
    if options:
        name = next(iter(options))
        raise ValueError(f"option {name}={options[name]!r} makes no sense for the {cell} cell "
                         f"(its options: {', '.join(offered)})")


def head_size(hidden_size: int, num_heads: int) -> int:
    """The units of each of `num_heads` heads (block-diagonal recurrent weights, xLSTM's heads)."""
    check_positive("num_heads", num_heads)
    if hidden_size % num_heads:
        raise ValueError(f"hidden_size {hidden_size} must be divisible by num_heads, got num_heads={num_heads}")
    return hidden_size // num_heads
