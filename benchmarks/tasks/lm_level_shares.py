"""What `rnnkit train lm --data F` (`--level auto`) chooses on real texts a user might bring: the share of the
validation part's words outside the training part's vocabulary (the run's own split by position), and the
level that share gives. The texts are written to DIR (all found offline on a Debian machine with Python 3.11,
plus three catalog datasets from rnnkit's cache).

    python benchmarks/tasks/lm_level_shares.py DIR
"""
from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
from pathlib import Path

from rnnkit.data import load_dataset
from rnnkit.tasks.lm.config import LMConfig
from rnnkit.tasks.lm.level import level_for_text

sys.path.insert(0, str(Path(__file__).parent))
from word_lm_file import review_text  # noqa: E402

MAN_PAGES = "bash ls grep find tar ssh git python3 gcc make sed awk curl".split()


def texts() -> dict[str, str]:
    def joined(paths) -> str:
        return "".join(p.read_text(errors="replace") for p in paths)

    changelogs = "".join(gzip.open(p, "rt", errors="replace").read()
                         for p in sorted(Path("/usr/share/doc").glob("*/changelog.Debian.gz")))
    man = "".join(subprocess.run(["man", "-P", "cat", page], capture_output=True, text=True,
                                 env={"MANWIDTH": "80", "PATH": "/usr/bin:/bin"}).stdout for page in MAN_PAGES)
    reviews = load_dataset("imdb").train.texts
    chinese = load_dataset("chinese-reviews").train.texts
    return {
        "python-source.txt": joined(sorted(Path("/usr/lib/python3.11").glob("*.py")))[:1_100_000],
        "licences.txt": joined(p for p in sorted(Path("/usr/share/common-licenses").iterdir()) if p.is_file()),
        "changelogs.txt": changelogs[:1_500_000],
        "dpkg.log": Path("/var/log/dpkg.log").read_text(errors="replace"),
        "man-pages.txt": man,
        "shakespeare.txt": "".join(load_dataset("shakespeare").train.texts)[:1_200_000],
        "ptb-train.txt": "".join(t + "\n" for t in load_dataset("ptb").train.texts),
        "imdb-raw.txt": "\n".join(list(reviews)[:1500]) + "\n",
        "imdb-tokenised.txt": review_text(1_300_000),
        "chinese-reviews.txt": "\n".join(list(chinese)[:15000]) + "\n",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir", type=Path)
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    rows = {}
    for name, text in texts().items():
        path = args.dir / name
        path.write_text(text)
        level, share = level_for_text(LMConfig(data=str(path)))
        rows[name] = {"characters": len(text), "unknown_word_share": share, "level": level}
        print(f"| {name} | {len(text):,} | {share:.1%} | {level} |", flush=True)
    (args.dir / "shares.json").write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
