"""`LanguageModel`: the next token from the ones before, p(w_{t+1} | w_1..w_t), as Zaremba et al. (2014).

    x_t = E[w_t]                                   embedding (V, E)
    h_t^l = cell(h_{t-1}^l, h_t^{l-1}),  h_t^0 = x_t   L stacked recurrent layers (any rnnkit cell)
    z_t = h_t^L  (or P h_t^L when tied and H != E)   projection to the embedding size
    p(w_{t+1} | w_{<=t}) = softmax(W z_t + b)       W = E when tied (Press & Wolf 2017)

Regularisers, all off by default (Zaremba's small model has none):
- `dropout`: on the non-recurrent connections only (Zaremba et al.): the embeddings, between layers
  and before the softmax, a fresh mask at every step;
- `variational=True`: the same places with ONE mask per sequence for all steps (Gal & Ghahramani 2016;
  inside the stack, `Recurrent`'s variational input dropout);
- `embedding_dropout`: drop whole words of the vocabulary, E' = E * m / (1 - p) with m_v ~ Bernoulli(1 - p)
  per word type (Gal & Ghahramani; AWD-LSTM's dropoute);
- `weight_drop`: DropConnect on the recurrent matrices W_hh (AWD-LSTM), a cell option.

`forward(ids, state=None) -> (logits (B, T, V), state)`: the stateful protocol of truncated BPTT, the
state being the stack's (each (L, B, size)). `CarriedState` wraps a model for the trainer, carrying the
state from one window of a stream to the next, detached.
"""
from __future__ import annotations

from typing import Any, Iterator, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..layers import recurrent_layer
from ..layers.recurrent import variational_mask
from ..validation import check_choice, check_positive, check_rate
from .registry import register

OUTPUT_PRECISIONS = ("float32", "bfloat16")


@register("language_model")
class LanguageModel(nn.Module):
    """Embedding -> stacked recurrent layers -> (projection) -> dense to the vocabulary; see the module docstring.

    Args:
        vocab_size: V, ids in [0, V).
        embedding_dim, hidden_size, num_layers, cell: the sizes and the cell ("lstm", "gru", "rnn", "slstm",
            "mlstm", "mingru", "minlstm"; an mlstm stack trains in its parallel form: `layers.recurrent_layer`).
        dropout, variational, embedding_dropout, weight_drop: the regularisers above.
        tie_weights: the output layer's weights are the embedding (a projection H -> E when H != E).
        init_range: > 0 draws every weight from U(-r, r) as Zaremba et al. (0.1); 0 keeps the layers' own.
        fast: the recurrent runner ("auto": the fastest that serves the configuration).
        cell_options: more cell options (e.g. {"layer_norm": True}, {"zoneout": 0.1}).
        output_precision: "float32", or "bfloat16": in training the output layer's matmuls run in bf16
            (`torch.autocast`, float32 accumulation; the logits handed back in float32), the costliest
            part of a word LM's step; evaluation and generation stay in float32.
        output_size: None predicts all V ids; K < V predicts ids [0, K) only, the rest read but never
            predicted (their targets must be mapped into [0, K) by the caller, e.g. to `<unk>`): with ids ranked
            by frequency, the K most frequent, and an output layer V / K times cheaper (text pretraining).
    """

    def __init__(self, vocab_size: int, embedding_dim: int = 200, hidden_size: int = 200, num_layers: int = 2, *,
                 cell: str = "lstm", dropout: float = 0.0, variational: bool = False, embedding_dropout: float = 0.0,
                 weight_drop: float = 0.0, tie_weights: bool = False, init_range: float = 0.1, fast: str = "auto",
                 cell_options: dict[str, Any] | None = None, output_precision: str = "float32",
                 output_size: int | None = None):
        super().__init__()
        self.output_precision = check_choice("output_precision", output_precision, OUTPUT_PRECISIONS)
        for name, value in (("vocab_size", vocab_size), ("embedding_dim", embedding_dim),
                            ("hidden_size", hidden_size), ("num_layers", num_layers)):
            check_positive(name, value)
        self.dropout = check_rate("dropout", dropout)
        self.embedding_dropout = check_rate("embedding_dropout", embedding_dropout)
        self.variational = bool(variational)
        self.config = dict(vocab_size=vocab_size, embedding_dim=embedding_dim, hidden_size=hidden_size,
                           num_layers=num_layers, cell=cell, dropout=dropout, variational=variational,
                           embedding_dropout=embedding_dropout, weight_drop=weight_drop, tie_weights=tie_weights,
                           init_range=init_range, fast=fast, cell_options=dict(cell_options or {}),
                           output_precision=output_precision, output_size=output_size)
        if output_size is not None and not (isinstance(output_size, int) and 2 <= output_size <= vocab_size):
            raise ValueError(f"output_size must be an integer in [2, vocab_size={vocab_size}] or None, got {output_size!r}")
        if tie_weights and output_size not in (None, vocab_size):
            raise ValueError(f"tie_weights needs output_size equal to vocab_size ({vocab_size}), got {output_size!r}")
        options = dict(cell_options or {})
        if weight_drop:
            options["weight_drop"] = check_rate("weight_drop", weight_drop)
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        inside = dict(dropout=dropout) if self.variational else dict(inter_layer_dropout=dropout)
        self.rnn = recurrent_layer(cell, embedding_dim, hidden_size, num_layers, return_state=True, fast=fast,
                                   **(inside if num_layers > 1 or self.variational else {}), **options)
        # variational: Recurrent's mask covers every layer's input, the embeddings included
        self.input_dropout = 0.0 if self.variational else self.dropout
        out_size = self.rnn.output_size
        self.projection = nn.Linear(out_size, embedding_dim) if tie_weights and out_size != embedding_dim else None
        self.decoder = nn.Linear(embedding_dim if tie_weights else out_size, output_size or vocab_size)
        if init_range > 0:
            for p in self.parameters():
                nn.init.uniform_(p, -init_range, init_range)
        if tie_weights:
            self.decoder.weight = self.embedding.weight  # after the init: one tensor, drawn once

    def get_config(self) -> dict[str, Any]:
        return dict(self.config)

    @property
    def vocab_size(self) -> int:
        return self.embedding.num_embeddings

    def _embed(self, ids: Tensor) -> Tensor:
        weight = self.embedding.weight
        if self.training and self.embedding_dropout:
            keep = variational_mask(self.embedding_dropout, (weight.shape[0], 1), weight)  # one per word type
            weight = weight * keep
        return F.embedding(ids, weight)  # (B, T, E)

    def _drop(self, x: Tensor, p: float) -> Tensor:
        if not (self.training and p):
            return x
        if self.variational:  # one mask per sequence, shared by all steps
            return x * variational_mask(p, (x.shape[0], 1, x.shape[2]), x)
        return F.dropout(x, p, True)

    def features(self, ids: Tensor, state: Any = None) -> tuple[Tensor, Any]:
        """(z (B, T, H, or E when tied and projected), state): what the output layer reads, z_t above."""
        x = self._drop(self._embed(ids.long()), self.input_dropout)
        out, state = self.rnn(x, initial_state=state)  # (B, T, H), each (L, B, size)
        out = self._drop(out, self.dropout)
        if self.projection is not None:
            out = self.projection(out)  # (B, T, E)
        return out, state

    def forward(self, ids: Tensor, state: Any = None) -> tuple[Tensor, Any]:
        z, state = self.features(ids, state)
        return self.output(z), state  # (B, T, V), or (B, T, K) with output_size K

    def output(self, z: Tensor) -> Tensor:
        """Logits (..., V) of features z (..., H or E), in float32; bf16 matmuls in training if asked."""
        if self.training and self.output_precision == "bfloat16":
            with torch.autocast(z.device.type, dtype=torch.bfloat16):
                return self.decoder(z).float()
        return self.decoder(z)


def detach_state(state: Any) -> Any:
    if isinstance(state, Tensor):
        return state.detach()
    return None if state is None else type(state)(detach_state(s) for s in state)


class CarriedState(nn.Module):
    """`model(x) -> logits` for the trainer, carrying a stateful model's state from one call to the next,
    detached (truncated BPTT over consecutive windows of the same streams).

    The state starts from zeros at `reset()`, whenever the wrapped model switches between training and
    evaluation (a validation pass starts afresh, and so does the training after it) and when the batch
    size changes."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model
        self.state: Any = None
        self._mode: bool | None = None

    def reset(self) -> None:
        self.state = None

    def forward(self, ids: Tensor) -> Tensor:
        mode = self.model.training
        if mode != self._mode or (self.state is not None and self.state[0].shape[1] != ids.shape[0]):
            self.state, self._mode = None, mode
        logits, state = self.model(ids, self.state)
        self.state = detach_state(state)
        return logits


def next_token(logits: Tensor, temperature: float = 1.0, top_k: int | None = None, top_p: float | None = None,
               generator: torch.Generator | None = None, banned: Sequence[int] = ()) -> int:
    """One id drawn from softmax(logits / T) (article 003's reweighting: p_i^(1/T), renormalised), kept
    to the k likeliest (`top_k`) and to the smallest set holding probability `top_p` (nucleus sampling,
    Holtzman et al. 2020); T = 0 takes the argmax. `banned` ids are never drawn (e.g. `<pad>`)."""
    logits = logits.detach().float().reshape(-1).clone()  # (V,)
    if banned:
        logits[list(banned)] = float("-inf")
    if temperature == 0:
        return int(logits.argmax())
    logits = logits / temperature
    if top_k is not None and top_k < logits.numel():
        kth = torch.topk(logits, top_k).values[-1]
        logits[logits < kth] = float("-inf")
    if top_p is not None and top_p < 1.0:
        probs, order = torch.softmax(logits, -1).sort(descending=True)
        outside = probs.cumsum(0) - probs >= top_p  # the mass before a token already reaches top_p
        logits[order[outside]] = float("-inf")
    return int(torch.multinomial(torch.softmax(logits, -1), 1, generator=generator))


@torch.no_grad()
def generate_ids(model: nn.Module, prompt: Sequence[int], length: int, *, temperature: float = 1.0,
                 top_k: int | None = None, top_p: float | None = None, generator: torch.Generator | None = None,
                 banned: Sequence[int] = ()) -> Iterator[int]:
    """`length` ids sampled one at a time after `prompt` (at least one id), in eval mode. The prompt is
    read once; each new id is then ONE step from the carried state, never a re-read of the text so far."""
    if not prompt:
        raise ValueError("the prompt needs at least one id")
    was_training = model.training
    model.eval()
    try:
        logits, state = model(torch.tensor([list(prompt)]), None)  # (1, P, V)
        for i in range(length):
            token = next_token(logits[0, -1], temperature, top_k, top_p, generator, banned)
            yield token
            if i + 1 < length:
                logits, state = model(torch.tensor([[token]]), state)  # (1, 1, V)
    finally:
        model.train(was_training)
