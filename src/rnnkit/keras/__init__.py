"""Keras-style facade: the articles' Keras code ports line by line.

    from rnnkit.keras.models import Sequential
    from rnnkit.keras.layers import Dense, LSTM, Embedding

`Sequential` adds `compile` / `fit` / `evaluate` / `predict` (run by `rnnkit.training.Trainer`) to
`rnnkit.models.Sequential`; `layers` re-exports rnnkit's Keras-style layers.
"""
from rnnkit.keras import layers, models

__all__ = ["layers", "models"]
