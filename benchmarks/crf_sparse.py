"""The CRF's dense and sparse recursions side by side on one batch (CPU seconds of this process, so a
loaded machine slows both alike): log-likelihood, its gradient and Viterbi, for K tags of which each may
follow only `--per-tag` others (random, the same set for both), and the two agreeing on the numbers.

    python benchmarks/crf_sparse.py [--tags 1500] [--per-tag 6] [--batch 16] [--steps 20]
"""
from __future__ import annotations

import argparse
import time

import torch

from rnnkit.layers.crf import CRF


def timed(crf: CRF, emissions: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor):
    x = emissions.clone().requires_grad_(True)
    t0 = time.process_time()
    ll = crf.log_likelihood(x, tags, mask)
    ll.sum().backward()
    t1 = time.process_time()
    path = crf.decode(emissions, mask)
    t2 = time.process_time()
    return t1 - t0, t2 - t1, ll.detach(), x.grad, path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tags", type=int, default=1500)
    parser.add_argument("--per-tag", type=int, default=6)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    torch.manual_seed(0)
    k = args.tags
    allowed = torch.zeros(k, k, dtype=torch.bool)
    allowed[torch.arange(k).repeat_interleave(args.per_tag), torch.randint(k, (k * args.per_tag,))] = True
    ones = torch.ones(k, dtype=torch.bool)
    dense = CRF(k, (allowed, ones, ones), sparse=False)
    sparse = CRF(k, (allowed, ones, ones), sparse=True)
    sparse.load_state_dict(dense.state_dict())
    emissions = torch.randn(args.batch, args.steps, k) * 3
    mask = torch.ones(args.batch, args.steps, dtype=torch.bool)
    path = CRF.decode(sparse, emissions, mask)  # a gold path through allowed transitions
    results = {name: timed(crf, emissions, path, mask) for name, crf in (("sparse", sparse), ("dense", dense))}
    (sf, sv, sll, sg, sp), (df, dv, dll, dg, dp) = results["sparse"], results["dense"]
    print(f"K={k}, {int(allowed.sum()):,} allowed transitions ({allowed.float().mean():.2%}), batch {args.batch} x "
          f"{args.steps} steps")
    print(f"likelihood + gradient: dense {df:.2f} CPU s, sparse {sf:.3f} CPU s ({df / sf:.0f}x)")
    print(f"Viterbi:               dense {dv:.2f} CPU s, sparse {sv:.3f} CPU s ({dv / sv:.0f}x)")
    print(f"max |log-likelihood difference| {float((sll - dll).abs().max()):.2e}, max |gradient difference| "
          f"{float((sg - dg).abs().max()):.2e}, same paths: {bool(torch.equal(sp, dp))}")


if __name__ == "__main__":
    main()
