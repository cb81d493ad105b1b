"""Two text-classification files built from real public text on the build machine, for measuring the text
task's defaults on sets nobody tuned on (issue 26): each written as train.csv and test.csv (columns text,
label), trained as a user would, `rnnkit train classify --data train.csv --test-data test.csv`.

- debian-sections: the one-line description of every package in Debian bookworm's main archive (the apt
  Packages index on this machine, /var/lib/apt/lists/...Packages.lz4), labelled with the package's archive
  section ("libs", "python", "games", ...), the sections holding at least 1,000 packages; the package name is
  not in the text. 19 classes, many near-identical descriptions ("(data files)"): short, noisy, multi-class.
- imdb-openings: the first two sentences of each IMDB review with its review's polarity (the counterpart of
  short_texts.py's endings: openings often summarise the plot, not the verdict, so labels are noisier).

Both shuffled with a fixed seed; `--train N` texts to train.csv, the rest (up to `--test N`) to test.csv.

    python benchmarks/tasks/text_user_sets.py OUT_DIR
"""
from __future__ import annotations

import argparse
import re
import subprocess
from pathlib import Path

import pandas as pd

from rnnkit.data import load_dataset

PACKAGES = "/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4"
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def debian_sections(min_packages: int = 1000) -> pd.DataFrame:
    index = subprocess.run(["lz4cat", PACKAGES], check=True, capture_output=True, text=True).stdout
    rows = []
    for stanza in index.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in stanza.splitlines() if ": " in line and not line[0].isspace())
        if "Section" in fields and "Description" in fields:
            rows.append({"text": fields["Description"], "label": fields["Section"].split("/")[-1]})
    frame = pd.DataFrame(rows)
    counts = frame.label.value_counts()
    return frame[frame.label.isin(counts[counts >= min_packages].index)]


def imdb_openings() -> pd.DataFrame:
    ds = load_dataset("imdb")
    texts = [" ".join(SENTENCE_END.split(t.strip())[:2]) for t in ds.train.texts + ds.test.texts]
    return pd.DataFrame({"text": texts, "label": ["pos" if y else "neg" for y in [*ds.train.labels, *ds.test.labels]]})


def write(frame: pd.DataFrame, out: Path, n_train: int, n_test: int, seed: int = 0) -> None:
    frame = frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    out.mkdir(parents=True, exist_ok=True)
    frame.iloc[:n_train].to_csv(out / "train.csv", index=False)
    frame.iloc[n_train:n_train + n_test].to_csv(out / "test.csv", index=False)
    print(f"{out}: {n_train:,} train / {min(n_test, len(frame) - n_train):,} test texts, "
          f"{frame.label.nunique()} classes, median {int(frame.text.str.len().median())} characters")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--train", type=int, default=20_000)
    parser.add_argument("--test", type=int, default=10_000)
    args = parser.parse_args()
    write(debian_sections(), args.out / "debian-sections", args.train, args.test)
    write(imdb_openings(), args.out / "imdb-openings", args.train, args.test)


if __name__ == "__main__":
    main()
