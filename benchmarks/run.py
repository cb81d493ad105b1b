"""Issue 5's speed table: every runner side by side, as markdown on stdout (and into a file with --out).

    python benchmarks/run.py                                   # all shapes and variants (long on 2 cores)
    python benchmarks/run.py --shapes mnist_rows --variants lstm gru --repeats 3   # a quick look
    python benchmarks/run.py --variants lstm lstm_layer_norm --paths compiled native --out /tmp/t.md

The measuring lives in `rnnkit.benchmarking` (also behind `rnnkit bench`). benchmarks/RESULTS.md opens
with the table of record, written by hand: copy the figures that change into that table, with the
command and the date. Nothing here writes to it unless `--out` names it.
"""
from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from rnnkit.benchmarking import PATHS, SHAPES, VARIANTS, markdown, run_benchmarks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", nargs="+", choices=list(SHAPES), default=None)
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=None)
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats per path (median reported)")
    parser.add_argument("--paths", nargs="+", choices=list(PATHS), default=None,
                        help="time only these paths (native always; default: all, the naive loop included)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    parser.add_argument("--out", default=None, help="also write the markdown table to this file (- : stdout only)")
    parser.add_argument("--csv", default=None, help="also write the raw table as CSV")
    args = parser.parse_args()
    table, facts = run_benchmarks(args.shapes, args.variants, args.repeats, args.threads, log=lambda m: print(m, flush=True),
                                  paths=args.paths)
    command = "python " + " ".join(shlex.quote(a) for a in ["benchmarks/run.py", *sys.argv[1:]])
    text = markdown(table, facts, command)
    if args.csv:
        table.to_csv(args.csv, index=False)
    print(text)
    if args.out not in (None, "-"):
        Path(args.out).write_text(text + "\n")
        print(f"wrote {args.out} ({len(table)} rows; paths {', '.join(PATHS)})")


if __name__ == "__main__":
    main()
