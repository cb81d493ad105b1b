"""`--crf auto`: a CRF output layer where it pays for its time, a softmax where it does not, and the
reason in one line.

What a CRF is worth was measured (benchmarks/TASKS.md): +5.0 points of entity F1 on wnut16 and +1.5
on pku-ner (chunk tags, whose well-formedness the transitions enforce), +0.01 to +0.04 on pku-seg and
pku-pos (per-token decisions already consistent), and on a 1,532-tag file of compound POS tags whose
transitions are structurally sparse -0.36 points of token accuracy after 10 epochs (68.21% against
68.57%; it learns faster per epoch, 0.42 against 0.25 validation accuracy after the first, and ends no
better) at twice the CPU time. Chunk tags gain from a CRF, plain tags hardly.
What it costs grows with the tag set: O(K^2) per step dense, O(K + E) with only E allowed transitions
(`layers/crf_sparse.py`).

The rule:
- 64 tags or fewer: a CRF, always (its cost is small beside the network's; no timing, so runs on small
  tag sets stay reproducible to the bit);
- more: the transitions seen in training (and allowed by the scheme) are the only ones the CRF allows
  when they are at most a quarter of K^2, so it runs sparse; one training batch is timed through the
  network (forward and backward) and through the CRF (likelihood, its gradient and Viterbi), in CPU
  seconds; the CRF is kept when it costs at most `BUDGET` times the network (3 for chunk tags, where it
  pays; 0.5 for plain tags, where it is near free or not worth it) and the epoch it makes, estimated
  from that batch, stays within `EPOCH_BUDGET` CPU seconds. The compound-tag file's CRF costs 2.0-2.1x
  its network: a softmax, far from either line, so the choice does not flip between runs. A dense CRF too large to time (over `DENSE_LIMIT` scores per batch) is a softmax untimed.

A CRF restricted to the seen transitions gives a gold path through an unseen one (in validation or
test sentences) the FORBIDDEN score of `layers/crf.py`: such a run's val_loss is dominated by those
10,000-nat penalties and says little; the kept epoch goes by decoded accuracy or entity F1 instead.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch

from rnnkit.layers.crf import CRF, allowed_transitions
from rnnkit.training import distributed as ddp

SMALL = 64  # tag sets up to this size always get a CRF
BUDGET = {"chunk": 3.0, "plain": 0.5}  # CRF seconds per network second a CRF may cost
EPOCH_BUDGET = 120.0  # CPU seconds an epoch (network and CRF) may take with the CRF
DENSE_LIMIT = 2e9  # B * T * K^2 scores per batch past which a dense CRF is not even timed
SEEN_DENSITY = 0.25  # restrict to the seen transitions when they are at most this share of K^2


@dataclass
class CrfChoice:
    """Whether the run's tagger gets a CRF, the transitions it allows beyond the scheme's (None: all the
    scheme allows) and the one-line reason printed and kept in the report."""

    crf: bool
    allowed: torch.Tensor | None
    reason: str


def seen_transitions(tag_ids: list[np.ndarray], num_tags: int) -> torch.Tensor:
    """(K, K) booleans: which tag pairs (i at t-1, j at t) occur in the training sentences."""
    pairs = np.concatenate([ids[:-1] * num_tags + ids[1:] for ids in tag_ids if len(ids) > 1] or [np.zeros(0, np.int64)])
    seen = torch.zeros(num_tags * num_tags, dtype=torch.bool)
    seen[torch.from_numpy(np.unique(pairs))] = True
    return seen.view(num_tags, num_tags)


def choose(setting, tags: list[str], scheme: str, train_ids: list[np.ndarray], time_batch=None,
           batches: int = 1) -> CrfChoice:
    """The CRF decision for `setting` (True, False or "auto"); `time_batch(crf)` -> (network seconds, CRF
    seconds) on one of the epoch's `batches` training batches (only called for "auto" over SMALL tags)."""
    k = len(tags)
    kind = "chunk" if scheme in ("BIO", "BIOES", "BMES") else "plain"
    allowed = restriction(tags, scheme, train_ids)
    sparse_note = (f"{int(allowed.sum()):,} of {k * k:,} transitions seen in training, a sparse CRF"
                   if allowed is not None else "dense transitions")
    if setting is False:
        return CrfChoice(False, None, f"softmax (--crf false given; {k} tags)")
    if setting is True:
        return CrfChoice(True, allowed, f"CRF (--crf true given; {k} tags, {sparse_note})")
    if k <= SMALL:
        return CrfChoice(True, None, f"CRF ({k} tags: a CRF costs little beside the network at {SMALL} tags or fewer)")
    if allowed is None and time_batch.scores_per_batch(k) > DENSE_LIMIT:
        return CrfChoice(False, None, f"softmax ({k} tags with {sparse_note}: a CRF would score K^2 = {k * k:,} "
                                      "transitions per token, too slow to train)")
    net, cost = time_batch(CRF(k, merged(tags, scheme, allowed)))
    budget, epoch = BUDGET[kind], batches * (net + cost)
    use = cost <= budget * net and epoch <= EPOCH_BUDGET
    verdict = (f"{'within' if cost <= budget * net else 'over'} the {budget:g}x allowed for {kind} tags, "
               f"an epoch of about {epoch:.0f} CPU s {'within' if epoch <= EPOCH_BUDGET else 'over'} "
               f"{EPOCH_BUDGET:.0f}")
    return CrfChoice(use, allowed if use else None,
                     f"{'CRF' if use else 'softmax'} ({k} tags, {sparse_note}: the CRF took {cost:.2f} CPU s on one batch, "
                     f"the network {net:.2f} s: {cost / max(net, 1e-9):.1f}x, {verdict})")


def restriction(tags: list[str], scheme: str, train_ids: list[np.ndarray]) -> torch.Tensor | None:
    """The seen transitions when over SMALL tags and sparse enough to run the CRF sparse, else None."""
    k = len(tags)
    if k <= SMALL:
        return None
    seen = seen_transitions(train_ids, k)
    return seen if int(seen.sum()) <= SEEN_DENSITY * k * k else None


def merged(tags: list[str], scheme: str, seen: torch.Tensor | None):
    """The CRF's `allowed` argument: the scheme's constraints and-ed with the seen transitions."""
    if scheme in ("BIO", "BIOES", "BMES"):
        trans, starts, ends = allowed_transitions(scheme, tags)
    else:
        trans, starts, ends = (torch.ones(len(tags), len(tags), dtype=torch.bool), torch.ones(len(tags), dtype=torch.bool),
                               torch.ones(len(tags), dtype=torch.bool))
    return (trans & seen if seen is not None else trans, starts, ends)


class BatchTimer:
    """Times one batch of (x, lengths, targets) through a softmax tagger `model` (forward, loss,
    backward) and through a CRF on its emissions (likelihood, backward, Viterbi): best of two runs, in
    CPU seconds of this process (on a machine shared with other jobs, wall time measures the others);
    under DDP the ranks' figures are averaged, so every rank makes the same choice."""

    def __init__(self, model, batch):
        self.model, self.batch = model, batch

    def scores_per_batch(self, k: int) -> float:
        x = self.batch[0]  # (B, T[, ...])
        return float(x.shape[0] * x.shape[1] * k * k)

    def __call__(self, crf: CRF) -> tuple[float, float]:
        x, lengths, y = self.batch
        mask = y != -100
        net = cost = float("inf")
        for _ in range(2):
            t0 = time.process_time()
            emissions = self.model(x, lengths)
            self.model.loss(emissions, y).backward()
            t1 = time.process_time()
            em = emissions.detach().requires_grad_(True)
            (-crf.log_likelihood(em, y.clamp(min=0), mask).sum()).backward()
            crf.decode(em.detach(), mask)
            t2 = time.process_time()
            net, cost = min(net, t1 - t0), min(cost, t2 - t1)
        self.model.zero_grad(set_to_none=True)
        if ddp.is_distributed():
            net, cost = (ddp.all_reduce_sum(torch.tensor([net, cost], dtype=torch.float64)) / ddp.world_size()).tolist()
        return net, cost
