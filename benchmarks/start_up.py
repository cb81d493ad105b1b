"""Wall time of the `rnnkit` commands that should start at once (help pages, mistakes told before training),
best of N, for one or more source trees side by side, taking turns so that both see the same load.

    python benchmarks/start_up.py --tree main=/work/main/src --tree branch=src [--repeats 3]

Prints a markdown table (seconds, and each command's exit code); benchmarks/RESULTS.md, *CLI start-up*.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

COMMANDS = ("--help", "train --help", "train forecast --help", "train classify-series --help", "train seq2seq --help",
            "train sentiment --help",
            "train forecast --data /nope.csv", "predict /nope --input x")


def timed(src: str, command: str) -> tuple[float, int]:
    env = dict(os.environ, PYTHONPATH=src, OMP_NUM_THREADS="1")
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "rnnkit.cli.main", *command.split()], env=env,
                          capture_output=True)
    return time.perf_counter() - start, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", action="append", required=True, metavar="NAME=SRC",
                        help="a name and the src folder holding its rnnkit (repeatable)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    trees = dict(tree.split("=", 1) for tree in args.tree)
    best: dict[tuple[str, str], float] = {}
    codes: dict[str, int] = {}
    for _ in range(args.repeats):
        for command in COMMANDS:
            for name, src in trees.items():  # in turn: a burst of load falls on every tree alike
                seconds, codes[command] = timed(src, command)
                best[command, name] = min(best.get((command, name), float("inf")), seconds)
    print(f"best of {args.repeats}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
          f"load average {os.getloadavg()[0]:.1f}")
    print("| command | " + " | ".join(trees) + " | exit |")
    print("|---|" + "---|" * len(trees) + "---|")
    for command in COMMANDS:
        print(f"| `rnnkit {command}` | " + " | ".join(f"{best[command, name]:.2f} s" for name in trees)
              + f" | {codes[command]} |")


if __name__ == "__main__":
    main()
