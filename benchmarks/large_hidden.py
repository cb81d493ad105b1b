"""Issue 28 item 7: one `Recurrent` layer at language-model sizes, `fast="auto"` against `fast="native"`.

    python benchmarks/large_hidden.py                                  # auto and native, LSTM and GRU
    python benchmarks/large_hidden.py --paths auto native compiled fused --rounds 3   # every runner
    python benchmarks/large_hidden.py --hidden 650 1500 --batch 20 --cells lstm      # a few sizes

One layer, input size = hidden size (the word LM's embedding feeds its LSTM), 35 steps (Zaremba's
bptt), batch 20 and 64. Training step: forward + backward of outputs.sum(); inference: forward under
`torch.inference_mode()`. Every path of one (cell, hidden, batch, mode) is timed alternately in the
same process, round after round (a loaded machine slows each path alike), and the median of the rounds
is reported, with the median over the rounds of each round's ratio native / path (> 1: faster than
native). The runner `auto` chose is printed.
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch

from rnnkit.layers import Recurrent

PATHS = ("auto", "native", "compiled", "fused")


def timed_rounds(fns: dict, rounds: int, warmup: int = 1, clock=time.perf_counter) -> dict:
    """Seconds of each function in each of `rounds`, the functions called alternately in each round."""
    times = {name: [] for name in fns}
    for rep in range(warmup + rounds):
        for name, fn in fns.items():
            start = clock()
            fn()
            if rep >= warmup:
                times[name].append(clock() - start)
    return times


def case(cell: str, hidden: int, batch: int, steps: int, paths, rounds: int, clock) -> list[str]:
    torch.manual_seed(0)
    layers = {p: Recurrent(cell, hidden, hidden, fast=p) for p in paths}
    first = layers[paths[0]]
    for layer in layers.values():
        layer.load_state_dict(first.state_dict())
    x = torch.randn(batch, steps, hidden)

    def train(layer):
        layer.zero_grad(set_to_none=True)
        layer(x).sum().backward()

    def infer(layer):
        with torch.inference_mode():
            layer(x)

    rows = []
    for mode, step, grad in (("train", train, True), ("infer", infer, False)):
        with torch.set_grad_enabled(grad):  # the plan `auto` makes for this mode
            planned = layers["auto"].plan(x.transpose(0, 1)) if "auto" in layers else None
        times = timed_rounds({p: (lambda layer=layer, step=step: step(layer)) for p, layer in layers.items()}, rounds, clock=clock)
        ms = {p: 1e3 * statistics.median(t) for p, t in times.items()}
        # the ratio of each round (paths timed back to back), then its median: steadier on a loaded machine
        ratio = {p: statistics.median(n / t for n, t in zip(times["native"], times[p])) for p in paths}
        cells = " | ".join(f"{ms[p]:.1f} | {ratio[p]:.2f}" for p in paths if p != "native")
        chosen = planned.runner if planned is not None else "-"
        rows.append(f"| {cell} | {hidden} | {batch} | {mode} | {ms['native']:.1f} | {cells} | {chosen} |")
        print(rows[-1], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", nargs="+", default=["lstm", "gru"], choices=["lstm", "gru", "rnn"])
    parser.add_argument("--hidden", nargs="+", type=int, default=[512, 650, 1024, 1500])
    parser.add_argument("--batch", nargs="+", type=int, default=[20, 64])
    parser.add_argument("--steps", type=int, default=35)
    parser.add_argument("--paths", nargs="+", choices=PATHS, default=["auto", "native"])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (default: torch's)")
    parser.add_argument("--cpu-time", action="store_true",
                        help="time the process's CPU seconds instead of wall seconds (on a machine shared with "
                             "other jobs; run with OMP_WAIT_POLICY=PASSIVE so that threads waiting at a barrier "
                             "sleep rather than spin)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    paths = ["native"] + [p for p in args.paths if p != "native"]
    clock = time.process_time if args.cpu_time else time.perf_counter
    print(f"{torch.get_num_threads()} threads, T = {args.steps}, input = hidden, median of {args.rounds} rounds, "
          f"{'CPU' if args.cpu_time else 'wall'} time")
    print("| cell | H | B | mode | native ms | " + " | ".join(f"{p} ms | vs native" for p in paths[1:])
          + " | auto runs |")
    print("|---|---:|---:|---|---:|" + "---:|---:|" * (len(paths) - 1) + "---|")
    for cell in args.cells:
        for hidden in args.hidden:
            for batch in args.batch:
                case(cell, hidden, batch, args.steps, paths, args.rounds, clock)


if __name__ == "__main__":
    main()
