"""Helpers the example scripts share: Keras-style datasets as arrays of word ids, and the plot.

`imdb_load_data(num_words)` plays `keras.datasets.imdb.load_data(num_words=...)`: reviews as lists
of word ids (punctuation dropped, as in Keras' copy) ranked by frequency in the training set
(1 = unknown word, 0 = padding), labels 0/1, the official 25k/25k split, fetched once by `rnnkit.data`.
"""
from __future__ import annotations

import argparse

import numpy as np

from rnnkit.data import Vocabulary, get_tokenizer, load_dataset


def parse_args(description: str, *flags: tuple[str, str]) -> argparse.Namespace:
    """The examples' common options, plus a script's own on/off `flags` as (name, help) pairs."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="a fast smoke run: little data, one epoch")
    parser.add_argument("--epochs", type=int, default=None, help="override the article's number of epochs")
    parser.add_argument("--plot", default=None, help="save the accuracy/loss curves to this PNG")
    parser.add_argument("--word-vectors", action="store_true",
                        help="start the Embedding from PPMI-SVD vectors of the training texts (where supported)")
    for name, help_text in flags:
        parser.add_argument(name, action="store_true", help=help_text)
    return parser.parse_args()


def texts_to_ids(train_texts, *other_texts, num_words: int, tokenizer: str = "english"):
    """Word ids of each list of texts, with the vocabulary (`num_words` most frequent) of the first."""
    tok = get_tokenizer(tokenizer)
    train_tokens = [tok(t) for t in train_texts]
    vocab = Vocabulary.build(train_tokens, max_size=num_words)
    return [[vocab.encode(t) for t in train_tokens]] + [[vocab.encode(tok(t)) for t in texts] for texts in other_texts]


def shuffled(x: list, y: np.ndarray, seed: int = 0):
    """Keras' IMDB arrives shuffled; rnnkit's split is in blocks (neg then pos), so shuffle once."""
    order = np.random.default_rng(seed).permutation(len(x))
    return [x[i] for i in order], y[order]


def words_only(texts):
    """Keras' IMDB holds words only (punctuation stripped), so 500 steps are 500 words."""
    tok = get_tokenizer("english")
    return [" ".join(w for w in tok(t) if w[0].isalnum()) for t in texts]


def imdb_load_data(num_words: int = 10000, limit: int | None = None):
    ds = load_dataset("imdb")
    x_train, x_test = texts_to_ids(words_only(ds.train.texts), words_only(ds.test.texts), num_words=num_words)
    (x_train, y_train), (x_test, y_test) = shuffled(x_train, ds.train.labels), shuffled(x_test, ds.test.labels, 1)
    if limit:
        x_train, y_train, x_test, y_test = x_train[:limit], y_train[:limit], x_test[:limit], y_test[:limit]
    return (x_train, y_train), (x_test, y_test)


def plot_acc_and_loss(history, path: str | None) -> None:
    """Article 003's two plots: training vs validation accuracy, and loss."""
    if path is None:
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    h = history.history
    epochs = range(1, len(h["loss"]) + 1)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, key in zip(axes, ("acc", "loss")):
        ax.plot(epochs, h[key], "bo", label=f"Training {key}")
        if f"val_{key}" in h:
            ax.plot(epochs, h[f"val_{key}"], "b", label=f"Validation {key}")
        ax.set_title(f"Training and validation {key}")
        ax.legend()
    fig.savefig(path)
    print(f"plot: {path}")
