"""rnnkit's sLSTM and mLSTM against the `xlstm` package's CPU paths (issue 28), side by side in one process.

Layers of the same sizes on the same input (batch 16, hidden 256, 4 heads; input width = hidden):
    sLSTM   rnnkit `Recurrent("slstm", num_heads=4)` (fast="auto": the fused BPTT runner) against
            xlstm 2.0.6 `sLSTMLayer(backend="vanilla", conv1d_kernel_size=0)` (its pure-PyTorch loop;
            the package's default backend is CUDA). Theirs adds a group norm, ours a dense input projection.
    mLSTM   rnnkit `MLSTM(form="parallel" | "chunkwise")` against xlstm's `mLSTMCell` (its CPU path: the
            stabilised parallel form) fed by one Linear(H, 3H) for q, k, v, and against its
            `chunkwise_simple` backend function with the same gates (not wired into its cell).
Training step: forward + backward of (outputs * a fixed probe).sum(); inference: forward under
`torch.inference_mode()`. Every case is timed once per round, the rounds interleave the cases, and the
median is printed with the ratio to the anchor. The (T, T) parallel forms are skipped above --max-parallel
steps (at T = 4096 one (B, heads, T, T) float32 matrix is 4.3 GB and xlstm keeps several), and xlstm's
vanilla sLSTM is not timed in training above --max-vanilla-train steps: its loop writes each step into
slices of whole-sequence tensors, so its backward copies them at every step and grows as T^2 (37 s at
T = 512 on the build machine; T = 4096 would take most of an hour per step).

    pip install --no-deps "xlstm==2.0.6"      # the anchors extra, without its CUDA-only dependency
    python benchmarks/xlstm_cells.py --steps 512 4096 --rounds 3
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch import nn

from rnnkit.layers import MLSTM, Recurrent


def slstm_cases(H: int, heads: int):
    from xlstm import sLSTMLayer, sLSTMLayerConfig

    ours = Recurrent("slstm", H, H, num_heads=heads)
    theirs = sLSTMLayer(sLSTMLayerConfig(embedding_dim=H, num_heads=heads, conv1d_kernel_size=0, backend="vanilla"))
    return {"rnnkit sLSTM (fused)": ours, "xlstm sLSTM vanilla": theirs}


class XlstmMLSTM(nn.Module):
    """xlstm's mLSTMCell (parallel form) behind one Linear(H, 3H) for q, k, v; or its chunkwise backend."""

    def __init__(self, H: int, heads: int, steps: int, chunk_size: int | None = None):
        super().__init__()
        from xlstm.blocks.mlstm.cell import mLSTMCell, mLSTMCellConfig

        self.qkv = nn.Linear(H, 3 * H)
        self.cell = mLSTMCell(mLSTMCellConfig(context_length=steps, embedding_dim=H, num_heads=heads))
        self.heads, self.chunk_size = heads, chunk_size

    def forward(self, x):
        q, k, v = self.qkv(x).chunk(3, -1)  # (B, T, H) each
        if self.chunk_size is None:
            return self.cell(q, k, v)
        from xlstm.blocks.mlstm.backends import chunkwise_simple

        B, T, H = q.shape
        gates_in = torch.cat([q, k, v], -1)
        i, f = self.cell.igate(gates_in).transpose(1, 2), self.cell.fgate(gates_in).transpose(1, 2)  # (B, K, T)
        q, k, v = (t.view(B, T, self.heads, -1).transpose(1, 2) for t in (q, k, v))  # (B, K, T, d)
        h = chunkwise_simple(q, k, v, i, f, chunk_size=self.chunk_size)
        return self.cell.outnorm(h).transpose(1, 2).reshape(B, T, H)


def mlstm_cases(H: int, heads: int, steps: int, parallel: bool, chunk: int):
    cases = {}
    if parallel:
        cases["rnnkit mLSTM parallel"] = MLSTM(H, H, num_heads=heads)
        cases["xlstm mLSTM parallel (CPU)"] = XlstmMLSTM(H, heads, steps)
    cases[f"rnnkit mLSTM chunkwise ({chunk})"] = MLSTM(H, H, num_heads=heads, form="chunkwise", chunk_size=chunk)
    cases[f"xlstm mLSTM chunkwise_simple ({chunk})"] = XlstmMLSTM(H, heads, steps, chunk_size=chunk)
    return cases


def time_once(module: nn.Module, x: torch.Tensor, probe: torch.Tensor, train: bool) -> float:
    start = time.perf_counter()
    if train:
        module.zero_grad(set_to_none=True)
        (module(x) * probe).sum().backward()
    else:
        with torch.inference_mode():
            module(x)
    return time.perf_counter() - start


def measure(cases: dict, x: torch.Tensor, rounds: int, no_training: tuple = ()) -> dict:
    """Median seconds per (case, train); cases in `no_training` are timed in inference only."""
    probe = torch.randn_like(x)
    times = {(name, train): [] for name in cases for train in (True, False) if not (train and name in no_training)}
    for name, module in cases.items():  # warm-up (allocations, first-call paths)
        time_once(module, x, probe, name not in no_training)
    for _ in range(rounds):
        for name, train in times:
            times[(name, train)].append(time_once(cases[name], x, probe, train))
    return {key: statistics.median(values) for key, values in times.items()}


def report(title: str, medians: dict, anchors: dict) -> None:
    print(f"\n{title}")
    print(f"{'case':40s} {'train ms':>10s} {'infer ms':>10s} {'train x':>8s} {'infer x':>8s}  (x = anchor time / this time)")
    names = dict.fromkeys(name for name, _ in medians)
    for name in names:
        anchor = anchors.get(name, name)
        cells = []
        for train in (True, False):
            ms, anchor_ms = medians.get((name, train)), medians.get((anchor, train))
            cells.append(("not timed" if ms is None else f"{ms * 1e3:.1f}",
                          "-" if ms is None or anchor_ms is None else f"{anchor_ms / ms:.2f}"))
        print(f"{name:40s} {cells[0][0]:>10s} {cells[1][0]:>10s} {cells[0][1]:>8s} {cells[1][1]:>8s}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, nargs="+", default=[512, 4096])
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--chunk", type=int, default=64)
    parser.add_argument("--max-parallel", type=int, default=1024, help="longest T for the (T, T) parallel forms")
    parser.add_argument("--max-vanilla-train", type=int, default=1024,
                        help="longest T at which xlstm's vanilla sLSTM is timed in training (its backward grows as T^2)")
    parser.add_argument("--cells", nargs="+", default=["slstm", "mlstm"], choices=["slstm", "mlstm"])
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    import xlstm

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; xlstm {xlstm.__version__ if hasattr(xlstm, '__version__') else '2.0.6'}; "
          f"batch {args.batch}, hidden {args.hidden}, {args.heads} heads, {args.rounds} rounds (median)")
    for T in args.steps:
        torch.manual_seed(0)
        x = torch.randn(args.batch, T, args.hidden)
        if "slstm" in args.cells:
            skip = ("xlstm sLSTM vanilla",) if T > args.max_vanilla_train else ()
            medians = measure(slstm_cases(args.hidden, args.heads), x, args.rounds, skip)
            report(f"sLSTM, T={T}", medians, {"rnnkit sLSTM (fused)": "xlstm sLSTM vanilla"})
        if "mlstm" in args.cells:
            cases = mlstm_cases(args.hidden, args.heads, T, T <= args.max_parallel, args.chunk)
            medians = measure(cases, x, args.rounds)
            anchor = "xlstm mLSTM parallel (CPU)" if T <= args.max_parallel else f"xlstm mLSTM chunkwise_simple ({args.chunk})"
            report(f"mLSTM, T={T} (ratios against {anchor})", medians, {name: anchor for name in cases})


if __name__ == "__main__":
    main()
