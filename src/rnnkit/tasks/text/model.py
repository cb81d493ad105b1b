"""The text tasks' model: a `SequenceClassifier` (embedding -> recurrent layers -> pooling over time
-> dense) built from the config, its embedding optionally started from PPMI-SVD word vectors."""
from __future__ import annotations

from typing import Callable

from rnnkit.data.text import encode_tokens
from rnnkit.data.word_vectors import ppmi_svd_vectors
from rnnkit.models.classifier import SequenceClassifier
from rnnkit.tasks.text.config import TextModelConfig
from rnnkit.tasks.text.data import EncodedSplits

MODEL_FIELDS = ("embedding_dim", "embedding_dropout", "cell", "hidden_size", "num_layers", "bidirectional",
                "dropout", "recurrent_dropout", "conv_filters", "conv_kernel", "conv_pool", "pooling",
                "head_dropout", "fast")
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
            f"(vocabulary up to {config.vocab_size:,}), pooling {config.pooling}")
