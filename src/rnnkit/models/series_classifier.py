"""`SeriesClassifier`: LSTM-FCN (Karim et al. 2017, "LSTM fully convolutional networks for time series
classification"), a whole numeric series in, one label out.

    x (B, T, C) ──FCN: [Conv1D -> BatchNorm -> ReLU] x 3 ──> (B, T, F) ──mean over time──> (B, F) ──┐
               └─recurrent branch (what it reads: rnn_input) ──> (B, T', D*H) ──pooling──> (B, P) ──concat──>
                                                                        Dropout ──> Dense ──> logits (B, 1) or (B, K)

The recurrent branch reads, by `rnn_input`:
- "series": the series in time order, T steps of C features (padded steps skipped by the lengths);
- "fcn": the FCN's last block (article 003's Conv1D front end before the LSTM), max-pooled by
  `rnn_pool` steps to shorten long series, T' = ceil(T / rnn_pool);
- "shuffle": LSTM-FCN's "dimension shuffle": C steps of `steps` features (each channel's whole series,
  zero-padded to `steps`), so a univariate series is one step; needs series of at most `steps` points.
hidden_size 0 leaves the recurrent branch out (the FCN alone); fcn_filters () leaves the FCN out.
Dropout `rnn_dropout` follows the recurrent branch (LSTM-FCN's 0.8). In training, `augment_scale` and
`augment_noise` scale and jitter each series first (`rnnkit.layers.augment.scale_and_jitter`), and
`augment_slice` < 1 cuts each to a random window of that fraction of its length (`slice_windows`).
"""
from __future__ import annotations

from typing import Any, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..layers import recurrent_layer
from ..layers.augment import scale_and_jitter, slice_windows
from ..layers.fcn import FCN
from ..layers.pooling import AttentionPooling, concat_pooled, make_pooling, parse_pooling
from ..validation import check_positive, check_rate
from .choices import CELLS, RNN_INPUTS
from .registry import register


@register("series_classifier")
class SeriesClassifier(nn.Module):
    """FCN branch and recurrent branch side by side, their pooled vectors concatenated into a dense layer.

    Args:
        num_classes: 2 gives one logit (binary cross-entropy); K > 2 gives K logits.
        input_size: channels C of each series.
        fcn_filters, fcn_kernels: the FCN's blocks (Wang et al.'s 128/256/128 filters of widths 8/5/3).
        cell, hidden_size, num_layers, bidirectional, dropout, fast, cell_options: the recurrent branch,
            as `rnnkit.Recurrent` (dropout: variational input dropout inside it).
        rnn_input: "series", "fcn" or "shuffle" (module docstring); rnn_pool: the max-pooling width of "fcn";
            steps: the fixed length "shuffle" reads.
        pooling: of the recurrent branch's outputs, "last", "max", "mean", "attention", or several joined by "+".
        rnn_dropout: dropout on the recurrent branch's pooled vector; head_dropout: on the concatenation.
        augment_scale, augment_noise: training-time scaling (factor N(1, scale^2) per series and channel) and
            jitter (N(0, noise^2) per point) of the input series; 0 turns each off.
        augment_slice: training-time window slicing: each series cut to a random window of this fraction of
            its length (Le Guennec et al. 2016); 1 turns it off.
    """

    def __init__(self, num_classes: int, input_size: int, *, fcn_filters: Sequence[int] = (128, 256, 128),
                 fcn_kernels: Sequence[int] = (8, 5, 3), cell: str = "lstm", hidden_size: int = 8, num_layers: int = 1,
                 bidirectional: bool = False, rnn_input: str = "series", rnn_pool: int = 1, steps: int | None = None,
                 pooling: str | Sequence[str] = "last", attention_size: int = 64, dropout: float = 0.0,
                 rnn_dropout: float = 0.8, head_dropout: float = 0.0, augment_scale: float = 0.0,
                 augment_noise: float = 0.0, augment_slice: float = 1.0, fast: str = "auto",
                 cell_options: dict[str, Any] | None = None):
        super().__init__()
        if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2:
            raise ValueError(f"num_classes must be an integer >= 2, got {num_classes!r}")
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {CELLS}, got {cell!r}")
        if rnn_input not in RNN_INPUTS:
            raise ValueError(f"rnn_input must be one of {RNN_INPUTS}, got {rnn_input!r}")
        if not fcn_filters and not hidden_size:
            raise ValueError("SeriesClassifier needs a branch: give fcn_filters or hidden_size > 0")
        if hidden_size and rnn_input == "fcn" and not fcn_filters:
            raise ValueError("rnn_input='fcn' reads the FCN's outputs; give fcn_filters or another rnn_input")
        if hidden_size and rnn_input == "shuffle" and steps is None:
            raise ValueError("rnn_input='shuffle' reads each channel as one step of `steps` points; give steps")
        self.num_classes, self.input_size = num_classes, check_positive("input_size", input_size)
        self.cell, self.hidden_size, self.num_layers = cell, int(hidden_size), num_layers
        self.bidirectional, self.rnn_input = bool(bidirectional), rnn_input
        self.rnn_pool = check_positive("rnn_pool", rnn_pool)
        self.steps = None if steps is None else check_positive("steps", steps)
        self.pooling, self.attention_size = parse_pooling(pooling), attention_size
        self.rnn_dropout, self.head_dropout = check_rate("rnn_dropout", rnn_dropout), check_rate("head_dropout", head_dropout)
        self.fast, self.cell_options = fast, dict(cell_options or {})
        if augment_scale < 0 or augment_noise < 0:
            raise ValueError(f"augment_scale and augment_noise must be >= 0, got {augment_scale!r}, {augment_noise!r}")
        self.augment_scale, self.augment_noise = float(augment_scale), float(augment_noise)
        if not 0 < augment_slice <= 1:
            raise ValueError(f"augment_slice must be in (0, 1], got {augment_slice!r}")
        self.augment_slice = float(augment_slice)
        self.fcn = FCN(input_size, fcn_filters, fcn_kernels) if fcn_filters else None
        size = self.fcn.output_size if self.fcn is not None else 0
        self.rnn = self.attention = None
        self.poolings: tuple = ()
        if self.hidden_size:
            features = {"series": input_size, "fcn": self.fcn.output_size if self.fcn else 0, "shuffle": self.steps}[rnn_input]
            self.rnn = recurrent_layer(cell, features, self.hidden_size, num_layers, bidirectional=bidirectional,
                                       return_sequences=True, return_state=True, dropout=dropout, fast=fast,
                                       **self.cell_options)
            out = self.rnn.output_size
            self.attention = AttentionPooling(out, check_positive("attention_size", attention_size)) \
                if "attention" in self.pooling else None  # the one pooling with weights, registered once
            self.poolings = tuple(self.attention if n == "attention" else make_pooling(n, out, self.rnn.num_directions)
                                  for n in self.pooling)
            size += out * len(self.pooling)
        self.head = nn.Linear(size, 1 if num_classes == 2 else num_classes)

    @property
    def longest(self) -> int | None:
        """The most points a series may have: `steps` for the dimension shuffle, else None (any length)."""
        return self.steps if self.rnn is not None and self.rnn_input == "shuffle" else None

    @property
    def output_activation(self) -> str:
        return "sigmoid" if self.num_classes == 2 else "softmax"

    def recurrent_input(self, x: Tensor, lengths: Tensor | None, fcn_steps: Tensor | None) -> tuple[Tensor, Tensor | None]:
        """What the recurrent branch reads (B, T', F') and its lengths."""
        if self.rnn_input == "series":
            return x, lengths
        if self.rnn_input == "fcn":
            h = fcn_steps  # (B, F, T), zero past each end and >= 0 (ReLU): pooled windows ignore the padding
            if self.rnn_pool > 1:
                h = F.max_pool1d(h, self.rnn_pool, self.rnn_pool, ceil_mode=True)
                lengths = None if lengths is None else -(-lengths // self.rnn_pool)
            return h.transpose(1, 2), lengths
        if x.shape[1] > self.longest:
            raise ValueError(f"rnn_input='shuffle' reads series of at most steps={self.steps} points, got {x.shape[1]}")
        return F.pad(x, (0, 0, 0, self.steps - x.shape[1])).transpose(1, 2), None  # (B, C, steps), padding is 0

    def features(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        """The concatenated branch vectors (B, P) the output layer reads."""
        x = x.to(self.head.weight.dtype)
        if self.training and (self.augment_scale or self.augment_noise):
            x = scale_and_jitter(x, self.augment_scale, self.augment_noise)
        if self.training and self.augment_slice < 1:
            x, lengths = slice_windows(x, None if lengths is None else torch.as_tensor(lengths), self.augment_slice)
        if lengths is not None:
            lengths = torch.as_tensor(lengths, device=x.device).long().clamp(1, x.shape[1])
            x = x * (torch.arange(x.shape[1], device=x.device) < lengths[:, None]).unsqueeze(-1)  # padding reads as 0
        parts, steps = [], None
        if self.fcn is not None:
            steps = self.fcn.sequences(x, lengths)  # (B, F, T)
            parts.append(self.fcn.average(steps, lengths))
        if self.rnn is not None:
            h, h_lengths = self.recurrent_input(x, lengths, steps)
            out, state = self.rnn(h, lengths=h_lengths)
            final = torch.cat(tuple(state[0][-self.rnn.num_directions:]), -1) if "last" in self.pooling else None
            parts.append(F.dropout(concat_pooled(self.poolings, out, h_lengths, final), self.rnn_dropout, self.training))
        return torch.cat(parts, -1)

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        return self.head(F.dropout(self.features(x, lengths), self.head_dropout, self.training))

    def predict_proba(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        """(B, K) class probabilities, also for two classes."""
        logits = self.forward(x, lengths)
        if self.num_classes == 2:
            p = torch.sigmoid(logits)
            return torch.cat((1 - p, p), -1)
        return torch.softmax(logits, -1)

    def get_config(self) -> dict[str, Any]:
        return dict(num_classes=self.num_classes, input_size=self.input_size,
                    fcn_filters=list(self.fcn.filters) if self.fcn else [], fcn_kernels=list(self.fcn.kernels) if self.fcn else [],
                    cell=self.cell, hidden_size=self.hidden_size, num_layers=self.num_layers,
                    bidirectional=self.bidirectional, rnn_input=self.rnn_input, rnn_pool=self.rnn_pool, steps=self.steps,
                    pooling="+".join(self.pooling), attention_size=self.attention_size,
                    dropout=self.rnn.dropout if self.rnn is not None else 0.0, rnn_dropout=self.rnn_dropout,
                    head_dropout=self.head_dropout, augment_scale=self.augment_scale,
                    augment_noise=self.augment_noise, augment_slice=self.augment_slice, fast=self.fast,
                    cell_options=self.cell_options)
