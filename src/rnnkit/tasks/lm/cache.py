"""The neural cache (Grave, Joulin & Usunier 2017, "Improving Neural Language Models with a Continuous
Cache"): the text just read is a memory of (z_i, x_{i+1}) pairs, the model's top features at each past
position and the token that came next; a position whose features resemble the present one votes for
the token that followed it:

    p_cache(w | z_t) ∝ sum over i < t, i within `size` steps back, with x_{i+1} = w, of exp(theta z_t . z_i)
    p(w) = (1 - lambda) p_model(w) + lambda p_cache(w)

so a text that repeats itself (identifiers of program source, names of a story) is copied from its own
recent past, with no training. One cache per theta of THETAS is scored; their weights lambda (with the
model's and the n-gram's) are fitted on the validation text (`mixture`), near 0 where a cache does not
help. Each parallel stream of `ScoringStreams` has its own memory, its burn-in included.
"""
from __future__ import annotations

import math

import torch

from rnnkit.data.lm_streams import IGNORE_INDEX

SIZE = 2000
"""Past positions remembered per stream (Grave et al.: 100 to 10,000; 2,000 for their word-level models)."""
THETAS = (0.1, 0.3, 1.0)


class Cache:
    """The memory of B streams; `log_probs` scores a window's targets under it, then remembers the window."""

    def __init__(self, size: int = SIZE, thetas: tuple[float, ...] = THETAS):
        self.size, self.thetas = size, thetas
        self.keys: torch.Tensor | None = None  # (B, M, D)
        self.next: torch.Tensor | None = None  # (B, M) the token after each remembered position

    @torch.no_grad()
    def log_probs(self, z: torch.Tensor, following: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """(len(thetas), B, k): ln p_cache(target) at every position of the window (-inf: no past position
        was followed by it), from the memory and the window's earlier positions."""
        z = z.detach().float()
        k = z.shape[1]
        keys = z if self.keys is None else torch.cat([self.keys, z], 1)  # (B, M + k, D)
        nxt = following if self.next is None else torch.cat([self.next, following], 1)  # (B, M + k)
        before = keys.shape[1] - k
        sim = z @ keys.transpose(1, 2)  # (B, k, M + k)
        usable = torch.arange(keys.shape[1])[None, :] < before + torch.arange(k)[:, None]  # (k, M + k): i < t
        usable = usable[None] & (nxt != IGNORE_INDEX)[:, None, :]  # (B, k, M + k)
        match = usable & (nxt[:, None, :] == target[:, :, None])
        out = []
        for theta in self.thetas:
            scores = (theta * sim).masked_fill(~usable, -math.inf)
            total = torch.logsumexp(scores, -1)  # (B, k)
            hits = torch.logsumexp(scores.masked_fill(~match, -math.inf), -1)
            out.append(torch.where(torch.isfinite(total), hits - total, torch.full_like(total, -math.inf)))
        self.keys, self.next = keys[:, -self.size:], nxt[:, -self.size:]
        return torch.stack(out)
