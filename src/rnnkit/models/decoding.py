"""Greedy and beam search over a step-by-step decoder, batched over sentences (no loop over the batch).

A decoder here is anything with
    step(previous tokens (N,), state) -> (log-probabilities (N, V), new state, attention (N, S) or None)
and a state with `select(index)` (reorder the N rows) and `repeat(k)` (each row k times in a row), as
`Seq2Seq.encode` returns. Decoding starts from <s> and a hypothesis ends at </s> or after `max_len` tokens.

Beam search keeps k hypotheses per sentence; a step extends each by every token and keeps, per sentence,
the k best of the k*V extensions by their summed log-probability log p(y_1..y_t | x). A finished
hypothesis stays in its beam, extended only by </s> at no cost, so its score is frozen. At the end the
hypotheses are ranked by the length-normalised score

    score(y) = log p(y | x) / |y|^alpha        (|y| counts </s>; alpha = 0: no normalisation)

(fairseq's `lenpen`; Wu et al. 2016 use ((5 + |y|) / 6)^alpha) and the n best are returned.
With k = 1 beam search is greedy search.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from .seq2seq import BOS_ID, EOS_ID


@dataclass
class Hypotheses:
    """Decoded sequences of B sentences, n per sentence, best first.

    tokens (B, n, T) padded with </s> after each hypothesis' end; lengths (B, n) counting </s> when it
    was produced; scores (B, n) the (length-normalised) ranking score; log_probs (B, n) the sum of the
    tokens' log-probabilities; attention (B, n, T, S) the weights of each step, when kept."""

    tokens: Tensor
    lengths: Tensor
    scores: Tensor
    log_probs: Tensor
    attention: Tensor | None = None

    def sequences(self, i: int) -> list[list[int]]:
        """Sentence i's hypotheses as token id lists, </s> left out."""
        out = []
        for tokens, length in zip(self.tokens[i].tolist(), self.lengths[i].tolist()):
            seq = tokens[:length]
            out.append(seq[:-1] if seq and seq[-1] == EOS_ID else seq)
        return out


@torch.no_grad()
def greedy_search(decoder, state, batch_size: int, max_len: int, keep_attention: bool = False) -> Hypotheses:
    """The most likely next token at every step, for all B sentences at once."""
    device = state.memory.device if hasattr(state, "memory") else None
    previous = torch.full((batch_size,), BOS_ID, dtype=torch.long, device=device)
    finished = torch.zeros(batch_size, dtype=torch.bool, device=device)
    lengths = torch.zeros(batch_size, dtype=torch.long, device=device)
    total = torch.zeros(batch_size, dtype=torch.float64, device=device)
    tokens, weights = [], []
    for _ in range(max_len):
        log_probs, state, attention = decoder.step(previous, state)
        best, previous = log_probs.max(-1)
        previous = torch.where(finished, torch.full_like(previous, EOS_ID), previous)
        total += torch.where(finished, torch.zeros_like(best), best).double()
        lengths += (~finished).long()
        finished |= previous == EOS_ID
        tokens.append(previous)
        if keep_attention and attention is not None:
            weights.append(attention)
        if bool(finished.all()):
            break
    tokens = torch.stack(tokens, 1).unsqueeze(1)  # (B, 1, T)
    attention = torch.stack(weights, 1).unsqueeze(1) if weights else None
    return Hypotheses(tokens, lengths.unsqueeze(1), total.unsqueeze(1), total.unsqueeze(1), attention)


@torch.no_grad()
def beam_search(decoder, state, batch_size: int, max_len: int, beam: int = 5, nbest: int = 1,
                length_penalty: float = 1.0, keep_attention: bool = False) -> Hypotheses:
    """The `nbest` best of `beam` hypotheses per sentence, for all B sentences at once (see the module docstring)."""
    if beam < 1 or not 1 <= nbest <= beam:
        raise ValueError(f"beam={beam!r}, nbest={nbest!r}; expected beam >= 1 and 1 <= nbest <= beam")
    B, k = batch_size, beam
    state = state.repeat(k)
    device = state.memory.device if hasattr(state, "memory") else None
    scores = torch.full((B, k), float("-inf"), dtype=torch.float64, device=device)
    scores[:, 0] = 0.0  # one live hypothesis per sentence at the start: its k copies would tie
    previous = torch.full((B * k,), BOS_ID, dtype=torch.long, device=device)
    finished = torch.zeros(B, k, dtype=torch.bool, device=device)
    lengths = torch.zeros(B, k, dtype=torch.long, device=device)
    history = torch.zeros(B, k, 0, dtype=torch.long, device=device)
    weights = None
    offsets = (torch.arange(B, device=device) * k).unsqueeze(1)  # (B, 1): row of each sentence's first beam
    for _ in range(max_len):
        log_probs, state, attention = decoder.step(previous, state)
        V = log_probs.shape[-1]
        log_probs = log_probs.double().view(B, k, V)
        # a finished hypothesis continues only with </s>, at log-probability 0
        frozen = torch.full_like(log_probs, float("-inf"))
        frozen[..., EOS_ID] = 0.0
        log_probs = torch.where(finished.unsqueeze(-1), frozen, log_probs)
        candidates = (scores.unsqueeze(-1) + log_probs).view(B, k * V)
        scores, flat = candidates.topk(k, dim=-1)  # (B, k)
        origin, token = flat // V, flat % V
        rows = (offsets + origin).view(-1)  # (B*k,) rows of the hypotheses extended
        state = state.select(rows)
        history = torch.cat([history.gather(1, origin.unsqueeze(-1).expand(-1, -1, history.shape[2])),
                             token.unsqueeze(-1)], -1)
        was_finished = finished.gather(1, origin)
        lengths = lengths.gather(1, origin) + (~was_finished).long()
        finished = was_finished | (token == EOS_ID) | torch.isinf(scores)  # -inf: fewer than k live hypotheses
        if keep_attention and attention is not None:
            step = attention.view(B, k, 1, -1)
            weights = step if weights is None else torch.cat(
                [weights.gather(1, origin.view(B, k, 1, 1).expand(-1, -1, *weights.shape[2:])), step], 2)
        previous = token.view(-1)
        if bool(finished.all()):
            break
    normalised = scores / lengths.clamp(min=1).double() ** length_penalty
    normalised = torch.where(torch.isfinite(scores), normalised, torch.full_like(normalised, float("-inf")))
    ranked = normalised.argsort(dim=1, descending=True)[:, :nbest]  # (B, n)
    pick = lambda t: t.gather(1, ranked.view(B, nbest, *([1] * (t.dim() - 2))).expand(-1, -1, *t.shape[2:]))  # noqa: E731
    return Hypotheses(pick(history), pick(lengths), pick(normalised), pick(scores),
                      None if weights is None else pick(weights))


def decode(decoder, state, batch_size: int, max_len: int, beam: int = 1, nbest: int = 1,
           length_penalty: float = 1.0, keep_attention: bool = False) -> Hypotheses:
    """Greedy search for beam 1 (and one best), else beam search."""
    if beam == 1 and nbest == 1:
        return greedy_search(decoder, state, batch_size, max_len, keep_attention)
    return beam_search(decoder, state, batch_size, max_len, beam, nbest, length_penalty, keep_attention)
