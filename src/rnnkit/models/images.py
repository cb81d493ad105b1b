"""`SequenceImageClassifier`: images read by a recurrent classifier as sequences (article 001).

    image (B, H, W) ──[random_shift, training only]──> rows (B, H, W) or pixels (B, H*W, 1)
        ──SequenceClassifier (no embedding, no padding)──> logits (B, K)

Mode "rows" reads a 28 x 28 digit as 28 steps of 28 pixels; "pixels" as 784 steps of one pixel, the
long-memory benchmark (Le et al. 2015).
"""
from __future__ import annotations

from typing import Any, Sequence

from torch import Tensor

from ..validation import check_positive
from ..layers.augment import random_shift
from .classifier import SequenceClassifier
from .registry import register


@register("sequence_image_classifier")
class SequenceImageClassifier(SequenceClassifier):
    """Images (B, H*W) or (B, H, W) read as sequences: mode "rows" gives H steps of W pixels
    (article 001's 28 x 28), "pixels" gives H*W steps of one pixel. Defaults: LSTM(128), last state.

    max_shift > 0 moves each training image by a random offset of up to that many pixels each way
    (`rnnkit.layers.augment.random_shift`; off in eval): the cheapest cure for a row reader that learns
    the training digits by heart."""

    MODES = ("rows", "pixels")

    def __init__(self, num_classes: int = 10, *, mode: str = "rows", height: int = 28, width: int = 28,
                 cell: str = "lstm", hidden_size: int = 128, num_layers: int = 1, bidirectional: bool = False,
                 pooling: str | Sequence[str] = "last", head_dropout: float = 0.0, max_shift: int = 0, **options):
        if mode not in self.MODES:
            raise ValueError(f"mode must be one of {self.MODES}, got {mode!r}")
        if isinstance(max_shift, bool) or not isinstance(max_shift, int) or not 0 <= max_shift < min(height, width):
            raise ValueError(f"max_shift must be an integer in [0, {min(height, width)}), got {max_shift!r}")
        self.mode, self.height, self.width = mode, check_positive("height", height), check_positive("width", width)
        self.max_shift = max_shift
        super().__init__(num_classes, None, input_size=width if mode == "rows" else 1, cell=cell,
                         hidden_size=hidden_size, num_layers=num_layers, bidirectional=bidirectional,
                         pooling=pooling, head_dropout=head_dropout, **options)

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        if self.max_shift and self.training:
            x = random_shift(x.reshape(x.shape[0], self.height, self.width), self.max_shift)  # (B, H, W)
        steps, size = (self.height, self.width) if self.mode == "rows" else (self.height * self.width, 1)
        return super().forward(x.reshape(x.shape[0], steps, size), None)  # (B, steps, size)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        for key in ("vocab_size", "input_size", "embedding_dim", "embedding_dropout"):
            config.pop(key)
        return dict(config, mode=self.mode, height=self.height, width=self.width, max_shift=self.max_shift)
