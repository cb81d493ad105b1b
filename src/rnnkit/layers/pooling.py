"""Pooling over time: a padded batch of sequences (B, T, F) -> one vector per sequence (B, F).

Article 000 names max and mean pooling over the time steps' vectors for classification; "last" is the
recurrent layer's final state; attention is additive attention (Bahdanau et al. 2015) used as Yang
et al. 2016's attention pooling. Every pooling takes `lengths` (B,), the real steps of each
post-padded sequence, and ignores the padding: a padded batch pools to what each sequence alone
gives. Without lengths every step is real. Max, mean and attention pooling also take a (B, T) mask
of real steps anywhere in its place (what `Embedding(mask_zero=True)` passes for pre-padded ids).

The modules (`LastPooling`, `MaxPooling`, `MeanPooling`, `AttentionPooling`, and `ConcatPooling`
that puts several side by side) take `forward(x, lengths=None)`. The Keras-named
`GlobalMaxPooling1D` and `GlobalAveragePooling1D` are the same max and mean as `Layer`s for
`Sequential`.
"""
from __future__ import annotations

from typing import Sequence

import torch
from torch import Tensor, nn

from ..validation import check_positive
from ..engine.masks import steps_mask
from .base import Layer, Shape

POOLINGS = ("last", "max", "mean", "attention")


def parse_pooling(pooling: str | Sequence[str]) -> list[str]:
    """"max+mean" or "max,mean" or ["max", "mean"] -> ["max", "mean"], each checked."""
    names = pooling.replace(",", "+").split("+") if isinstance(pooling, str) else list(pooling)
    names = [n.strip() for n in names if n.strip()]
    if not names or any(n not in POOLINGS for n in names) or len(set(names)) != len(names):
        raise ValueError(f"pooling must name one or more of {POOLINGS} (e.g. 'max+mean'), got {pooling!r}")
    return names


def _real_steps(x: Tensor, lengths: Tensor | None) -> Tensor | None:
    """(B, T, 1) True at real steps, to broadcast over features; None when every step is real.
    `lengths`: (B,) lengths or a (B, T) mask."""
    return None if lengths is None else steps_mask(lengths, x.shape[1], x.device).unsqueeze(-1)


def max_over_time(x: Tensor, lengths: Tensor | None = None) -> Tensor:
    """y_b = max_{t < len_b} x_{b,t} per feature. Padding is filled with the dtype's lowest value rather
    than -inf so a sequence of length 0 stays finite; any real step is larger."""
    mask = _real_steps(x, lengths)
    if mask is not None:
        x = x.masked_fill(~mask, torch.finfo(x.dtype).min)
    return x.max(1).values


def mean_over_time(x: Tensor, lengths: Tensor | None = None) -> Tensor:
    """y_b = (1 / len_b) sum_{t < len_b} x_{b,t}."""
    mask = _real_steps(x, lengths)
    if mask is None:
        return x.mean(1)
    return (x * mask).sum(1) / mask.sum(1).to(x.dtype)  # (B, F) / (B, 1)


class LastPooling(nn.Module):
    """The output at the end of each sequence: y_b = x_{b, len_b - 1}.

    With `directions=2` (a bidirectional layer's outputs, forward half then backward half) the
    backward half ends at t = 0: y_b = [x->_{b, len_b - 1} ; x<-_{b, 0}].

    `forward(x, lengths, final=...)` takes the recurrent layer's final hidden state (B, D*H) instead
    when the caller has it: the same values, and the gradient reaches the layer through its state.
    """

    def __init__(self, directions: int = 1):
        super().__init__()
        if directions not in (1, 2):
            raise ValueError(f"directions must be 1 or 2, got {directions!r}")
        self.directions = directions

    def forward(self, x: Tensor, lengths: Tensor | None = None, final: Tensor | None = None) -> Tensor:
        if final is not None:
            return final
        B, T, size = x.shape
        if lengths is not None and lengths.dim() != 1:
            raise ValueError("LastPooling needs (B,) lengths (padding at the end), not a (B, T) mask")
        ends = torch.full((B,), T - 1, device=x.device) if lengths is None else lengths.to(x.device).long() - 1
        last = x[torch.arange(B, device=x.device), ends]  # (B, D*H)
        if self.directions == 1:
            return last
        half = size // 2
        return torch.cat((last[:, :half], x[:, 0, half:]), -1)  # (B, D*H)

    def extra_repr(self) -> str:
        return f"directions={self.directions}"


class MaxPooling(nn.Module):
    """Max over the real steps of each sequence, feature by feature: (B, T, F) -> (B, F)."""

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        return max_over_time(x, lengths)


class MeanPooling(nn.Module):
    """Mean over the real steps of each sequence: (B, T, F) -> (B, F)."""

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        return mean_over_time(x, lengths)


class AttentionPooling(nn.Module):
    """Additive attention over time with a learned query:

        e_t = v . tanh(W x_t + b),   a_t = exp(e_t) / sum_{s < len} exp(e_s),   y = sum_t a_t x_t

    W (attention_size, size) and b are `proj`, v is `score`; padded steps get a_t = 0.
    """

    def __init__(self, size: int, attention_size: int):
        super().__init__()
        self.proj = nn.Linear(check_positive("size", size), check_positive("attention_size", attention_size))
        self.score = nn.Linear(attention_size, 1, bias=False)

    def weights(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        """a (B, T, 1): each sequence's attention over its steps, summing to 1 over the real ones."""
        scores = self.score(torch.tanh(self.proj(x)))  # (B, T, 1)
        mask = _real_steps(x, lengths)
        if mask is not None:
            scores = scores.masked_fill(~mask, float("-inf"))
        return torch.softmax(scores, dim=1)  # (B, T, 1)

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        return (self.weights(x, lengths) * x).sum(1)  # (B, F)


def concat_pooled(poolings: Sequence[nn.Module], x: Tensor, lengths: Tensor | None = None,
                  final: Tensor | None = None) -> Tensor:
    """[p_1(x); p_2(x); ...] (B, sum F_i); `final` goes to the `LastPooling`s."""
    return torch.cat([p(x, lengths, final) if isinstance(p, LastPooling) else p(x, lengths) for p in poolings], -1)


def make_pooling(name: str, size: int, directions: int = 1, attention_size: int = 64) -> nn.Module:
    """The pooling module for one of POOLINGS over features of `size`."""
    if name == "last":
        return LastPooling(directions)
    if name == "attention":
        return AttentionPooling(size, attention_size)
    return {"max": MaxPooling, "mean": MeanPooling}[name]()


class ConcatPooling(nn.Module):
    """Several poolings side by side, as `pooling="max+mean"` asks: y = [p_1(x); p_2(x); ...].

    `ConcatPooling.from_names("max+mean", size)` builds them from names (see `parse_pooling`).
    """

    def __init__(self, poolings: Sequence[nn.Module]):
        super().__init__()
        if not poolings:
            raise ValueError("ConcatPooling needs at least one pooling")
        self.poolings = nn.ModuleList(poolings)

    @classmethod
    def from_names(cls, pooling: str | Sequence[str], size: int, directions: int = 1,
                   attention_size: int = 64) -> "ConcatPooling":
        return cls([make_pooling(n, size, directions, attention_size) for n in parse_pooling(pooling)])

    def forward(self, x: Tensor, lengths: Tensor | None = None, final: Tensor | None = None) -> Tensor:
        return concat_pooled(self.poolings, x, lengths, final)


class GlobalMaxPooling1D(Layer):
    """Keras' name for `MaxPooling` (article 000's max pooling over time): (B, T, F) -> (B, F)."""

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (input_shape[-1],)

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        return max_over_time(x, lengths)


class GlobalAveragePooling1D(Layer):
    """Keras' name for `MeanPooling`: (B, T, F) -> (B, F)."""

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (input_shape[-1],)

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        return mean_over_time(x, lengths)
