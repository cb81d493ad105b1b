"""`CRF`: a linear-chain conditional random field over per-step emission scores (Lafferty et al. 2001;
the output layer of Huang et al. 2015 and Lample et al. 2016's BiLSTM-CRF).

For emissions x_t(y) (B, T, K) from the network, transitions A[i, j] (from tag i to tag j), start
scores π and end scores η, a tag sequence y_1..y_n scores

    s(x, y) = π[y_1] + Σ_{t=1..n} x_t(y_t) + Σ_{t=2..n} A[y_{t-1}, y_t] + η[y_n]

and p(y | x) = exp s(x, y) / Z(x) with Z(x) = Σ_y' exp s(x, y'). log Z comes from the forward
algorithm in log space, α_1(j) = π[j] + x_1(j), α_t(j) = x_t(j) + logsumexp_i (α_{t-1}(i) + A[i, j]),
log Z = logsumexp_j (α_n(j) + η[j]); the best path from Viterbi, the same recursion with max in place
of logsumexp, then a walk back through the argmaxes. Both loop over time only: every step is one
batched (B, K, K) operation. Padded steps (mask False, at the END of each sequence) leave α unchanged,
so a padded batch gives each sequence's own numbers.

Where few transitions are allowed (a large tag set where each tag follows only a few others, e.g.
only the transitions seen in training), both recursions run over the list of allowed edges instead
(`crf_sparse.py`): O(B (K + E)) per step for E allowed transitions instead of O(B K^2). `sparse="auto"`
takes that path when at most a quarter of the K^2 transitions are allowed and K >= 32; forbidden
transitions then have no score at all (probability exactly 0) rather than FORBIDDEN's.

Constraints (`allowed_transitions`) forbid what a tag scheme cannot produce (BIO's O -> I-PER,
BMES's B -> B): the forbidden transitions, starts and ends get a fixed score of -10000, so no path
through them wins and their probability underflows to zero, while the log-partition stays finite.
"""
from __future__ import annotations

from typing import Sequence

import torch
from torch import Tensor, nn

from ..validation import check_positive
from .crf_sparse import SparseLogPartition, in_buckets, sparse_viterbi

FORBIDDEN = -10000.0  # finite: a gold path through a forbidden transition gives a large loss, not inf
SCHEMES = ("BIO", "BIOES", "BMES")
_INSIDE = {"I", "M", "E"}  # prefixes that continue a chunk of the same type
_OPEN = {"B", "I", "M"}  # prefixes after which the chunk must continue (BIOES/BMES)


def split_tag(tag: str) -> tuple[str, str]:
    """("B", "PER") of "B-PER"; ("S", "") of "S"; ("O", "") of "O"."""
    prefix, _, kind = tag.partition("-")
    return prefix, kind


def allowed_transitions(scheme: str, tags: Sequence[str]) -> tuple[Tensor, Tensor, Tensor]:
    """(transitions (K, K), starts (K,), ends (K,)) booleans: which the scheme allows over these tags.

    BIO: I-X follows only B-X or I-X. BIOES and BMES (M plays I; S a one-token chunk): I-X/M-X and
    E-X follow only B-X or I-X/M-X, and B-X, I-X/M-X are followed only by I-X/M-X or E-X; a sentence
    starts with neither I/M nor E and ends with neither B nor I/M."""
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}, got {scheme!r}")
    parts = [split_tag(t) for t in tags]
    k = len(parts)
    trans = torch.ones(k, k, dtype=torch.bool)
    for i, (p, a) in enumerate(parts):
        for j, (q, b) in enumerate(parts):
            if scheme == "BIO":
                ok = q != "I" or (p in ("B", "I") and a == b)
            else:
                closes = q in _INSIDE
                ok = (not closes or (p in _OPEN and a == b)) and (p not in _OPEN or (closes and a == b))
            trans[i, j] = ok
    starts = torch.tensor([p not in (_INSIDE if scheme != "BIO" else {"I"}) for p, _ in parts])
    ends = torch.tensor([scheme == "BIO" or p not in _OPEN for p, _ in parts])
    return trans, starts, ends


class CRF(nn.Module):
    """Linear-chain CRF over `num_tags` tags; see the module docstring.

    `allowed`: optional (transitions, starts, ends) boolean tensors from `allowed_transitions`, or
    set later with `restrict` (e.g. to the transitions seen in training).
    `sparse`: "auto" (the edge-list recursions when few transitions are allowed: see the module
    docstring), True (always) or False (always the dense (B, K, K) steps).
    `log_likelihood(emissions, tags, mask)` -> (B,) log p(tags | emissions); `forward` is the mean
    negative log-likelihood (the training loss); `decode(emissions, mask)` -> (B, T) best tags, 0 at padding.
    """

    def __init__(self, num_tags: int, allowed: tuple[Tensor, Tensor, Tensor] | None = None,
                 sparse: bool | str = "auto"):
        super().__init__()
        self.num_tags = check_positive("num_tags", num_tags)
        if sparse not in (True, False, "auto"):
            raise ValueError(f"sparse must be True, False or 'auto', got {sparse!r}")
        self.sparse = sparse
        self._edges: tuple | None = None
        self.transitions = nn.Parameter(torch.empty(num_tags, num_tags).uniform_(-0.1, 0.1))
        self.start = nn.Parameter(torch.empty(num_tags).uniform_(-0.1, 0.1))
        self.end = nn.Parameter(torch.empty(num_tags).uniform_(-0.1, 0.1))
        if allowed is None:
            allowed = (torch.ones(num_tags, num_tags, dtype=torch.bool), torch.ones(num_tags, dtype=torch.bool),
                       torch.ones(num_tags, dtype=torch.bool))
        trans, starts, ends = (torch.as_tensor(a, dtype=torch.bool) for a in allowed)
        if trans.shape != (num_tags, num_tags) or starts.shape != (num_tags,) or ends.shape != (num_tags,):
            raise ValueError(f"allowed must be ((K, K), (K,), (K,)) booleans for K={num_tags}")
        # buffers, so a saved model keeps its constraints
        self.register_buffer("allowed_transitions", trans)
        self.register_buffer("allowed_start", starts)
        self.register_buffer("allowed_end", ends)

    def restrict(self, transitions: Tensor) -> None:
        """Allow only `transitions` (K, K) booleans (and-ed with what is already allowed)."""
        transitions = torch.as_tensor(transitions, dtype=torch.bool, device=self.allowed_transitions.device)
        if transitions.shape != (self.num_tags, self.num_tags):
            raise ValueError(f"transitions must be ({self.num_tags}, {self.num_tags}) booleans, "
                             f"got {tuple(transitions.shape)}")
        self.allowed_transitions &= transitions

    def edges(self, buckets: bool = False):
        """(src, dst) (E,) of the allowed transitions, row-major, or with `buckets` the same grouped by
        target for Viterbi (`crf_sparse.in_buckets`); cached until the mask changes."""
        allowed = self.allowed_transitions
        key = (allowed.data_ptr(), allowed._version, allowed.device)
        if self._edges is None or self._edges[0] != key:
            src, dst = allowed.nonzero(as_tuple=True)
            self._edges = (key, src, dst, in_buckets(src, dst, self.num_tags))
        return self._edges[3] if buckets else self._edges[1:3]

    def uses_sparse(self) -> bool:
        """Whether the recursions run over the edge list (see `sparse`)."""
        if self.sparse != "auto":
            return bool(self.sparse)
        k = self.num_tags
        return k >= 32 and 4 * int(self.allowed_transitions.sum()) <= k * k

    def scores(self) -> tuple[Tensor, Tensor, Tensor]:
        """(A, π, η) with forbidden entries set to FORBIDDEN."""
        def fix(score: Tensor, ok: Tensor) -> Tensor:
            return torch.where(ok, score, torch.full_like(score, FORBIDDEN))
        return (fix(self.transitions, self.allowed_transitions), fix(self.start, self.allowed_start),
                fix(self.end, self.allowed_end))

    @staticmethod
    def _mask(emissions: Tensor, mask: Tensor | None) -> Tensor:
        if emissions.dim() != 3:
            raise ValueError(f"emissions must be (B, T, K), got shape {tuple(emissions.shape)}")
        if mask is None:
            return torch.ones(emissions.shape[:2], dtype=torch.bool, device=emissions.device)
        mask = mask.to(device=emissions.device, dtype=torch.bool)
        if mask.shape != emissions.shape[:2]:
            raise ValueError(f"mask must be (B, T) = {tuple(emissions.shape[:2])}, got {tuple(mask.shape)}")
        if emissions.shape[1] and not bool(mask[:, 0].all()):
            raise ValueError("every sequence needs at least one step (mask[:, 0] all True)")
        return mask

    def log_partition(self, emissions: Tensor, mask: Tensor | None = None) -> Tensor:
        """(B,) log Z(x) by the forward algorithm."""
        mask = self._mask(emissions, mask)
        trans, start, end = self.scores()
        if self.uses_sparse():
            src, dst = self.edges()
            return SparseLogPartition.apply(emissions, mask, self.transitions[src, dst].to(emissions.dtype),
                                            start.to(emissions.dtype), end.to(emissions.dtype), src, dst)
        # unbind, not emissions[:, t]: T indexings' backward would write T zero tensors of (B, T, K)
        emitted = emissions.unbind(1)
        alpha = start + emitted[0]  # (B, K)
        for t in range(1, len(emitted)):
            step = torch.logsumexp(alpha.unsqueeze(2) + trans, dim=1) + emitted[t]  # (B, K)
            alpha = torch.where(mask[:, t, None], step, alpha)
        return torch.logsumexp(alpha + end, dim=1)

    def path_score(self, emissions: Tensor, tags: Tensor, mask: Tensor | None = None) -> Tensor:
        """(B,) s(x, y) of the given tag sequences."""
        mask = self._mask(emissions, mask)
        trans, start, end = self.scores()
        tags = tags.long().masked_fill(~mask, 0)  # padding may hold -100
        emitted = emissions.gather(2, tags.unsqueeze(2)).squeeze(2)  # (B, T)
        moved = trans[tags[:, :-1], tags[:, 1:]]  # (B, T-1)
        lengths = mask.sum(1)
        last = tags.gather(1, (lengths - 1).unsqueeze(1)).squeeze(1)
        return (start[tags[:, 0]] + (emitted * mask).sum(1) + (moved * mask[:, 1:]).sum(1) + end[last])

    def log_likelihood(self, emissions: Tensor, tags: Tensor, mask: Tensor | None = None) -> Tensor:
        """(B,) log p(y | x) = s(x, y) - log Z(x)."""
        return self.path_score(emissions, tags, mask) - self.log_partition(emissions, mask)

    def forward(self, emissions: Tensor, tags: Tensor, mask: Tensor | None = None) -> Tensor:
        """The mean negative log-likelihood over the batch."""
        return -self.log_likelihood(emissions, tags, mask).mean()

    @torch.no_grad()
    def decode(self, emissions: Tensor, mask: Tensor | None = None) -> Tensor:
        """(B, T) the highest-scoring tag sequence of each row (Viterbi); 0 at padded steps."""
        mask = self._mask(emissions, mask)
        trans, start, end = self.scores()
        B, T, K = emissions.shape
        if self.uses_sparse():
            src, dst = self.edges()
            score, previous = sparse_viterbi(emissions, mask, trans[src, dst], start, self.edges(buckets=True))
        else:
            score = start + emissions[:, 0]
            back = []  # back[t-1][b, j]: the best tag at t-1 given tag j at t
            for t in range(1, T):
                best, arg = (score.unsqueeze(2) + trans).max(dim=1)
                back.append(arg)
                score = torch.where(mask[:, t, None], best + emissions[:, t], score)

            def previous(t: int, tags: Tensor) -> Tensor:  # the best tag at t-1 given `tags` (B,) at t
                return back[t - 1].gather(1, tags.unsqueeze(1)).squeeze(1)
        current = (score + end).argmax(dim=1)  # (B,) the last real step's tag
        lengths = mask.sum(1)
        path = torch.zeros(B, T, dtype=torch.long, device=emissions.device)
        for t in range(T - 1, -1, -1):
            real = t < lengths
            path[:, t] = torch.where(real, current, 0)
            if t > 0:  # steps past a row's end keep its last tag in `current` until its end is reached
                current = torch.where(real, previous(t, current), current)
        return path

    def extra_repr(self) -> str:
        return (f"num_tags={self.num_tags}, forbidden={int((~self.allowed_transitions).sum())}"
                + (f", sparse={self.sparse}" if self.sparse != "auto" else ""))
