"""Which time steps of a padded batch are real: the one mask-from-lengths helper every layer uses."""
from __future__ import annotations

import torch
from torch import Tensor


def lengths_mask(lengths: Tensor, steps: int, device: torch.device | str | None = None) -> Tensor:
    """(B, T) bool, True where step t < lengths[b] (a real step of sequence b), False on padding."""
    device = lengths.device if device is None else device
    return torch.arange(steps, device=device).unsqueeze(0) < lengths.to(device).unsqueeze(1)
