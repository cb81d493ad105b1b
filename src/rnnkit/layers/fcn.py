"""The fully convolutional network of time series classification (Wang et al. 2017, "Time series
classification from scratch with deep neural networks"), LSTM-FCN's convolutional branch (Karim et
al. 2017): blocks of Conv1D -> batch norm -> ReLU, then the average over time.

    x (B, T, C) ──[Conv1d(k_i, "same") -> BatchNorm -> ReLU] x n──> (B, T, F_n) ──mean over real steps──> (B, F_n)

Variable lengths: every block zeroes its outputs past each series' end, so the next convolution sees
the zeros a series alone would be padded with, and batch norm's statistics count real steps only
(`masked_batch_norm`); in eval mode a padded batch gives what each series gives alone.
"""
from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..engine.masks import lengths_mask
from ..validation import check_positive


def masked_batch_norm(y: Tensor, mask: Tensor | None, norm: nn.BatchNorm1d) -> Tensor:
    """`norm` (B, C, T) with its batch statistics taken over the steps where `mask` (B, 1, T) is true.
    In training the running statistics are updated as `nn.BatchNorm1d` does (unbiased variance);
    in eval, or without a mask, it is `norm` itself."""
    if mask is None or not norm.training:
        return norm(y)
    m = mask.to(y.dtype)
    n = m.sum() * 1.0
    mean = (y * m).sum((0, 2)) / n  # (C,)
    var = (((y - mean[:, None]) ** 2) * m).sum((0, 2)) / n  # (C,) biased, as the normalisation uses
    with torch.no_grad():
        k = norm.momentum
        norm.running_mean.mul_(1 - k).add_(k * mean.detach())
        norm.running_var.mul_(1 - k).add_(k * var.detach() * n / (n - 1).clamp(min=1))
        norm.num_batches_tracked.add_(1)
    z = (y - mean[:, None]) / torch.sqrt(var[:, None] + norm.eps)
    return z * norm.weight[:, None] + norm.bias[:, None]


class FCN(nn.Module):
    """Conv1D blocks (`filters[i]` filters of width `kernels[i]`, zero "same" padding: an even kernel
    looks one step further back than ahead) with batch norm and ReLU, averaged over each series' real
    steps. forward: (B, T, C) [+ lengths (B,)] -> (B, filters[-1])."""

    def __init__(self, input_size: int, filters: Sequence[int] = (128, 256, 128), kernels: Sequence[int] = (8, 5, 3)):
        super().__init__()
        self.filters, self.kernels = [int(f) for f in filters], [int(k) for k in kernels]
        if not self.filters or len(self.filters) != len(self.kernels):
            raise ValueError(f"FCN needs one kernel width per block, got filters={list(filters)}, kernels={list(kernels)}")
        sizes = [check_positive("input_size", input_size)] + [check_positive("filters", f) for f in self.filters]
        self.convs = nn.ModuleList(nn.Conv1d(a, b, check_positive("kernels", k), padding=k // 2)
                                   for a, b, k in zip(sizes, sizes[1:], self.kernels))
        self.norms = nn.ModuleList(nn.BatchNorm1d(b) for b in sizes[1:])
        self.output_size = sizes[-1]

    def sequences(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        """(B, F_n, T): the last block's outputs, zero past each series' end."""
        T = x.shape[1]
        mask = None if lengths is None else lengths_mask(lengths, T, x.device).unsqueeze(1)  # (B, 1, T)
        h = x.transpose(1, 2) if mask is None else x.transpose(1, 2) * mask  # (B, C, T), padding read as 0
        for conv, norm in zip(self.convs, self.norms):
            h = F.relu(masked_batch_norm(conv(h)[..., :T], mask, norm))
            if mask is not None:
                h = h * mask
        return h

    @staticmethod
    def average(h: Tensor, lengths: Tensor | None = None) -> Tensor:
        """(B, F, T) block outputs, zero past each end -> (B, F), their mean over each series' real steps."""
        return h.mean(-1) if lengths is None else h.sum(-1) / lengths.to(h.dtype).clamp(min=1).unsqueeze(1)

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        return self.average(self.sequences(x, lengths), lengths)  # (B, F_n)
