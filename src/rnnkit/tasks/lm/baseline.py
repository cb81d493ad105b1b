"""The `lm` task's baselines, scored on the same held-out tokens as the model and with its vocabulary (a
token outside it is `<unk>` for all three), so the numbers compare:

- a Kneser-Ney n-gram (`ngram.KneserNey`) counted on the training text, its order (up to `ngram_order`)
  chosen on the validation text: the word-level baseline of the literature (PTB's KN-5: 141 perplexity);
- at character level, a file compressor given the training text: xz (LZMA, preset 9 | EXTREME, Python's
  `lzma`), bits = 8 (|xz(train + test)| - |xz(train)|) / characters(test), the price of the test text
  once the training text is known. Compressors are strong on repetitive text (program source, logs).

`compare` scores them and writes the lines that say, plainly, whether the model beats each.
"""
from __future__ import annotations

import lzma
import math

import numpy as np

from rnnkit.data import Vocabulary
from rnnkit.data.text import UNK_ID
from rnnkit.tasks.lm.ngram import KneserNey

XZ_PRESET = 9 | lzma.PRESET_EXTREME
UNK_CHAR = "\ufffd"
"""The character a compressor sees for `<unk>` (the model and the n-gram see one token for every unknown)."""


def xz_bytes(text: str) -> int:
    return len(lzma.compress(text.encode("utf-8"), preset=XZ_PRESET))


def compressor_bits(train: str, test: str) -> float:
    """Bits per character of `test` given `train`: 8 (|xz(train + test)| - |xz(train)|) / len(test)."""
    if not test:
        raise ValueError("the test text is empty")
    return 8 * (xz_bytes(train + test) - xz_bytes(train)) / len(test)


def char_text(ids: np.ndarray, vocab: Vocabulary) -> str:
    """A character-level id stream as text, `<unk>` as U+FFFD."""
    itos = [UNK_CHAR if i == UNK_ID else t for i, t in enumerate(vocab.itos)]
    return "".join(itos[i] for i in ids)


def ngram_losses(train: np.ndarray, valid: np.ndarray, test: np.ndarray, vocab_size: int,
                 max_order: int) -> tuple[int, float]:
    """(order chosen on `valid`, mean ln-loss per predicted test token) of the Kneser-Ney n-gram on `train`.
    Like the model's test pass, every token but the first is predicted from the ones before it."""
    model = KneserNey(train, vocab_size, max_order)
    order = int(np.argmax(model.log_probs(valid).mean(axis=1))) + 1
    return order, float(-model.log_probs(test)[order - 1].mean())


def compare(ids: dict[str, np.ndarray], vocab: Vocabulary, level: str, max_order: int,
            model_loss: float | None, split: str = "test", who: str = "the model") -> tuple[dict[str, float], list[str]]:
    """The baselines' metrics on `split` (keys `{split}_ngram_*`, `{split}_xz_bpc`, `ngram_order`) and the
    lines saying how the model (its mean ln-loss per token on the same split, if scored) compares."""
    order, loss = ngram_losses(ids["train"], ids["valid"], ids[split], len(vocab), max_order)
    unit = "bpc" if level == "char" else "perplexity"

    def score(nats: float) -> float:
        return nats / math.log(2) if level == "char" else math.exp(nats)

    metrics = {"ngram_order": order, f"{split}_ngram_loss": loss, f"{split}_ngram_{unit}": score(loss)}
    rivals = {f"Kneser-Ney {order}-gram (order chosen on validation, up to {max_order})": score(loss)}
    if level == "char":
        bits = compressor_bits(char_text(ids["train"], vocab), char_text(ids[split], vocab))
        metrics[f"{split}_xz_bpc"] = bits
        rivals["xz -9e given the training text"] = bits
    lines = [f"baseline on the {split} text, {unit}: {name} {value:.4f}" for name, value in rivals.items()]
    if model_loss is not None:
        mine = score(model_loss)
        for name, value in rivals.items():
            verdict = "BEATS" if mine < value else "LOSES TO"
            lines.append(f"{who} ({unit} {mine:.4f}) {verdict} the {name.split(' (')[0]} ({value:.4f}, "
                         f"{'lower' if mine < value else 'higher'} by {abs(mine - value):.4f} {unit})")
    return metrics, lines
