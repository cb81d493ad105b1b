"""Attention of a decoder over an encoder's outputs (the "memory"), masked over padded source steps.

With h_s the encoder's output at source step s (s = 1..S, the memory) and q_t the decoder's query
at target step t, every score is one number per (t, s), turned into weights and a context vector:

    a_t(s) = exp(score(q_t, h_s)) / sum_s' exp(score(q_t, h_s'))     (padded s' left out: a_t(s) = 0)
    c_t    = sum_s a_t(s) h_s

The three scores (Luong, Pham & Manning 2015; Bahdanau, Cho & Bengio 2015):

    dot      score(q, h) = q^T h                       (q and h of the same size)
    general  score(q, h) = q^T W_a h
    additive score(q, h) = v_a^T tanh(W_a h + U_a q)   (Bahdanau's "concat")

What does not depend on the query (W_a h_s for general and additive) is computed once per source
sentence by `keys(memory)` and reused at every decoder step; `forward` takes queries (B, Tq, Dq),
so the same layer serves one decoder step (Tq = 1) or every step of a teacher-forced sequence.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from ..validation import check_choice, check_positive

SCORES = ("dot", "general", "additive")


class Attention(nn.Module):
    """score in SCORES; query_size Dq, memory_size Dm; `attention_size` is additive's hidden width.

    forward(query (B, Tq, Dq), memory (B, S, Dm), mask (B, S) bool of real source steps, keys=None)
        -> (context (B, Tq, Dm), weights (B, Tq, S)); `keys` is `self.keys(memory)`, passed when
        the same memory serves many steps."""

    def __init__(self, score: str, query_size: int, memory_size: int, attention_size: int | None = None):
        super().__init__()
        self.score = check_choice("score", score, SCORES)
        self.query_size = check_positive("query_size", query_size)
        self.memory_size = check_positive("memory_size", memory_size)
        if score == "dot" and query_size != memory_size:
            raise ValueError(f"dot attention needs equal query and memory sizes, got {query_size} and "
                             f"{memory_size}; use score='general'")
        if score == "general":
            self.w_a = nn.Linear(memory_size, query_size, bias=False)
        elif score == "additive":
            attention_size = check_positive("attention_size", attention_size or query_size)
            self.w_a = nn.Linear(memory_size, attention_size, bias=False)
            self.u_a = nn.Linear(query_size, attention_size, bias=True)
            self.v_a = nn.Linear(attention_size, 1, bias=False)

    def keys(self, memory: Tensor) -> Tensor:
        """What the scores need of the memory, once per sentence: h_s (dot) or W_a h_s, (B, S, K)."""
        return memory if self.score == "dot" else self.w_a(memory)

    def scores(self, query: Tensor, keys: Tensor) -> Tensor:
        """score(q_t, h_s) for every t and s: (B, Tq, S)."""
        if self.score == "additive":
            hidden = torch.tanh(keys.unsqueeze(1) + self.u_a(query).unsqueeze(2))  # (B, Tq, S, A)
            return self.v_a(hidden).squeeze(-1)
        return torch.bmm(query, keys.transpose(1, 2))

    def forward(self, query: Tensor, memory: Tensor, mask: Tensor | None = None, keys: Tensor | None = None):
        scores = self.scores(query, self.keys(memory) if keys is None else keys)  # (B, Tq, S)
        if mask is not None:
            scores = scores.masked_fill(~mask.unsqueeze(1), float("-inf"))
        weights = torch.softmax(scores, dim=-1)
        return torch.bmm(weights, memory), weights

    def extra_repr(self) -> str:
        return f"{self.score!r}, query_size={self.query_size}, memory_size={self.memory_size}"
