"""The `tag` task's model: a `SequenceTagger` (embedding [+ character BiLSTM] -> recurrent stack ->
emissions -> CRF or softmax) built from the config, and what the trainer logs of its decoded tags:
token accuracy (`acc`) and, for entity tags, entity F1 (`entity_f1`), both from one decoding a batch."""
from __future__ import annotations

import torch

from rnnkit.data.tagging import chunks
from rnnkit.models.tagger import IGNORE, SequenceTagger
from rnnkit.tasks.tag.config import TagConfig
from rnnkit.training.metrics import Metric

MODEL_FIELDS = ("embedding_dim", "embedding_dropout", "cell", "hidden_size", "num_layers", "bidirectional",
                "dropout", "recurrent_dropout", "inter_layer_dropout", "head_dropout", "char_dim",
                "char_hidden", "bigram_dim", "fast")
"""Config fields that are the model's constructor arguments of the same name."""


def build_model(config: TagConfig, tags: list[str], scheme: str, vocab_size: int, bigram_vocab_size: int = 0,
                char_vocab_size: int = 0, *, crf: bool = True, allowed: torch.Tensor | None = None) -> SequenceTagger:
    """The tagger; `crf` as `--crf` resolved (crf_choice), `allowed` (K, K) the only transitions its CRF
    may take beyond the scheme's constraints (kept in the weights file, so predict gets them back)."""
    model = SequenceTagger(len(tags), vocab_size, tags=tags, scheme=None if scheme == "plain" else scheme,
                           bigram_vocab_size=bigram_vocab_size, char_vocab_size=char_vocab_size, crf=crf,
                           **{name: getattr(config, name) for name in MODEL_FIELDS})
    if model.crf is not None and allowed is not None:
        model.crf.restrict(allowed)
    return model


class Decoded:
    """The tags the model outputs for a batch (Viterbi through the CRF, else each step's argmax), decoded
    once for all the metrics that read them: the last batch's, reused only for an output equal to a copy
    of the one decoded (an address or a version counter could repeat across batches; the values cannot
    lie)."""

    def __init__(self, model: SequenceTagger):
        self.model, self._last = model, None

    def __call__(self, output: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        last = self._last
        if last is None or last[0].shape != output.shape or not torch.equal(last[0], output.detach()):
            crf = self.model.crf
            if crf is not None:  # the totals hand over CPU tensors; the CRF's scores may be on a GPU
                device = crf.transitions.device
                pred = crf.decode(output.detach().to(device), mask.to(device)).cpu()
            else:
                pred = output.detach().argmax(-1).cpu()
            self._last = (output.detach().clone(), pred)
        return self._last[1]


class DecodedAccuracy(Metric):
    """Token accuracy of the decoded tags, padding left out: what `val_acc` means for a tagger."""

    name = "acc"

    def __init__(self, model: SequenceTagger, decoded: Decoded | None = None):
        super().__init__(True)
        self.decoded = decoded or Decoded(model)

    def batch_state(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        mask = target != IGNORE
        pred = self.decoded(output, mask)
        return torch.tensor([((pred == target) & mask).sum().item(), mask.sum().item()], dtype=torch.float64)

    def result(self, state: torch.Tensor) -> float:
        return float(state[0] / state[1]) if state[1] else 0.0


class EntityF1(Metric):
    """Entity F1 of the decoded tags (chunks as `rnnkit.data.tagging.chunks` reads them, type and both
    ends right): what `val_entity_f1` means, the figure NER runs keep their best epoch by."""

    name = "entity_f1"

    def __init__(self, model: SequenceTagger, tags: list[str], scheme: str, decoded: Decoded | None = None):
        super().__init__(True)
        self.decoded, self.tags, self.scheme = decoded or Decoded(model), tags, scheme

    def batch_state(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        mask = target != IGNORE
        pred = self.decoded(output, mask)
        hit = n_pred = n_gold = 0
        for p, g, m in zip(pred.tolist(), target.tolist(), mask.sum(1).tolist()):
            ps = set(chunks([self.tags[i] for i in p[:m]], self.scheme))
            gs = set(chunks([self.tags[i] for i in g[:m]], self.scheme))
            hit, n_pred, n_gold = hit + len(ps & gs), n_pred + len(ps), n_gold + len(gs)
        return torch.tensor([hit, n_pred, n_gold], dtype=torch.float64)

    def result(self, state: torch.Tensor) -> float:
        total = float(state[1] + state[2])
        return 2 * float(state[0]) / total if total else 0.0


def describe(config: TagConfig) -> str:
    """`rnnkit summary` of a config: the model it would build (vocabulary and tags come from the data)."""
    chars = (f" + character BiLSTM {config.char_hidden}x2{' (word tokens)' if config.char_features is None else ''}"
             if config.char_features is not False else "")
    if config.bigrams is not False:
        chars = f" + {config.bigram_dim}-d bigram vectors{' (character-level data)' if config.bigrams is None else ''}" + chars
    return (f"SequenceTagger: {config.embedding_dim}-d embeddings{chars} -> {config.cell} {config.hidden_size} x "
            f"{config.num_layers} {'bidirectional ' if config.bidirectional else ''}-> "
            f"{ {True: 'CRF', False: 'softmax'}.get(config.crf, 'CRF or softmax (--crf auto)')} over the data's tags")
