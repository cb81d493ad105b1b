"""A real text file of hundreds of classes, offline: Debian bookworm's package descriptions (amd64 Packages
index in apt's lists), each labelled by its maintainer, maintainers of at least 10 packages (569 classes after
the run folds case), shuffled with seed 0, a fifth held out as the test file.

    python benchmarks/tasks/text_many_classes.py DIR
    rnnkit train classify --data DIR/maint_train.csv --test-data DIR/maint_test.csv

benchmarks/TASKS.md, *Many classes*.
"""
from __future__ import annotations

import collections
import csv
import random
import re
import subprocess
import sys
from pathlib import Path

PACKAGES = "/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4"
MIN_PACKAGES = 10


def records(text: str) -> list[dict[str, str]]:
    """The Packages index's stanzas as field -> value (continuation lines joined)."""
    out = []
    for block in text.split("\n\n"):
        fields, key = {}, None
        for line in block.split("\n"):
            if line.startswith(" ") and key:
                fields[key] += "\n" + line[1:]
            elif ":" in line:
                key, _, value = line.partition(":")
                fields[key] = value.strip()
        if "Description" in fields and "Maintainer" in fields:
            out.append(fields)
    return out


def main(folder: Path) -> None:
    text = subprocess.run(["lz4", "-dc", PACKAGES], check=True, capture_output=True).stdout.decode()
    found = records(text)
    counts = collections.Counter(r["Maintainer"] for r in found)
    rows = [(r["Description"].replace("\n", " ").replace(" .", "")[:2000], re.sub(r"\s*<.*>", "", r["Maintainer"]).strip())
            for r in found if counts[r["Maintainer"]] >= MIN_PACKAGES]
    random.Random(0).shuffle(rows)
    test, train = rows[:len(rows) // 5], rows[len(rows) // 5:]
    folder.mkdir(parents=True, exist_ok=True)
    for name, part in (("train", train), ("test", test)):
        with open(folder / f"maint_{name}.csv", "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["text", "label"])
            writer.writerows(part)
    print(f"{folder}: {len(train):,} training and {len(test):,} test texts, {len({l for _, l in train}):,} maintainers")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
