"""The `lm` task's model: a `LanguageModel` built from the config, and its one-line description."""
from __future__ import annotations

from rnnkit.models.language_model import LanguageModel
from rnnkit.tasks.lm.config import LMConfig

MODEL_FIELDS = ("embedding_dim", "hidden_size", "num_layers", "cell", "dropout", "variational", "embedding_dropout",
                "weight_drop", "tie_weights", "init_range", "fast", "output_precision")
"""Config fields that are the model's constructor arguments of the same name."""


def build_model(config: LMConfig, vocab_size: int) -> LanguageModel:
    return LanguageModel(vocab_size, **{name: getattr(config, name) for name in MODEL_FIELDS})


def describe(config: LMConfig) -> str:
    """`rnnkit summary` of a config: the model it would build (the vocabulary comes from the data)."""
    tied = ", tied embeddings" if config.tie_weights else ""
    return (f"LanguageModel: {config.num_layers} x {config.cell}({config.hidden_size}) over "
            f"{config.embedding_dim}-d embeddings{tied}, dropout {config.dropout}"
            f"{' (variational)' if config.variational else ''}; bptt {config.bptt}, batch {config.batch_size}")
