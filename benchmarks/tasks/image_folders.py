"""Folders of real images in the layout users bring (DIR/{train,test}/CLASS/N.png), for `rnnkit train mnist
--data DIR` (benchmarks/TASKS.md, "Your own images"): scikit-learn's 1,797 handwritten digits (8 x 8, shipped
with scikit-learn: 400 test images), and seeded samples of 2,000 training and 2,000 test images of MNIST and of
Fashion-MNIST (28 x 28, from rnnkit's catalog).

    python benchmarks/tasks/image_folders.py OUT_DIR
"""
import sys
from pathlib import Path

import numpy as np
from PIL import Image


def write(folder: Path, images: np.ndarray, labels: np.ndarray, names: np.ndarray) -> None:
    for image, label, name in zip(images, labels, names):
        (folder / str(int(label))).mkdir(parents=True, exist_ok=True)
        grey = image * 255 if image.max() <= 1 else image
        Image.fromarray(grey.astype(np.uint8)).save(folder / str(int(label)) / f"{int(name)}.png")


def digits(out: Path) -> None:
    from sklearn.datasets import load_digits

    data = load_digits()
    order = np.random.default_rng(0).permutation(len(data.target))
    test, train = order[:400], order[400:]
    for split, rows in (("train", train), ("test", test)):
        write(out / "digits" / split, data.images[rows] / 16, data.target[rows], rows)


def catalog_sample(out: Path, name: str, per_split: int = 2000) -> None:
    from rnnkit.data import load_dataset

    ds, rng = load_dataset(name, None), np.random.default_rng(1)
    for split, part in (("train", ds.train), ("test", ds.test)):
        x, y = np.asarray(part.x), np.asarray(part.y)
        rows = rng.permutation(len(y))[:per_split]
        write(out / f"{name}-2k" / split, x[rows].reshape(-1, 28, 28), y[rows], rows)


if __name__ == "__main__":
    out = Path(sys.argv[1])
    digits(out)
    for dataset in ("mnist", "fashion-mnist"):
        catalog_sample(out, dataset)
    print(f"wrote {', '.join(sorted(p.name for p in out.iterdir()))} under {out}")
