"""Two comparisons run.py's round-robin table cannot settle, timed alternately in one process.

1. Whole `Recurrent` LSTM layers, one training step (forward + backward of outputs.sum()):
   fast="native" (torch's kernel, the whole stack in one call) against fast="compiled" (per layer and
   direction): the measurement behind `auto` training a vanilla LSTM on the compiled kernels.
2. Article 003's shape (128, 500, 32, 32), the case whose native time moves most between the cases of a
   run.py table: the layer-norm and zoneout LSTM (compiled) against native nn.LSTM, training step and
   inference.

    python benchmarks/layers_vs_native.py               # both
    python benchmarks/layers_vs_native.py --repeats 40  # steadier medians
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch import nn

from rnnkit.cells import make_cell
from rnnkit.engine import run_sequence
from rnnkit.layers import Recurrent

LAYERS = [  # (input, hidden, layers, bidirectional, batch, steps)
    (32, 32, 1, True, 128, 500),
    (28, 128, 1, False, 128, 28),
    (128, 128, 2, False, 64, 100),
    (128, 128, 2, True, 64, 100),
    (256, 256, 2, True, 32, 100),
]


def medians_ms(fns: dict, repeats: int, warmup: int = 2) -> dict:
    """Median ms of each function, the functions called alternately."""
    times = {name: [] for name in fns}
    for rep in range(warmup + repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            if rep >= warmup:
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) * 1e3 for name, t in times.items()}


def layer_training(repeats: int) -> None:
    print("| layer (input, hidden, layers, bidirectional, batch, steps) | native ms | compiled ms | compiled speed-up |")
    print("|---|---:|---:|---:|")
    for inputs, hidden, layers, bidirectional, batch, steps in LAYERS:
        torch.manual_seed(0)
        native = Recurrent("lstm", inputs, hidden, num_layers=layers, bidirectional=bidirectional, fast="native")
        compiled = Recurrent("lstm", inputs, hidden, num_layers=layers, bidirectional=bidirectional, fast="compiled")
        compiled.load_state_dict(native.state_dict())
        x = torch.randn(batch, steps, inputs)

        def step(layer):
            layer.zero_grad(set_to_none=True)
            layer(x).sum().backward()

        ms = medians_ms({"native": lambda: step(native), "compiled": lambda: step(compiled)}, repeats)
        print(f"| {(inputs, hidden, layers, bidirectional, batch, steps)} | {ms['native']:.1f} | {ms['compiled']:.1f} | "
              f"{ms['native'] / ms['compiled']:.2f} |", flush=True)


def hidden32_cells(repeats: int) -> None:
    batch, steps, inputs, hidden = 128, 500, 32, 32
    torch.manual_seed(0)
    x = torch.randn(steps, batch, inputs)
    native = nn.LSTM(inputs, hidden)
    cells = {"layer-norm LSTM": make_cell("lstm", inputs, hidden, layer_norm=True),
             "zoneout LSTM (training mode: masks drawn per call)": make_cell("lstm", inputs, hidden, zoneout=0.1),
             "vanilla LSTM": make_cell("lstm", inputs, hidden)}
    fns = {"native nn.LSTM": lambda: native(x)[0]}
    for name, cell in cells.items():
        fns[name] = lambda cell=cell: run_sequence(cell, x, cell.init_state(batch), fast="compiled")[0]
    with torch.inference_mode():
        infer = medians_ms(fns, repeats)

    def training_step(forward):
        for module in (native, *cells.values()):
            module.zero_grad(set_to_none=True)
        forward().sum().backward()

    train = medians_ms({name: (lambda forward=forward: training_step(forward)) for name, forward in fns.items()}, repeats)
    print("\n| compiled cell, (128, 500, 32, 32) | training ms | vs native | inference ms | vs native |")
    print("|---|---:|---:|---:|---:|")
    for name in fns:
        print(f"| {name} | {train[name]:.1f} | {train['native nn.LSTM'] / train[name]:.2f} | {infer[name]:.2f} | "
              f"{infer['native nn.LSTM'] / infer[name]:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=25)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    layer_training(max(5, args.repeats // 2))
    hidden32_cells(args.repeats)


if __name__ == "__main__":
    main()
