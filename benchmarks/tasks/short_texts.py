"""The default `rnnkit train classify` on a file of 30,000 short texts, timed as a user runs it (issue 17:
under 3 minutes of training on 2 cores, and the run beats its own baseline on test).

The file is built from a real corpus: the last two sentences of every IMDB review (where reviewers tend to
give their verdict: "Avoid this one.", "A must see."), labelled with its review's polarity, shuffled with a fixed
seed; 30,000 go to train.csv and the other 20,000 to test.csv. Labels are noisy on purpose: many last
sentences say nothing about the film, as in real short-text data.

    python benchmarks/tasks/short_texts.py [--out DIR] [--keep-run]

Prints the texts' median length, then the run's own line for model, baseline and blend, and the wall time of
the training command and of `rnnkit evaluate` on test.csv.
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from rnnkit.data import load_dataset

SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def ending(review: str, sentences: int = 2) -> str:
    """The review's last `sentences` sentences."""
    return " ".join(SENTENCE_END.split(review.strip())[-sentences:])


def build(out: Path, n_train: int = 30_000, seed: int = 0) -> tuple[Path, Path]:
    ds = load_dataset("imdb")
    texts = [ending(t) for t in ds.train.texts + ds.test.texts]
    labels = np.r_[ds.train.labels, ds.test.labels]
    frame = pd.DataFrame({"text": texts, "sentiment": np.array(["neg", "pos"])[labels]})
    frame = frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    out.mkdir(parents=True, exist_ok=True)
    train, test = out / "train.csv", out / "test.csv"
    frame.iloc[:n_train].to_csv(train, index=False)
    frame.iloc[n_train:].to_csv(test, index=False)
    words = frame.text.str.split().str.len()
    print(f"{n_train:,} training / {len(frame) - n_train:,} test texts, median {int(words.median())} words "
          f"({int(frame.text.str.len().median())} characters)")
    return train, test


def timed(*args: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "rnnkit", *args], check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="folder for the CSVs and the run (default: a temp dir)")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="rnnkit-short-"))
    train, test = build(out)
    run = out / "run"
    train_s = timed("train", "classify", "--data", str(train), "--text-col", "text", "--label-col", "sentiment",
                    "--test-data", str(test), "--run-dir", str(run))
    eval_s = timed("evaluate", str(run), "--data", str(test))
    print(f"train classify (whole command): {train_s:.0f} s; evaluate on test.csv: {eval_s:.0f} s; run in {run}")


if __name__ == "__main__":
    main()
