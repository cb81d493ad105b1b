"""The generic task's data: splits of an .npz file, and rows to predict from .npy/.npz/JSON lines."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from rnnkit.data import read_npz
from rnnkit.errors import UserError


def load_arrays(path: str | Path, split: str, required: bool = True) -> tuple | None:
    """(x, y) or (x, lengths, y) of one split of the .npz file, or None when it is absent."""
    path = Path(path)
    arrays = read_npz(path)
    if f"x_{split}" not in arrays:
        if required:
            raise UserError(f"{path}: has no array 'x_{split}' (found {', '.join(sorted(arrays))})")
        return None
    x = arrays[f"x_{split}"]
    if f"y_{split}" not in arrays:
        raise UserError(f"{path}: has 'x_{split}' but no 'y_{split}'")
    y = arrays[f"y_{split}"]
    if len(x) != len(y):
        raise UserError(f"{path}: x_{split} has {len(x)} rows but y_{split} has {len(y)}")
    lengths = arrays.get(f"lengths_{split}")
    return (x, y) if lengths is None else (x, lengths, y)


def read_rows(inputs: str) -> np.ndarray:
    """Inputs to predict: '-' (JSON arrays on stdin), a .npy, an .npz (x, x_test or inputs), or JSON lines."""
    if inputs == "-":
        return np.asarray([json.loads(line) for line in sys.stdin if line.strip()])
    path = Path(inputs)
    if not path.is_file():
        raise UserError(f"{path}: input file not found")
    if path.suffix == ".npy":
        return np.load(path, allow_pickle=False)
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as npz:
            key = next((k for k in ("x", "x_test", "inputs") if k in npz.files), npz.files[0])
            return npz[key]
    rows = []
    for i, line in enumerate(path.read_text().splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except ValueError:
                raise UserError(f"{path}: line {i} is not a JSON array") from None
    return np.asarray(rows)
