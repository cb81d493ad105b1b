"""Peak memory of one training step on a very long sequence (issue 5: T = 100,000, hidden 256, batch 8).

An LSTM layer runs the whole sequence with truncated BPTT and checkpointed chunks
(`Recurrent(..., tbptt=k, checkpoint_chunks=k)`, see `rnnkit.engine.chunked`): forward keeps only the
(T, B, H) outputs and each chunk's starting state; backward recomputes one chunk at a time. Prints the
peak resident set size of the process (resource.getrusage), which must stay under 2 GB.

    python benchmarks/long_sequence.py                  # the issue's case
    python benchmarks/long_sequence.py --steps 10000    # a quicker look
"""
from __future__ import annotations

import argparse
import resource
import sys
import time

import torch

from rnnkit.layers import Recurrent


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--input", type=int, default=32)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--chunk", type=int, default=1000)
    parser.add_argument("--fast", default="auto")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument("--no-checkpoint", action="store_true", help="truncation only (keeps every chunk's graph)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    layer = Recurrent("lstm", args.input, args.hidden, tbptt=args.chunk, fast=args.fast,
                      checkpoint_chunks=0 if args.no_checkpoint else args.chunk)
    x = torch.randn(args.batch, args.steps, args.input)
    before = peak_rss_mb()
    start = time.perf_counter()
    loss = layer(x).sum()
    forward = time.perf_counter() - start
    loss.backward()
    total = time.perf_counter() - start
    print(f"LSTM T={args.steps} B={args.batch} I={args.input} H={args.hidden} chunk={args.chunk} fast={args.fast} "
          f"checkpoint={not args.no_checkpoint}")
    print(f"forward {forward:.1f} s, forward+backward {total:.1f} s")
    print(f"peak RSS {peak_rss_mb():.0f} MB (before the step: {before:.0f} MB; outputs alone: "
          f"{args.steps * args.batch * args.hidden * 4 / 2**20:.0f} MB)")


if __name__ == "__main__":
    main()
