"""Augmentation of training images: random changes that keep the label, drawn afresh for each image.

It runs inside a model's forward while training, as Keras' preprocessing layers (RandomTranslation)
do, so it lives with the layers: a model may use it without importing upward into `rnnkit.data`.

`random_shift` is Keras' RandomTranslation with whole-pixel offsets and fill_mode="constant": the
cheapest cure for an LSTM that reads digits row by row (article 001) and learns the training set by
heart. It draws from torch's generator on the images' device, so a seeded run repeats its shifts.
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
