"""Side-by-side speed of every runner on issue 5's shapes: the library behind `rnnkit bench`.

For each shape (batch, steps, input, hidden) and cell variant it times, in ONE process and
interleaved round-robin (so a busy machine slows every path alike), a training step (forward +
backward of outputs.sum()) and an inference forward (torch.inference_mode) for:
    auto, fused, compiled   rnnkit's runners through `rnnkit.engine.run_sequence`
    native                  torch's nn.LSTM / nn.GRU / nn.RNN of the same size (vanilla)
    loop                    the naive Python loop over the cell under autograd (fast="loop")
and reports medians, the ratio to native (native_ms / path_ms, > 1 is faster than native), the
ratio to the path's own naive loop, achieved GFLOP/s (GEMM FLOPs: forward 2·T·B·G·H·(I+H), training
3x that) and the fraction of the machine's measured fp32 GEMM peak (torch matmul 2048x2048).
"""
from __future__ import annotations

import datetime
import platform
import statistics
import subprocess
import time
from dataclasses import dataclass, field

import pandas as pd
import torch
from torch import nn

from .cells import make_cell
from .engine import Masks, run_sequence

SHAPES = {  # (batch, steps, input, hidden)
    "imdb": (128, 500, 32, 32),  # article 003's IMDB model
    "mnist_rows": (128, 28, 28, 128),
    "mid": (64, 100, 256, 256),
    "wide": (32, 200, 128, 512),
}
# name -> (cell kind, cell options, recurrent dropout rate)
VARIANTS = {
    "lstm": ("lstm", {}, 0.0),
    "lstm_peephole": ("lstm", {"peephole": True}, 0.0),
    "lstm_recurrent_dropout": ("lstm", {}, 0.25),
    "lstm_layer_norm": ("lstm", {"layer_norm": True}, 0.0),
    "lstm_zoneout": ("lstm", {"zoneout": 0.1}, 0.0),
    "gru": ("gru", {}, 0.0),
    "gru_layer_norm": ("gru", {"layer_norm": True}, 0.0),
    "rnn": ("rnn", {}, 0.0),
}
PATHS = ("auto", "fused", "compiled", "native", "loop")
GATES = {"lstm": 4, "gru": 3, "rnn": 1}
NATIVE = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}


def gemm_peak_gflops(n: int = 2048, repeats: int = 5) -> float:
    """The machine's fp32 GEMM rate: median of `repeats` n x n matmuls."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - start)
    return 2 * n**3 / statistics.median(times) / 1e9


def sequence_gflop(kind: str, batch: int, steps: int, inputs: int, hidden: int, train: bool) -> float:
    """GEMM work of one pass: forward 2·T·B·G·H·(I+H); a training step adds dX/dW_ih/dh/dW_hh (x3)."""
    forward = 2 * steps * batch * GATES[kind] * hidden * (inputs + hidden)
    return (3 if train else 1) * forward / 1e9


def machine() -> dict:
    model = platform.processor() or "unknown"
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    return {"cpu": model, "threads": torch.get_num_threads(), "torch": torch.__version__,
            "capability": torch.backends.cpu.get_cpu_capability()}


@dataclass
class Case:
    """One (shape, variant): the callables for each path, or why a path cannot run."""
    shape: str
    variant: str
    runs: dict = field(default_factory=dict)  # path -> (train_fn, infer_fn)
    skipped: dict = field(default_factory=dict)  # path -> reason


def build_case(shape: str, variant: str, seed: int = 0, paths=None) -> Case:
    """The case's runs for `paths` (default all; native always, as every ratio divides by it)."""
    wanted = set(paths or PATHS) | {"native"}
    batch, steps, inputs, hidden = SHAPES[shape]
    kind, options, dropout = VARIANTS[variant]
    torch.manual_seed(seed)
    case = Case(shape, variant)
    try:
        cell = make_cell(kind, inputs, hidden, **options)
    except (TypeError, ValueError) as error:  # an option this version of the cells lacks
        case.skipped = {p: f"cell option unavailable: {error}" for p in PATHS if p in wanted}
        return case
    x = torch.randn(steps, batch, inputs)  # (T, B, I) time-major, as the engine takes it
    state = cell.init_state(batch)
    mask = (torch.bernoulli(torch.full((batch, cell.state_sizes[0]), 1 - dropout)) / (1 - dropout)) if dropout else None

    def rnnkit_path(fast: str):
        def forward():
            return run_sequence(cell, x, state, None, Masks(recurrent=mask), fast=fast)[0]
        return forward

    forwards = {p: rnnkit_path(p) for p in ("auto", "fused", "compiled", "loop")}
    native = NATIVE[kind](inputs, hidden)
    forwards["native"] = lambda: native(x)[0]
    for path, forward in forwards.items():
        if path not in wanted:
            continue
        try:
            with torch.inference_mode():
                forward()
        except ValueError as error:  # e.g. fast="compiled" on a variant it does not serve
            case.skipped[path] = str(error)
            continue
        modules = (cell, native)

        def train(forward=forward, modules=modules):
            for module in modules:
                module.zero_grad(set_to_none=True)
            forward().sum().backward()

        def infer(forward=forward):
            with torch.inference_mode():
                forward()

        case.runs[path] = (train, infer)
    return case


def time_case(case: Case, repeats: int, warmup: int = 1) -> list[dict]:
    """Medians over `repeats`, paths interleaved round-robin after `warmup` calls each."""
    samples = {(p, m): [] for p in case.runs for m in ("train", "infer")}
    for _ in range(warmup):
        for path, fns in case.runs.items():
            for fn in fns:
                fn()
    for _ in range(repeats):
        for path, (train, infer) in case.runs.items():
            for mode, fn in (("train", train), ("infer", infer)):
                start = time.perf_counter()
                fn()
                samples[(path, mode)].append(time.perf_counter() - start)
    rows = [{"shape": case.shape, "variant": case.variant, "path": p, "mode": m, "ms": 1e3 * statistics.median(s)}
            for (p, m), s in samples.items()]
    rows += [{"shape": case.shape, "variant": case.variant, "path": p, "mode": m, "ms": float("nan"), "note": why}
             for p, why in case.skipped.items() for m in ("train", "infer")]
    return rows


def run_benchmarks(shapes=None, variants=None, repeats: int = 5, threads: int | None = None, log=print,
                   paths=None) -> tuple[pd.DataFrame, dict]:
    """Time `paths` (default every path); returns the table and the machine facts (peak GFLOP/s included)."""
    if threads:
        torch.set_num_threads(threads)
    shapes = list(shapes or SHAPES)
    variants = list(variants or VARIANTS)
    for name in shapes:
        if name not in SHAPES:
            raise ValueError(f"shape must be one of {tuple(SHAPES)}, got {name!r}")
    for name in variants:
        if name not in VARIANTS:
            raise ValueError(f"variant must be one of {tuple(VARIANTS)}, got {name!r}")
    facts = machine()
    facts["gemm_peak_gflops"] = gemm_peak_gflops()
    log(f"fp32 GEMM peak {facts['gemm_peak_gflops']:.1f} GFLOP/s on {facts['cpu']} ({facts['threads']} threads)")
    rows = []
    for shape in shapes:
        for variant in variants:
            case = build_case(shape, variant, paths=paths)
            case_rows = time_case(case, repeats)
            rows += case_rows
            done = {(r["path"], r["mode"]): r["ms"] for r in case_rows}
            log(f"{shape} {variant}: " + ", ".join(f"{p} {done[(p, 'train')]:.1f}/{done[(p, 'infer')]:.1f} ms"
                                                   for p in PATHS if (p, "train") in done))
    facts["peak_after_gflops"] = gemm_peak_gflops()
    return summarise(pd.DataFrame(rows), facts), facts


def summarise(table: pd.DataFrame, facts: dict) -> pd.DataFrame:
    """Add ratios to native and to the own loop, GFLOP/s.

    Native is timed in every case; the ratio uses the BEST native time of that cell family and shape
    over all cases (the conservative choice on a noisy machine)."""
    if "note" not in table:
        table["note"] = ""
    table["note"] = table["note"].fillna("")
    kinds = table["variant"].map(lambda v: VARIANTS[v][0])
    native = table[table.path == "native"].assign(kind=kinds).groupby(["shape", "kind", "mode"])["ms"].min()
    vanilla_native = [native.get((s, k, m), float("nan")) for s, k, m in zip(table["shape"], kinds, table["mode"])]
    loop = table[table.path == "loop"].set_index(["shape", "variant", "mode"])["ms"]
    own_loop = [loop.get((s, v, m), float("nan")) for s, v, m in zip(table["shape"], table["variant"], table["mode"])]
    table["vs_native"] = pd.Series(vanilla_native, index=table.index) / table["ms"]
    table["vs_loop"] = pd.Series(own_loop, index=table.index) / table["ms"]
    gflop = [sequence_gflop(VARIANTS[v][0], *SHAPES[s], m == "train") for s, v, m in
             zip(table["shape"], table["variant"], table["mode"])]
    table["gflops"] = pd.Series(gflop, index=table.index) / (table["ms"] / 1e3)
    table["peak_frac"] = table["gflops"] / facts["gemm_peak_gflops"]
    return table


def markdown(table: pd.DataFrame, facts: dict, command: str) -> str:
    """RESULTS.md text: the command, the machine, then one table per mode."""
    lines = [
        "# rnnkit benchmark results", "",
        f"Command: `{command}`  ",
        f"Date: {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}  ",
        f"Machine: {facts['cpu']}, {facts['threads']} threads, torch {facts['torch']} (CPU capability "
        f"{facts['capability']}); fp32 GEMM peak (2048x2048 matmul) {facts['gemm_peak_gflops']:.1f} GFLOP/s "
        f"before, {facts.get('peak_after_gflops', float('nan')):.1f} after the run.", "",
        "ms: median; vs native: native vanilla nn.LSTM/GRU/RNN time / path time (> 1 = faster than native); "
        "vs loop: the variant's own naive autograd loop time / path time; GFLOP/s counts GEMM work only.", "",
    ]
    for mode, title in (("train", "Training step (forward + backward of outputs.sum())"), ("infer", "Inference forward")):
        lines += [f"## {title}", "", "| shape (B, T, I, H) | variant | path | ms | vs native | vs loop | GFLOP/s | % peak |",
                  "|---|---|---|---:|---:|---:|---:|---:|"]
        part = table[table["mode"] == mode]
        for _, r in part.iterrows():
            if pd.isna(r["ms"]):
                continue
            lines.append(f"| {r['shape']} {SHAPES[r['shape']]} | {r['variant']} | {r['path']} | {r['ms']:.1f} | "
                         f"{r['vs_native']:.2f} | {r['vs_loop']:.2f} | {r['gflops']:.1f} | {100 * r['peak_frac']:.0f}% |")
        lines.append("")
    skipped = table[table["ms"].isna() & (table["mode"] == "train")]
    if len(skipped):
        lines += ["Paths that declined a configuration:", ""]
        lines += [f"- {r['shape']} {r['variant']} {r['path']}: {r['note']}" for _, r in skipped.iterrows()]
        lines.append("")
    return "\n".join(lines)
