"""The image task's data: (images (N, 784) float32 in [0, 1], labels (N,) int64) per split, from a
named dataset or the user's .npz, and images to predict from a .npy/.npz file."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from rnnkit.data import load_dataset, read_npz
from rnnkit.data.readers import read_array
from rnnkit.errors import UserError
from rnnkit.tasks.images.config import MnistConfig

Split = tuple[np.ndarray, np.ndarray]


def as_images(x: np.ndarray, where: str) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 3:
        x = x.reshape(len(x), -1)
    if x.ndim != 2 or x.shape[1] != 784:
        raise UserError(f"{where}: expected images of 784 pixels ((N, 784) or (N, 28, 28)), got shape {x.shape}")
    return x / 255.0 if x.max(initial=0) > 1.0 else x


def load_splits(config: MnistConfig, data: str | None = None) -> dict[str, Split | None]:
    """{"train", "valid", "test"} -> (images, labels) or None, from `data` (an .npz) if given, else
    `config.data`, else the named dataset."""
    data = data or config.data
    if data is None:
        ds = load_dataset(config.dataset, config.cache_dir)
        parts = {"train": ds.train, "valid": ds.valid, "test": ds.test}
        return {k: None if s is None else (as_images(s.x, f"{config.dataset} {k}"), np.asarray(s.y, dtype=np.int64))
                for k, s in parts.items()}
    path = Path(data)
    arrays = read_npz(path)
    if "x_train" not in arrays or "y_train" not in arrays:
        raise UserError(f"{path}: needs arrays x_train and y_train (found {', '.join(sorted(arrays))})")
    return {split: (as_images(arrays[f"x_{split}"], f"{path} x_{split}"), arrays[f"y_{split}"].astype(np.int64))
            if f"x_{split}" in arrays else None for split in ("train", "valid", "test")}


def read_images(inputs: str) -> np.ndarray:
    """Images to predict: a .npy, or an .npz's x, x_test or images array."""
    return as_images(read_array(inputs, ("x", "x_test", "images")), inputs)
