"""The `lm` task's baselines, scored on the same held-out tokens as the model and with its vocabulary (a
token outside it is `<unk>` for all three), so the numbers compare:

- a Kneser-Ney n-gram (`ngram.KneserNey`) counted on the training text, its order (up to `ngram_order`)
  chosen on the validation text: the word-level baseline of the literature (PTB's KN-5: 141 perplexity);
- at character level, a file compressor given the training text: xz (LZMA, preset 9 | EXTREME, Python's
  `lzma`), bits = 8 (|xz(train + test)| - |xz(train)|) / characters(test), the price of the test text
  once the training text is known. Compressors are strong on repetitive text (program source, logs).

`Baselines` scores them and writes the lines that say, plainly, whether the model beats each.
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


def ngram_log_probs(train: np.ndarray, valid: np.ndarray, test: np.ndarray, vocab_size: int,
                    max_order: int) -> tuple[int, np.ndarray, np.ndarray]:
    """(order chosen on `valid`, ln p of every valid token but the first, of every test token but the first)
    under the Kneser-Ney n-gram counted on `train`: like the model's, each token predicted from the ones
    before it."""
    model = KneserNey(train, vocab_size, max_order)
    on_valid = model.log_probs(valid)  # (max_order, N_valid - 1)
    order = int(np.argmax(on_valid.mean(axis=1))) + 1
    return order, on_valid[order - 1], model.log_probs(test)[order - 1]


class Baselines:
    """The baselines of a run on `split` (test, or validation when the run has no test text): `metrics`
    (`{split}_ngram_*`, `{split}_xz_bpc`, `ngram_order`), the n-gram's per-token ln p on validation and on
    `split` (`ngram_valid`, `ngram_split`: a blend with the model is fitted on the first), `lines`."""

    def __init__(self, ids: dict[str, np.ndarray], vocab: Vocabulary, level: str, max_order: int, split: str = "test"):
        self.level, self.split = level, split
        self.order, self.ngram_valid, self.ngram_split = ngram_log_probs(ids["train"], ids["valid"], ids[split],
                                                                         len(vocab), max_order)
        loss = float(-self.ngram_split.mean())
        self.unit = "bpc" if level == "char" else "perplexity"
        self.metrics = {"ngram_order": self.order, f"{split}_ngram_loss": loss, f"{split}_ngram_{self.unit}": self.score(loss)}
        self.rivals = {f"Kneser-Ney {self.order}-gram (order chosen on validation, up to {max_order})": self.score(loss)}
        if level == "char":
            bits = compressor_bits(char_text(ids["train"], vocab), char_text(ids[split], vocab))
            self.metrics[f"{split}_xz_bpc"] = bits
            self.rivals["xz -9e given the training text"] = bits

    def score(self, nats: float) -> float:
        """bits per character, or perplexity at word level, of a mean ln-loss per token."""
        return nats / math.log(2) if self.level == "char" else math.exp(nats)

    def lines(self, contenders: dict[str, float]) -> list[str]:
        """The baselines' figures, then whether each contender (name -> mean ln-loss per token) beats them."""
        unit = self.unit
        lines = [f"baseline on the {self.split} text, {unit}: {name} {value:.4f}" for name, value in self.rivals.items()]
        for who, nats in contenders.items():
            mine = self.score(nats)
            for name, value in self.rivals.items():
                rival = name.split(" (")[0]
                if round(mine, 4) == round(value, 4):  # a blend that is the n-gram alone: no win to claim
                    lines.append(f"{who} ({unit} {mine:.4f}) EQUALS the {rival} ({value:.4f}) to 4 decimals")
                    continue
                verdict = "BEATS" if mine < value else "LOSES TO"
                lines.append(f"{who} ({unit} {mine:.4f}) {verdict} the {rival} ({value:.4f}, "
                             f"{'lower' if mine < value else 'higher'} by {abs(mine - value):.4f} {unit})")
        return lines
