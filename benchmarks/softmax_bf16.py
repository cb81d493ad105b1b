"""Issue 28 item 7: the word LM's output layer and softmax in float32 against bfloat16 matmuls (measured only).

    python benchmarks/softmax_bf16.py [--tokens 700] [--hidden 650] [--vocab 10000] [--rounds 7]

One training step of the output layer alone, as the language-model task runs it: logits = z W^T + b
over (tokens, hidden) -> (tokens, vocab), cross-entropy against random targets, backward to z, W, b.
Paths, timed alternately round after round in one process: float32; the matmuls under
`torch.autocast("cpu", dtype=torch.bfloat16)` (bf16 inputs, float32 accumulation; the loss in float32);
torch's adaptive softmax (`nn.AdaptiveLogSoftmaxWithLoss`, cutoffs 2000 and 6000, div_value 4: a
different output layer, so only its time is comparable, not its loss);
and the forward matmul alone in float32 and in bf16 (`z.bfloat16() @ W.bfloat16().T`; ratios of
these two are to the float32 training step). Reports the median round of each
(wall and CPU seconds of the process, each with its ratio to float32) and the loss and gradient error
of bf16 against float32 (what a perplexity change would come from).
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn.functional as F


def relative_error(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).norm() / b.norm())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name, default in (("tokens", 700), ("hidden", 650), ("vocab", 10000), ("rounds", 7), ("threads", 0)):
        parser.add_argument(f"--{name}", type=int, default=default)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    z = (torch.randn(args.tokens, args.hidden) * 0.5).requires_grad_()
    weight = (torch.randn(args.vocab, args.hidden) * 0.05).requires_grad_()
    bias = torch.zeros(args.vocab, requires_grad=True)
    targets = torch.randint(0, args.vocab, (args.tokens,))

    def step(mode: str):
        for t in (z, weight, bias):
            t.grad = None
        if mode == "float32":
            logits = F.linear(z, weight, bias)
        elif mode == "autocast bf16":
            with torch.autocast("cpu", dtype=torch.bfloat16):
                logits = F.linear(z, weight, bias)
        elif mode == "adaptive softmax":  # torch.nn.AdaptiveLogSoftmaxWithLoss: its loss alone, no (tokens, V) logits
            for p in adaptive.parameters():
                p.grad = None
            adaptive(z, targets).loss.backward()
            return None
        elif mode == "float32 forward only":
            with torch.no_grad():
                return F.linear(z, weight, bias)
        else:  # the forward matmul alone in bf16, as an inference-only path would run it
            with torch.no_grad():
                return F.linear(z.bfloat16(), weight.bfloat16(), bias.bfloat16())
        loss = F.cross_entropy(logits.float(), targets)
        loss.backward()
        return loss.detach(), z.grad.clone(), weight.grad.clone()

    # Grave et al.'s adaptive softmax: a head over the most frequent ids (cutoffs), smaller tails (div_value 4);
    # ids 0.. are taken as ordered by frequency, as the lm task's vocabulary is
    cutoffs = [c for c in (2000, 6000) if c < args.vocab]
    adaptive = torch.nn.AdaptiveLogSoftmaxWithLoss(args.hidden, args.vocab, cutoffs, div_value=4.0)
    modes = ("float32", "autocast bf16", "adaptive softmax", "float32 forward only", "bf16 forward only")
    reference = step("float32")
    cast = step("autocast bf16")
    times = {m: [] for m in modes}  # (wall, CPU seconds of the process) per round
    for rep in range(args.rounds + 1):
        for m in modes:
            start, cpu = time.perf_counter(), time.process_time()
            step(m)
            if rep:
                times[m].append((time.perf_counter() - start, time.process_time() - cpu))
    print(f"output layer ({args.tokens} tokens x {args.hidden}) -> {args.vocab}, {torch.get_num_threads()} threads, "
          f"median of {args.rounds} rounds")
    base = [statistics.median(t[k] for t in times["float32"]) for k in (0, 1)]
    for m in modes:
        wall, cpu = (statistics.median(t[k] for t in times[m]) for k in (0, 1))
        print(f"{m:<21} wall {1e3 * wall:8.1f} ms (x{base[0] / wall:.2f})   CPU {1e3 * cpu:8.1f} ms (x{base[1] / cpu:.2f})"
              + ("   forward only" if "only" in m else ""))
    print(f"bf16 vs float32: loss {float(cast[0]):.5f} vs {float(reference[0]):.5f} "
          f"(relative {abs(float(cast[0] - reference[0])) / float(reference[0]):.2e}); "
          f"grad z relative error {relative_error(cast[1], reference[1]):.2e}, grad W {relative_error(cast[2], reference[2]):.2e}")


if __name__ == "__main__":
    main()
