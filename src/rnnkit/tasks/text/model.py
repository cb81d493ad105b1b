"""The text tasks' model: a `SequenceClassifier` (embedding -> recurrent layers -> pooling over time
-> dense) built from the config, its embedding optionally started from PPMI-SVD word vectors; the
tokenizer of a run's second model (its second view); class probabilities of encoded texts and their scores."""
from __future__ import annotations

from typing import Callable

import numpy as np
import torch

from rnnkit.data.text import encode_tokens
from rnnkit.data.text_batches import SortedBatches
from rnnkit.data.word_vectors import ppmi_svd_vectors
from rnnkit.models.classifier import SequenceClassifier
from rnnkit.tasks.text.config import TextModelConfig
from rnnkit.tasks.text.data import EncodedSplits

MODEL_FIELDS = ("embedding_dim", "ngram_buckets", "ngram_max", "embedding_dropout", "cell", "hidden_size",
                "num_layers", "bidirectional", "dropout", "recurrent_dropout", "conv_filters", "conv_kernel",
                "conv_pool", "pooling", "head_dropout", "fast")
"""Config fields that are the model's constructor arguments of the same name."""


def build_model(config: TextModelConfig, num_classes: int, vocab_size: int) -> SequenceClassifier:
    return SequenceClassifier(num_classes, vocab_size, **{name: getattr(config, name) for name in MODEL_FIELDS})


def start_from_word_vectors(model: SequenceClassifier, data: EncodedSplits, config: TextModelConfig,
                            say: Callable[[str], None]) -> None:
    """Embedding weights from PPMI-SVD vectors counted on the (uncut) training texts; on resume the
    checkpoint's trained vectors replace them."""
    import time

    t0 = time.perf_counter()
    try:
        ids = encode_tokens(data.tokens["train"], data.vocab, None)
        model.load_word_vectors(ppmi_svd_vectors(ids, len(data.vocab), config.embedding_dim, seed=config.seed))
        say(f"word vectors (PPMI-SVD over the training texts) in {time.perf_counter() - t0:.1f}s")
    except ValueError as err:  # texts too short to count pairs in: start from noise
        say(f"word vectors: random start ({err})")


def describe(config: TextModelConfig) -> str:
    """`rnnkit summary` of a config: the model it would build (the vocabulary comes from the data)."""
    build_model(config, 2, 3)  # any option the model refuses is found before training reads the data
    return (f"SequenceClassifier: {config.cell} {config.hidden_size} x {config.num_layers} "
            f"{'bidirectional ' if config.bidirectional else ''}over {config.embedding_dim}-d embeddings "
            f"(vocabulary up to {config.vocab_size:,})"
            + (f" plus hashed word {'bigrams' if config.ngram_max == 2 else f'2- to {config.ngram_max}-grams'} "
               f"({config.ngram_buckets:,} buckets)" if config.ngram_buckets else "")
            + f", pooling {config.pooling}")


SECOND_VIEW_DIR = "second-view"
CHARACTER_TOKENIZERS = ("chars", "chinese-chars")


def second_view_tokenizer(second_view: str, tokenizer: str, short: bool = False) -> str | None:
    """The tokenizer of the run's second model, or None. "auto": characters beside jieba words (the two
    err on different texts); else the same tokens again (a second seed) unless the texts are `short`
    (`short_texts`), where the baseline reads character n-grams and its blend takes the second model's
    place at a fraction of the time (benchmarks/TASKS.md, short texts)."""
    if second_view == "auto":
        if tokenizer == "chinese":
            return "chinese-chars"
        return None if short else tokenizer
    return None if second_view == "none" else second_view


@torch.no_grad()
def predict_proba(model: torch.nn.Module, seqs: list[np.ndarray], batch_size: int = 256,
                  progress: Callable[[int], None] | None = None) -> np.ndarray:
    """(N, K) class probabilities in input order, batched by length."""
    batches = SortedBatches(seqs, None, batch_size)
    model.eval()
    probs = []
    for ids, lengths in batches.loader():
        probs.append(model.predict_proba(ids, lengths).cpu().numpy())
        if progress is not None:
            progress(len(ids))
    stacked = np.concatenate(probs) if probs else np.zeros((0, getattr(model, "num_classes", 2)))
    out = np.empty_like(stacked)
    out[batches.order] = stacked
    return out


def scores(probs: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """Accuracy and mean negative log-likelihood (the training loss) of class probabilities."""
    labels = np.asarray(labels, dtype=np.int64)
    picked = probs[np.arange(len(labels)), labels]
    return {"loss": float(-np.log(np.clip(picked, 1e-12, None)).mean()), "acc": float((probs.argmax(1) == labels).mean())}
