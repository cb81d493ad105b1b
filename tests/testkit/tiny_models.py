"""Tiny registered models for the training, io and CLI tests (importable by subprocesses too)."""
from __future__ import annotations

import torch
from torch import nn

from rnnkit.models.registry import MODELS, register


class TinyLSTMClassifier(nn.Module):
    """Embedding -> torch LSTM -> last step -> Linear: class logits (B, C)."""

    def __init__(self, vocab: int = 4, hidden: int = 8, classes: int = 2):
        super().__init__()
        self.vocab, self.hidden, self.classes = vocab, hidden, classes
        self.embedding = nn.Embedding(vocab, hidden)
        self.lstm = nn.LSTM(hidden, hidden, batch_first=True)
        self.dropout = nn.Dropout(0.1)  # makes resume depend on restoring the RNG state
        self.out = nn.Linear(hidden, classes)

    def forward(self, x, lengths=None):
        h, _ = self.lstm(self.embedding(x))  # (B, T, H)
        if lengths is not None:
            last = h[torch.arange(h.shape[0]), lengths.long() - 1]  # (B, H)
        else:
            last = h[:, -1]  # (B, H)
        return self.out(self.dropout(last))  # (B, C)

    def get_config(self):
        return {"vocab": self.vocab, "hidden": self.hidden, "classes": self.classes}


if "tiny_lstm_classifier" not in MODELS:
    register("tiny_lstm_classifier")(TinyLSTMClassifier)
else:
    TinyLSTMClassifier = MODELS["tiny_lstm_classifier"]


def first_token_task(n: int = 512, steps: int = 6, vocab: int = 4, seed: int = 0):
    """Label = parity of the FIRST token, seen `steps` steps before the output: needs memory."""
    import numpy as np

    g = np.random.default_rng(seed)
    x = g.integers(0, vocab, (n, steps))
    y = (x[:, 0] % 2).astype(np.int64)
    return x, y
