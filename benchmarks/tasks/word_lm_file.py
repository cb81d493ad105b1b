"""A word-level text a user might bring, and `rnnkit train lm --data FILE --level word` on it with every
default (issue 26: a language model on the user's own text beside its Kneser-Ney baseline; since the
n-gram blend runs at every level, the run also reports the model blended with the n-gram on validation).

The text: IMDB training reviews from the 15,001st on (real prose no test here reads), lower-cased, HTML
breaks removed, punctuation split off as words, one review per line, until 1.3 MB. The run splits off its
own validation and test parts by position (the last 10% of the text is the test part).

    python benchmarks/tasks/word_lm_file.py [--out DIR] [--size 1300000] [--train-args "..."]
"""
from __future__ import annotations

import argparse
import re
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rnnkit.data import load_dataset


def review_text(size: int) -> str:
    lines, total = [], 0
    for review in list(load_dataset("imdb").train.texts)[15000:]:
        line = re.sub(r"\s+", " ", re.sub(r"([.,!?;:()\"])", r" \1 ", review.replace("<br />", " ").lower())).strip()
        lines.append(line)
        total += len(line)
        if total > size:
            break
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--size", type=int, default=1_300_000)
    parser.add_argument("--train-args", default="")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="word-lm-"))
    out.mkdir(parents=True, exist_ok=True)
    (out / "reviews.txt").write_text(review_text(args.size), encoding="utf-8")
    command = [sys.executable, "-m", "rnnkit", "train", "lm", "--data", str(out / "reviews.txt"), "--level", "word",
               "--run-dir", str(out / "run"), *shlex.split(args.train_args)]
    print(" ".join(command), flush=True)
    t0 = time.perf_counter()
    subprocess.run(command, check=True)
    print(f"whole command: {time.perf_counter() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()
