"""A tagging file with a large tag set, built from real sentences, and the default `rnnkit train tag`
timed on it (issue 26: ~100,000 training tokens and 1,000+ distinct tags, an epoch in <= 2 minutes on
2 cores, and the run beside its most-frequent-tag baseline).

What the file is, plainly: People's Daily (pku-pos) sentences in rnnkit's fixed split, the words as
they are; each word's tag is a COMPOUND of two real annotations: its own PKU POS tag and the next
word's ("v+n": a verb followed by a noun; "n+END" at the sentence end), punctuation tagged by its
mark (w， w。 ..., as PTB-style tag sets do) instead of PKU's single "w". The labels are derived, not a
linguist's tag set: predicting them is POS tagging plus predicting the next word's tag. What they share
with a real large tag set is what matters to the tagger: ~1,500 tags, many rare, and transitions that
are structurally sparse ("v+n" can only be followed by "n+..."), so a dense CRF is K^2 per step.

    python benchmarks/tasks/big_tagset.py [--out DIR] [--tokens 100000] [--train-args "..."]

Writes train.conll (the first sentences of the training split up to --tokens), test.conll (the first
20,000 tokens of the test split), then runs `rnnkit train tag --data train.conll --test-data test.conll`
and prints its wall time.
"""
from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from rnnkit.data import load_dataset


def compound_tags(words: list[str], tags: list[str]) -> list[str]:
    fine = [f"w{w}" if t == "w" else t for w, t in zip(words, tags)]
    return [f"{a}+{b}" for a, b in zip(fine, fine[1:] + ["END"])]


def write(path: Path, split, limit: int) -> Counter:
    counts: Counter = Counter()
    with open(path, "w", encoding="utf-8") as f:
        for words, tags in zip(split.tokens, split.tags):
            compound = compound_tags(words, tags)
            f.write("".join(f"{w}\t{t}\n" for w, t in zip(words, compound)) + "\n")
            counts.update(compound)
            if sum(counts.values()) >= limit:
                break
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--tokens", type=int, default=100_000)
    parser.add_argument("--train-args", default="", help="extra flags for rnnkit train tag")
    parser.add_argument("--no-train", action="store_true", help="only write the files")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="big-tagset-"))
    out.mkdir(parents=True, exist_ok=True)
    pku = load_dataset("pku-pos")
    train = write(out / "train.conll", pku.train, args.tokens)
    write(out / "test.conll", pku.test, 20_000)
    print(f"{out}: {sum(train.values()):,} training tokens, {len(train):,} distinct tags "
          f"({sum(1 for c in train.values() if c == 1)} seen once)")
    if args.no_train:
        return
    command = [sys.executable, "-m", "rnnkit", "train", "tag", "--data", str(out / "train.conll"),
               "--test-data", str(out / "test.conll"), "--run-dir", str(out / "run"), *shlex.split(args.train_args)]
    t0 = time.perf_counter()
    subprocess.run(command, check=True)
    print(f"wall: {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
