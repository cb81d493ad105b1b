"""Keras-style facade: the articles' Keras code ports line by line.

    from rnnkit.keras.models import Sequential
    from rnnkit.keras.layers import Dense, LSTM, Embedding

`Sequential` adds `compile` / `fit` / `evaluate` / `predict` (run by `rnnkit.training.Trainer`) to
`rnnkit.models.Sequential`; `layers` re-exports rnnkit's Keras-style layers. Keras' own files move both
ways without Keras installed: `models.load_model("m.keras" | "m.h5")`, `model.save("m.keras")`,
`model.save_weights` / `load_weights` (`saving`, over `config` for the architecture, `weights` for the
weight layouts and `files` for the h5/zip formats).
"""
from rnnkit.keras import layers, models

__all__ = ["layers", "models"]
