"""Augmentation of training images and series: random changes that keep the label, drawn afresh for each
image or series.

It runs inside a model's forward while training, as Keras' preprocessing layers (RandomTranslation)
do, so it lives with the layers: a model may use it without importing upward into `rnnkit.data`.

`random_shift` is Keras' RandomTranslation with whole-pixel offsets and fill_mode="constant": the
cheapest cure for an LSTM that reads digits row by row (article 001) and learns the training set by
heart. `scale_and_jitter` is Um et al. (2017)'s scaling and jittering of sensor series: each channel of
each series times its own factor from N(1, scale^2), plus N(0, noise^2) on every point. `slice_windows` is
Le Guennec et al. (2016)'s window slicing: each series cut to a random window of a fraction of its length.
All draw from torch's generator on the data's device, so a seeded run repeats them.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def random_shift(images: Tensor, max_shift: int) -> Tensor:
    """Each image (B, H, W) moved by its own random whole-pixel offset in [-max_shift, max_shift]
    along each axis, the uncovered border filled with 0."""
    b, height, width = images.shape
    padded = F.pad(images, (max_shift,) * 4)  # (B, H + 2s, W + 2s)
    offsets = torch.randint(0, 2 * max_shift + 1, (2, b, 1), device=images.device)  # (2, B, 1)
    rows = offsets[0] + torch.arange(height, device=images.device)  # (B, H)
    cols = offsets[1] + torch.arange(width, device=images.device)  # (B, W)
    batch = torch.arange(b, device=images.device).view(b, 1, 1)
    return padded[batch, rows.unsqueeze(2), cols.unsqueeze(1)]  # (B, H, W)


def scale_and_jitter(series: Tensor, scale: float, noise: float) -> Tensor:
    """(B, T, C) series, each channel of each series multiplied by a factor drawn from N(1, scale^2),
    then each point moved by N(0, noise^2)."""
    out = series
    if scale:
        out = out * (1 + scale * torch.randn(series.shape[0], 1, series.shape[2], device=series.device, dtype=series.dtype))
    if noise:
        out = out + noise * torch.randn_like(series)
    return out


def slice_windows(series: Tensor, lengths: Tensor | None, fraction: float) -> tuple[Tensor, Tensor]:
    """Each series of (B, T, C), of lengths (B,) (None: all T), cut to a random window of ceil(fraction x its
    length) consecutive real points, uniformly placed, moved to the front: (windows (B, W, C), their lengths
    (B,)), W the longest window; what lies past a window's length is left for the caller's mask."""
    b, t, c = series.shape
    lengths = torch.full((b,), t, device=series.device) if lengths is None else lengths.to(series.device).long()
    width = torch.ceil(lengths * fraction).long().clamp(1)  # (B,)
    start = (torch.rand(b, device=series.device) * (lengths - width + 1)).long()  # (B,) in [0, L - w]
    steps = (start[:, None] + torch.arange(int(width.max()), device=series.device)).clamp(max=t - 1)  # (B, W)
    return series.gather(1, steps.unsqueeze(-1).expand(-1, -1, c)), width  # (B, W, C), (B,)
