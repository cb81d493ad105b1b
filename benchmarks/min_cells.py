"""minGRU and minLSTM (issue 28): the scan against the sequential form, rnnkit's GRU and mingru-pytorch.

One process, the paths called alternately (round-robin), batch 16, input and hidden 256, at each
sequence length: a training step (forward + backward of outputs.sum()) and inference (forward under
`torch.inference_mode()`). Paths per cell:

    scan        fast="auto": the scan runner, its compiled method on the CPU (`rnnkit.engine.scan`,
                `csrc/minimal.cpp`: one C++ pass forward, one back)
    linear      the scan runner's linear method in torch ops (what "auto" ran before the compiled pass)
    heinsen     the scan runner with Heinsen's log-space method (chunks of 64 steps)
    sequential  the cell's sequential form as generation runs it: the layer called one step at a time
                (x[:, t:t+1] and the state it returned), each step projecting its own input and taking
                the cell's `step`, differentiated by autograd
    loop        the sequential form with every step's input projection in one GEMM first
                (fast="loop": a Python loop over `cell.step`, differentiated by autograd)
    fused       the same with the cell's hand-written BPTT instead of autograd (fast="fused")
    gru         rnnkit's GRU of the same width through fast="auto" (the compiled kernels)
    anchor      mingru-pytorch 0.2.1's module in its parallel mode (one log-space scan over the whole
                sequence; torch's logcumsumexp); skipped when the package is absent
    projection  the input projection alone (x W_ih^T + b and, in training, its weight gradient): the
                floor every form pays, which bounds what any scan can gain over the sequential form

Both wall and process CPU time are measured (medians); on a shared machine the CPU time of a
one-thread run is the steadier comparison. Ratios are the path's time over the scan's (> 1: the
scan is that many times faster).

    python benchmarks/min_cells.py --threads 1 --repeats 3
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch

from rnnkit.engine import run_scan
from rnnkit.layers import Recurrent

B, D = 16, 256


def anchor_module(kind: str):
    try:
        import minGRU_pytorch
        from minGRU_pytorch.minLSTM import minLSTM
    except ImportError:
        return None
    return minGRU_pytorch.minGRU(D) if kind == "mingru" else minLSTM(D)


class Sequential(torch.nn.Module):
    """The layer run one step at a time, its state carried: the cell's sequential form as generation runs it."""

    def __init__(self, kind: str, layer: Recurrent):
        super().__init__()
        self.layer = Recurrent(kind, D, D, return_state=True)
        self.layer.load_state_dict(layer.state_dict())

    def forward(self, x):
        state, outputs = None, []
        for x_t in x.unbind(1):  # unbind: one backward for all steps' slices
            out, state = self.layer(x_t.unsqueeze(1), initial_state=state)
            outputs.append(out)
        return torch.cat(outputs, 1)


class Method(torch.nn.Module):
    """A `Recurrent` layer's cell run by the scan runner with the given method."""

    def __init__(self, layer: Recurrent, method: str):
        super().__init__()
        self.layer, self.method = layer, method

    def forward(self, x):
        cell = self.layer.cells[0]
        out, _ = run_scan(cell, x.transpose(0, 1), cell.init_state(x.shape[0], dtype=x.dtype), method=self.method)
        return out.transpose(0, 1)


class Projection(torch.nn.Module):
    """Only the cell's input projection, the GEMMs every form of the cell runs."""

    def __init__(self, layer: Recurrent):
        super().__init__()
        self.layer = layer

    def forward(self, x):
        return self.layer.cells[0].project_input(x)


def paths(kind: str) -> dict:
    torch.manual_seed(0)
    layers = {"scan": Recurrent(kind, D, D)}
    layers["linear"] = Method(layers["scan"], "linear")
    layers["heinsen"] = Method(layers["scan"], "heinsen")
    layers["sequential"] = Sequential(kind, layers["scan"])
    for fast in ("loop", "fused"):
        layers[fast] = Recurrent(kind, D, D, fast=fast)
        layers[fast].load_state_dict(layers["scan"].state_dict())
    if kind == "mingru":
        layers["gru"] = Recurrent("gru", D, D)
    anchor = anchor_module(kind)
    if anchor is not None:
        layers["anchor"] = anchor
    layers["projection"] = Projection(layers["scan"])
    return layers


def medians(fns: dict, repeats: int, warmup: int = 1) -> dict:
    """{name: (wall ms, CPU ms)}: medians over `repeats` calls, the functions called alternately."""
    wall = {name: [] for name in fns}
    cpu = {name: [] for name in fns}
    for rep in range(warmup + repeats):
        for name, fn in fns.items():
            w, c = time.perf_counter(), time.process_time()
            fn()
            if rep >= warmup:
                wall[name].append(time.perf_counter() - w)
                cpu[name].append(time.process_time() - c)
    return {name: (statistics.median(wall[name]) * 1e3, statistics.median(cpu[name]) * 1e3) for name in fns}


def measure(kind: str, steps: int, repeats: int, only=None, modes=("training", "inference")) -> list[str]:
    layers = {name: layer for name, layer in paths(kind).items()
              if only is None or name in only or name == "scan"}
    x = torch.randn(B, steps, D)

    def train(layer):
        def step():
            layer.zero_grad(set_to_none=True)
            layer(x).sum().backward()
        return step

    def infer(layer):
        def step():
            with torch.inference_mode():
                layer(x)
        return step

    rows = []
    for mode, make in (("training", train), ("inference", infer)):
        if mode not in modes:
            continue
        times = medians({name: make(layer) for name, layer in layers.items()}, repeats)
        base_wall, base_cpu = times["scan"]
        for name, (wall, cpu) in times.items():
            rows.append(f"| {kind} | {steps} | {mode} | {name} | {wall:,.0f} | {cpu:,.0f} | "
                        f"{wall / base_wall:.2f} | {cpu / base_cpu:.2f} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, nargs="+", default=[512, 4096])
    parser.add_argument("--cells", nargs="+", default=["mingru", "minlstm"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--modes", nargs="+", default=["training", "inference"], choices=["training", "inference"])
    parser.add_argument("--paths", nargs="+", help="only these paths (and scan, the baseline of the ratios)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"batch {B}, input = hidden = {D}, {args.threads} thread(s), torch {torch.__version__}, "
          f"median of {args.repeats}")
    print("| cell | T | mode | path | wall ms | CPU ms | wall / scan | CPU / scan |")
    print("|---|---:|---|---|---:|---:|---:|---:|")
    for steps in args.steps:
        for kind in args.cells:
            for row in measure(kind, steps, args.repeats, args.paths, args.modes):
                print(row, flush=True)


if __name__ == "__main__":
    main()
