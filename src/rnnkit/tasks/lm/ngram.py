"""The n-gram baseline of the `lm` task: interpolated Kneser-Ney with modified discounts (Chen & Goodman
1999, as SRILM's and KenLM's; PTB's KN-5 is Mikolov's 141 perplexity), counted with NumPy over id streams.

For an n-gram model, with c the raw counts at the highest order and, below it, the continuation counts
c'(x) = N1+(. x) (how many distinct tokens precede x):

    p_k(w | h) = max(c(hw) - D_k(c(hw)), 0) / c(h.) + gamma_k(h) p_{k-1}(w | h')      h' = h without its first token
    gamma_k(h) = (D_k1 N1(h.) + D_k2 N2(h.) + D_k3+ N3+(h.)) / c(h.)                  N_j(h.): words seen j times after h
    p_0(w) = 1 / V                                                                     uniform over the vocabulary
    Y = n1 / (n1 + 2 n2),  D_k1 = 1 - 2Y n2/n1,  D_k2 = 2 - 3Y n3/n2,  D_k3+ = 3 - 4Y n4/n3   (n_j: k-grams seen j times)

A context never seen (c(h.) = 0) backs off whole: p_k = p_{k-1}. One pass counts every order up to
`max_order` with both kinds of counts, so `log_probs` gives the k-gram model of EVERY order k <= max_order
at once (its top order on raw counts, the ones below on continuation counts): the order is chosen on
validation text. The k-grams are numbered order by order: the id of a k-gram is its rank among the
distinct keys (id of its first k-1 tokens) * V + (its last token), so nothing is hashed and nothing overflows.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_DISCOUNT = 0.05
"""Floor of every discount: a tiny text's odd count-of-counts must not leave a context no mass to give away."""


def discounts(counts: np.ndarray) -> np.ndarray:
    """(D1, D2, D3+) from the count-of-counts n1..n4 of `counts` (Chen & Goodman's estimates)."""
    n1, n2, n3, n4 = (np.count_nonzero(counts == j) for j in (1, 2, 3, 4))
    y = n1 / (n1 + 2 * n2) if n1 + 2 * n2 else 0.5
    d = [1 - 2 * y * n2 / n1 if n1 else 0.5, 2 - 3 * y * n3 / n2 if n2 else 1.0, 3 - 4 * y * n4 / n3 if n3 else 1.5]
    return np.clip(d, MIN_DISCOUNT, [1.0, 2.0, 3.0])


@dataclass
class Estimate:
    """One order's counts of one kind (raw or continuation), with what p_k needs per context."""

    counts: np.ndarray  # (G,) per k-gram id
    d: np.ndarray  # (3,) D1, D2, D3+
    total: np.ndarray  # (C,) c(h.) per context id
    gamma: np.ndarray  # (C,) the mass given to the lower order

    @classmethod
    def of(cls, counts: np.ndarray, context: np.ndarray, contexts: int) -> Estimate:
        d = discounts(counts)
        taken = np.where(counts > 0, d[np.minimum(counts, 3) - 1], 0.0)  # (G,) D(c), none for unseen
        total = np.bincount(context, weights=counts, minlength=contexts)  # (C,)
        given = np.bincount(context, weights=taken, minlength=contexts)
        gamma = np.divide(given, total, out=np.zeros(contexts), where=total > 0)
        return cls(counts, d, total, gamma)

    def mix(self, gram: np.ndarray, context: np.ndarray, lower: np.ndarray) -> np.ndarray:
        """p_k for the k-grams `gram` (-1: unseen) after `context` (-1: unseen), given p_{k-1} `lower`."""
        seen = context >= 0
        seen[seen] = self.total[context[seen]] > 0
        out = lower.copy()
        c = np.where(gram[seen] >= 0, self.counts[np.maximum(gram[seen], 0)], 0)
        d = np.where(c > 0, self.d[np.clip(c, 1, 3) - 1], 0.0)
        h = context[seen]
        out[seen] = np.maximum(c - d, 0) / self.total[h] + self.gamma[h] * lower[seen]
        return out


class KneserNey:
    """Interpolated modified Kneser-Ney n-grams of every order 1..max_order over ids in [0, vocab_size)."""

    def __init__(self, ids: np.ndarray, vocab_size: int, max_order: int):
        if max_order < 1:
            raise ValueError(f"max_order={max_order!r}; expected at least 1")
        w = np.asarray(ids, dtype=np.int64)
        if len(w) == 0 or w.min() < 0 or w.max() >= vocab_size:
            raise ValueError(f"ids must be a non-empty stream in [0, {vocab_size})")
        self.vocab_size, self.max_order = vocab_size, min(max_order, len(w))
        self.keys: list[np.ndarray] = []  # per order: the sorted distinct keys; a k-gram's id is its index
        self.top: list[Estimate] = []  # the k-gram model's top order (raw counts)
        self.lower: list[Estimate] = []  # order k below a higher one (continuation counts)
        # order by order, each estimated as soon as the next order is counted, so that only two orders' ids per
        # position are held at a time (all 16 at once peaked at 3.3 GB on a 10 MB text)
        before = np.zeros(len(w) + 1, dtype=np.int64)  # the empty 0-gram ending at every position
        for k in range(1, self.max_order + 1):
            keys = before[:-1] * vocab_size + w[k - 1:]  # (N-k+1,) k-gram ending at t = k-1 .. N-1
            distinct, first, grams, raw = np.unique(keys, return_index=True, return_inverse=True, return_counts=True)
            del keys
            self.keys.append(distinct)
            if k > 1:  # N1+(. x) of order k-1: distinct k-grams whose last k-1 tokens are x
                self._estimate(k - 1, counts, np.bincount(before[1:][first], minlength=len(self.keys[k - 2])))
            before, counts = grams, raw
        self._estimate(self.max_order, counts, None)

    def _estimate(self, k: int, counts: np.ndarray, continuation: np.ndarray | None) -> None:
        """Order k's estimates from its raw counts and, below the top order, its continuation counts."""
        context = self.keys[k - 1] // self.vocab_size  # (G,) id of the (k-1)-gram before
        contexts = len(self.keys[k - 2]) if k > 1 else 1
        self.top.append(Estimate.of(counts, context, contexts))
        if continuation is not None:
            self.lower.append(Estimate.of(continuation, context, contexts))

    def _lookup(self, k: int, prefix: np.ndarray, token: np.ndarray) -> np.ndarray:
        """Ids of the k-grams (prefix id, token) in the training counts, -1 where unseen."""
        keys = self.keys[k - 1]
        key = prefix * self.vocab_size + token
        at = np.minimum(np.searchsorted(keys, key), len(keys) - 1)
        return np.where((prefix >= 0) & (keys[at] == key), at, -1)

    def log_probs(self, ids: np.ndarray) -> np.ndarray:
        """(max_order, M - 1): ln p(ids[t] | the tokens before it in `ids`) for t = 1 .. M-1, row k-1 under
        the k-gram model (k = 1 .. max_order)."""
        x = np.asarray(ids, dtype=np.int64)
        target = x[1:]
        positions = len(target)
        gram = np.zeros(len(x), dtype=np.int64)  # id of the (k-1)-gram ending at each position; 0-gram: 0
        gram_ids = []
        for k in range(1, self.max_order + 1):  # id of the k-gram ending at each position t (-1 if t < k-1)
            shifted = np.full(len(x), -1, dtype=np.int64)
            shifted[1:] = gram[:-1]
            gram = self._lookup(k, shifted if k > 1 else np.zeros(len(x), dtype=np.int64), x)
            gram_ids.append(gram)
        out = np.empty((self.max_order, positions))
        lower = np.full(positions, 1.0 / self.vocab_size)  # p_0
        for k in range(1, self.max_order + 1):
            context = gram_ids[k - 2][:-1] if k > 1 else np.zeros(positions, dtype=np.int64)  # ends at t-1
            here = gram_ids[k - 1][1:]
            out[k - 1] = np.log(self.top[k - 1].mix(here, context, lower))
            if k < self.max_order:
                lower = self.lower[k - 1].mix(here, context, lower)
        return out


RECOUNT_FIRST = 1000
RECOUNT_SHARE = 0.005
"""The first recount of `adaptive_log_probs` comes after RECOUNT_FIRST held-out tokens, or RECOUNT_SHARE of
the training tokens if more: a recount costs a count of the whole training text, and on Shakespeare's 4.5 M
characters nine of them would cost minutes for what a few thousand characters add to the counts."""


def adaptive_log_probs(train: np.ndarray, ids: np.ndarray, vocab_size: int, order: int) -> np.ndarray:
    """(M - 1,) ln p(ids[t] | the tokens before it) for t = 1 .. M-1 under the `order`-gram counted on `train` and
    the tokens of `ids` read so far, counted again after the first few (RECOUNT_FIRST, RECOUNT_SHARE) and each
    time their number doubles (a compressor's model learns the text it reads; log2(M / first) recounts)."""
    x = np.asarray(ids, dtype=np.int64)
    out = np.empty(len(x) - 1)
    first = max(RECOUNT_FIRST, int(RECOUNT_SHARE * len(train)))
    ends = [s for s in (first * 2 ** k for k in range(64)) if s < len(x) - 1]
    for start, end in zip([0, *ends], [*ends, len(x) - 1]):  # targets x[start + 1 .. end]
        model = KneserNey(np.concatenate([train, x[:start + 1]]), vocab_size, order)
        out[start:end] = model.log_probs(x[max(0, start + 1 - order):end + 1])[-1][-(end - start):]
    return out
