"""The `tag` task's model: a `SequenceTagger` (embedding [+ character BiLSTM] -> recurrent stack ->
emissions -> CRF or softmax) built from the config, and the decoded-tag accuracy the trainer logs."""
from __future__ import annotations

import torch

from rnnkit.models.tagger import IGNORE, SequenceTagger
from rnnkit.tasks.tag.config import TagConfig
from rnnkit.training.metrics import Metric

MODEL_FIELDS = ("embedding_dim", "embedding_dropout", "cell", "hidden_size", "num_layers", "bidirectional",
                "dropout", "recurrent_dropout", "inter_layer_dropout", "head_dropout", "crf", "char_dim",
                "char_hidden", "bigram_dim", "fast")
"""Config fields that are the model's constructor arguments of the same name."""


def build_model(config: TagConfig, tags: list[str], scheme: str, vocab_size: int, bigram_vocab_size: int = 0,
                char_vocab_size: int = 0) -> SequenceTagger:
    return SequenceTagger(len(tags), vocab_size, tags=tags, scheme=None if scheme == "plain" else scheme,
                          bigram_vocab_size=bigram_vocab_size, char_vocab_size=char_vocab_size,
                          **{name: getattr(config, name) for name in MODEL_FIELDS})


class DecodedAccuracy(Metric):
    """Token accuracy of the tags the model outputs (Viterbi through the CRF, else each step's argmax),
    padding left out: what `val_acc` means for a tagger."""

    name = "acc"

    def __init__(self, model: SequenceTagger):
        super().__init__(True)
        self.model = model

    def batch_state(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        mask = target != IGNORE
        crf = self.model.crf
        if crf is not None:  # the totals hand over CPU tensors; the CRF's scores may be on a GPU
            device = crf.transitions.device
            pred = crf.decode(output.detach().to(device), mask.to(device)).cpu()
        else:
            pred = output.argmax(-1)
        return torch.tensor([((pred == target) & mask).sum().item(), mask.sum().item()], dtype=torch.float64)

    def result(self, state: torch.Tensor) -> float:
        return float(state[0] / state[1]) if state[1] else 0.0


def describe(config: TagConfig) -> str:
    """`rnnkit summary` of a config: the model it would build (vocabulary and tags come from the data)."""
    chars = f" + character BiLSTM {config.char_hidden}x2" if config.char_features else ""
    if config.bigrams is not False:
        chars = f" + {config.bigram_dim}-d bigram vectors{' (character-level data)' if config.bigrams is None else ''}" + chars
    return (f"SequenceTagger: {config.embedding_dim}-d embeddings{chars} -> {config.cell} {config.hidden_size} x "
            f"{config.num_layers} {'bidirectional ' if config.bidirectional else ''}-> "
            f"{'CRF' if config.crf else 'softmax'} over the data's tags")
