"""A user's small tagged files, built from real sentences: pku-pos's People's Daily sentences (PKU POS tags
on gold words) shuffled with a seed; the first 300 and the first 1,500 as two training files, sentences
10,000-11,000 as the test file. Issue 26: a tagger trained on a few hundred sentences lost to each word's most
frequent tag (benchmarks/TASKS.md, "A user's small tag file").

    python benchmarks/tasks/tag_small_files.py --out DIR
    rnnkit train tag --data DIR/train300.conll --test-data DIR/test.conll

The raw month file is read (not rnnkit's split of it) so the sentences are drawn from the whole month.
"""
from __future__ import annotations

import argparse
import random
from pathlib import Path

from rnnkit.data.catalog import fetch_dataset

SIZES = (300, 1500)
TEST = slice(10_000, 11_000)


def conll(sentences: list[list[str]]) -> str:
    """word<TAB>tag lines from `word/TAG` items (PKU's bracketed compounds `[...]/nt` read as their words)."""
    out = []
    for items in sentences:
        for item in items:
            word, _, tag = item.rpartition("/")
            if word.lstrip("["):
                out.append(f"{word.lstrip('[')}\t{tag.split(']')[0]}")
        out.append("")
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    month = fetch_dataset("pku-pos") / "199801.txt"
    lines = [line.split() for line in month.read_text(encoding="utf-8").splitlines() if line.strip()]
    order = list(range(len(lines)))
    random.Random(args.seed).shuffle(order)
    args.out.mkdir(parents=True, exist_ok=True)
    for n in SIZES:
        (args.out / f"train{n}.conll").write_text(conll([lines[i] for i in order[:n]]), encoding="utf-8")
    (args.out / "test.conll").write_text(conll([lines[i] for i in order[TEST]]), encoding="utf-8")
    print(f"wrote {', '.join(f'train{n}.conll' for n in SIZES)} and test.conll to {args.out}")


if __name__ == "__main__":
    main()
