"""CRF test helpers: every path scored by brute force, and a padded batch of random emissions."""
import itertools

import torch

from rnnkit.layers.crf import CRF


def brute_force(crf: CRF, emissions: torch.Tensor, length: int):
    """(log Z, best path) of one sequence by scoring every one of K^length paths."""
    trans, start, end = crf.scores()
    scores = {}
    for path in itertools.product(range(crf.num_tags), repeat=length):
        s = start[path[0]] + end[path[-1]] + sum(emissions[t, path[t]] for t in range(length))
        s = s + sum(trans[path[t - 1], path[t]] for t in range(1, length))
        scores[path] = s
    values = torch.stack(list(scores.values()))
    return torch.logsumexp(values, 0), max(scores, key=lambda p: scores[p].item())


def padded_batch(lengths, num_tags, seed=0, dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    B, T = len(lengths), max(lengths)
    emissions = torch.randn(B, T, num_tags, generator=g, dtype=dtype) * 2
    mask = torch.arange(T)[None, :] < torch.tensor(lengths)[:, None]
    return emissions, mask
