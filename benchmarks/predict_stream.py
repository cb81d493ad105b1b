"""Peak memory and throughput of `rnnkit predict` on a long input: N generated lines through a trained text
run, predictions to /dev/null; run at two sizes to show that memory does not grow with the input.

    python benchmarks/predict_stream.py RUN_DIR --lines 200000 1000000
"""
from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = "good fine lovely great bad awful dull boring movie plot actor scene the a and was very not".split()


def measure(run_dir: str, lines: int, folder: Path) -> tuple[float, float]:
    """(peak RSS of the predict process in MB, lines per second)."""
    path = folder / f"{lines}.txt"
    rng = random.Random(0)
    with open(path, "w") as f:
        for _ in range(lines):
            f.write(" ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 15))) + "\n")
    t0 = time.perf_counter()
    # a fresh interpreter per size, so ru_maxrss of the children is this run's peak
    code = (f"import resource, subprocess, sys; subprocess.run([sys.executable, '-m', 'rnnkit', 'predict', "
            f"{run_dir!r}, '--input', {str(path)!r}], stdout=subprocess.DEVNULL, check=True); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - t0
    return int(out.stdout.strip()) / 1024, lines / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir")
    parser.add_argument("--lines", type=int, nargs="+", default=[200_000, 1_000_000])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for lines in args.lines:
            rss, rate = measure(args.run_dir, lines, Path(tmp))
            print(f"{lines:,} lines: peak RSS {rss:.0f} MB, {rate:,.0f} lines/s (wall time incl. start-up)")


if __name__ == "__main__":
    main()
