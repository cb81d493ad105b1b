"""The generic task's data: splits of an .npz file, and rows to predict from .npy/.npz/JSON lines."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from rnnkit.data import read_npz
from rnnkit.data.readers import read_array
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
    if path.suffix in (".npy", ".npz"):
        return read_array(path, ("x", "x_test", "inputs"))
    if not path.is_file():
        raise UserError(f"{path}: input file not found")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as err:
        raise UserError(f"{path}: byte offset {err.start}: not valid UTF-8 text") from None
    rows = []
    for i, line in enumerate(lines, 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except ValueError:
                raise UserError(f"{path}: line {i} is not a JSON array") from None
    if not rows:
        raise UserError(f"{path}: no input rows (one JSON array per line expected)")
    try:
        array = np.asarray(rows)  # integer ids stay integers, as an .npy of ids would
    except ValueError:
        array = None  # ragged
    if array is None or array.dtype.kind not in "biuf":
        raise UserError(f"{path}: every line must be a numeric JSON array of the same shape")
    return array
