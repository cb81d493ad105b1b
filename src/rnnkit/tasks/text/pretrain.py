"""`--pretrain lm`: the classifier starts from a language model of the run's own texts (ULMFiT, Howard &
Ruder 2018; Dai & Le 2015), in three steps:

1. A `LanguageModel` with the classifier's cell, sizes and vocabulary (the lm task's model fields), trained by
   the lm task's stateful truncated BPTT (`StreamWindows`, `CarriedState`, `StreamEpochs`, `fit`) on one stream
   read in 8 to 32 parallel streams (`stream_count`):
   the training texts and the `--unlabeled` ones, shuffled (seeded), each followed by id 0 as its end. It
   predicts the `pretrain_outputs` most frequent tokens, the rest as `<unk>` (the output layer is most of a
   word model's cost). A bidirectional classifier gets a second one over the same stream reversed, whose
   embedding is the first one's, frozen, so both directions read the one embedding the classifier takes.
   The validation texts are scored (perplexity), never trained on; the test texts are never read.
2. `SequenceClassifier.load_language_models` copies the embedding and the recurrent cells.
3. Fine-tuning: discriminative learning rates (`param_groups`: output layers at lr, the recurrent layer at
   lr / d, the embedding at lr / d^2, d = `lr_discount`) and gradual unfreezing (`GradualUnfreezing`: the
   output layers alone in the first epoch, the recurrent layer from the second, the embedding from the third),
   both options (`unfreeze`); by default every layer trains at one rate from the first epoch.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from rnnkit.data import read_texts
from rnnkit.data.lm_streams import StreamWindows
from rnnkit.data.text import UNK_ID, encode_tokens
from rnnkit.data.text_batches import BatchDataset
from rnnkit.data.word_vectors import ppmi_svd_vectors
from rnnkit.errors import UserError
from rnnkit.models.classifier import SequenceClassifier
from rnnkit.models.language_model import CarriedState, LanguageModel
from rnnkit.tasks.fit import fit
from rnnkit.tasks.lm import LM, LMConfig
from rnnkit.tasks.lm.data import scoring_windows
from rnnkit.tasks.lm.model import MODEL_FIELDS
from rnnkit.tasks.lm.train import StreamEpochs
from rnnkit.tasks.text.config import TextModelConfig
from rnnkit.tasks.text.data import TABLE_SUFFIXES, EncodedSplits
from rnnkit.training import Callback
from rnnkit.training.optim import DEFAULT_LR, learning_rate, make_optimizer

LM_BPTT, LM_WINDOWS = 70, 200
"""The language model's window length (ULMFiT's bptt 70) and the windows an epoch should have at least: a short
corpus is read in fewer parallel streams (8 to 32), so that it still takes enough optimizer steps (measured in
benchmarks/TASKS.md, *Pretraining as a language model*)."""


def stream_count(tokens: int) -> int:
    """Parallel streams for a stream of `tokens`: LM_WINDOWS windows an epoch, 8 to 32 streams."""
    return min(32, max(8, tokens // (LM_BPTT * LM_WINDOWS)))


END = 0
"""The id that ends each text in the stream (<pad>: never a token of a text, zeros in the classifier)."""


def read_unlabeled(path: str, column: str = "text", encoding: str = "utf-8") -> list[str]:
    """The non-empty texts of a .txt file (one per line) or of a table file's `column`."""
    source = Path(path)
    if not source.is_file():
        raise UserError(f"{path}: unlabeled text file not found")
    if source.suffix.lower() in TABLE_SUFFIXES:
        texts = read_texts(source, column, None, encoding=encoding, text_option="--unlabeled-col").texts
    else:
        try:
            texts = source.read_text(encoding=encoding).splitlines()
        except UnicodeDecodeError as err:
            raise UserError(f"{path}: byte offset {err.start}: not valid {encoding} text") from None
    texts = [t for t in texts if t.strip()]
    if not texts:
        raise UserError(f"{path}: no unlabeled text (one text per line, or a table's {column!r} column, expected)")
    return texts


class CappedTargets(BatchDataset):
    """A stream dataset whose targets outside the language model's outputs [0, K) read as `<unk>`."""

    def __init__(self, windows: BatchDataset, outputs: int):
        self.windows, self.outputs, self.batch_size = windows, outputs, windows.batch_size
        self.tokens = windows.tokens

    def set_epoch(self, epoch: int) -> None:
        self.windows.set_epoch(epoch)

    def __len__(self) -> int:
        return len(self.windows)

    def __getitem__(self, i):
        x, y = self.windows[i]
        y = torch.as_tensor(y)
        return x, torch.where(y >= self.outputs, torch.full_like(y, UNK_ID), y)  # IGNORE_INDEX (< 0) stays


def text_stream(seqs: list[np.ndarray], seed: int) -> np.ndarray:
    """The texts' ids in a seeded order, each followed by END, as one stream."""
    order = np.random.default_rng(seed).permutation(len(seqs))
    parts = [np.append(seqs[i], END) for i in order]
    return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)


def lm_config(config: TextModelConfig, tokens: int) -> LMConfig:
    """The language model's config: the classifier's cell and sizes, the lm task's word-level training
    with Adam, a cosine schedule and variational dropout."""
    return LMConfig(level="word", embedding_dim=config.embedding_dim, hidden_size=config.hidden_size,
                    num_layers=config.num_layers, cell=config.cell, fast=config.fast, dropout=config.dropout,
                    variational=True, epochs=config.pretrain_epochs, batch_size=stream_count(tokens), bptt=LM_BPTT,
                    optimizer="adam", lr=DEFAULT_LR["adam"], schedule="cosine", keep_best=False, baseline=False,
                    seed=config.seed)


def build_language_model(config: LMConfig, vocab_size: int, outputs: int) -> LanguageModel:
    """The lm task's model over the classifier's vocabulary, predicting its `outputs` most frequent ids."""
    return LanguageModel(vocab_size, output_size=outputs, **{name: getattr(config, name) for name in MODEL_FIELDS})


@dataclass
class Pretrained:
    forward: LanguageModel
    backward: LanguageModel | None
    notes: str
    """report.md's section"""
    seconds: float


def pretrain_language_models(config: TextModelConfig, data: EncodedSplits, say: Callable[[str], None],
                             quiet: bool = True) -> Pretrained:
    """Train the forward (and, for a bidirectional classifier, backward) language model on the training and
    unlabeled texts of `data`, showing the trainer's progress unless `quiet`; scored on its validation texts."""
    t0 = time.perf_counter()
    vocab_size = len(data.vocab)
    texts = [encode_tokens(data.tokens[k], data.vocab, None) for k in ("train", "unlabeled") if k in data.tokens]
    seqs = [s for part in texts for s in part]  # the training texts, then the unlabeled ones
    stream = text_stream(seqs, config.seed)
    valid = (text_stream(encode_tokens(data.tokens["valid"], data.vocab, None), config.seed)
             if "valid" in data.tokens else None)
    lm, outputs = lm_config(config, len(stream)), min(config.pretrain_outputs, vocab_size)
    unlabeled = len(data.tokens.get("unlabeled", ()))
    say(f"pretraining: a language model over {len(stream):,} tokens ({len(texts[0]):,} training texts"
        + (f", {unlabeled:,} unlabeled" if unlabeled else "") + f"), predicting the {outputs:,} most "
        f"frequent of {vocab_size:,} tokens, {lm.epochs} epochs in {lm.batch_size} streams" + (", forward and backward" if config.bidirectional else ""))
    models, lines = [], []
    for direction in ("forward", "backward")[:2 if config.bidirectional else 1]:
        flip = (lambda ids: ids[::-1].copy()) if direction == "backward" else (lambda ids: ids)
        model = build_language_model(lm, vocab_size, outputs)
        start_embedding(model, models[0] if models else None, seqs, config, say)
        perplexity, seconds = train_language_model(model, lm, flip(stream), None if valid is None else flip(valid),
                                                   quiet)
        models.append(model)
        lines.append(f"- {direction}: validation perplexity {perplexity:.1f} (over the {outputs:,} predicted "
                     f"tokens, the rest as <unk>), {seconds:.0f}s" if perplexity else f"- {direction}: {seconds:.0f}s")
        say(f"pretraining, {direction} language model: " + lines[-1][len(f"- {direction}: "):])
    seconds = time.perf_counter() - t0
    notes = (f"\n## Pretraining\n\nThe embedding and the recurrent layer started from language models "
             f"(`--pretrain lm`, ULMFiT) of the {len(texts[0]):,} training texts"
             + (f" and {unlabeled:,} unlabeled texts" if unlabeled else "")
             + f" ({len(stream):,} tokens), {lm.epochs} epochs of {lm.cell}({lm.hidden_size}) in {seconds:.0f}s; "
             f"fine-tuned with learning rates divided by {config.lr_discount:g} per layer down and "
             f"{'gradual unfreezing' if config.unfreeze == 'gradual' else 'every layer trained from the start'}.\n\n"
             + "\n".join(lines) + "\n")
    return Pretrained(models[0], models[1] if len(models) > 1 else None, notes, seconds)


def start_embedding(model: LanguageModel, first: LanguageModel | None, seqs: list[np.ndarray], config: TextModelConfig,
                    say) -> None:
    """The forward model's embedding from PPMI-SVD vectors of its texts' ids `seqs` (as the classifier's would
    start); the backward one's is the forward one's trained embedding, frozen."""
    with torch.no_grad():
        if first is not None:
            model.embedding.weight.copy_(first.embedding.weight)
            model.embedding.weight.requires_grad_(False)
        elif config.embedding_init == "ppmi-svd":
            try:
                vectors = ppmi_svd_vectors(seqs, model.vocab_size, config.embedding_dim, seed=config.seed)
                model.embedding.weight.copy_(torch.as_tensor(vectors, dtype=model.embedding.weight.dtype))
            except ValueError as err:  # texts too short to count pairs in
                say(f"pretraining: random word vectors ({err})")


def train_language_model(model: LanguageModel, config: LMConfig, stream: np.ndarray, valid: np.ndarray | None,
                         quiet: bool = True) -> tuple[float | None, float]:
    """(validation perplexity or None, seconds): the lm task's training loop, no run folder."""
    t0 = time.perf_counter()
    if len(stream) < 2 * config.batch_size:
        raise UserError(f"--pretrain lm: {len(stream)} tokens of text are too few for a language model "
                        f"({2 * config.batch_size} at least)")
    train_set = CappedTargets(StreamWindows(stream, config.batch_size, config.bptt, seed=config.seed),
                              model.decoder.out_features)
    valid_set = (CappedTargets(scoring_windows(valid, config.eval_batch_size, config, "the validation texts"),
                               model.decoder.out_features) if valid is not None and len(valid) > 2 else None)
    carried = CarriedState(model)
    fitted = fit(LM, config, None, model, train_set, valid=valid_set, summary={}, shuffle=False,
                 callbacks=[StreamEpochs(carried, config, train_set.tokens)], forward_module=carried, quiet=quiet)
    model.eval()
    return fitted.final.get("val_perplexity"), time.perf_counter() - t0


def param_groups(model: SequenceClassifier, lr: float, discount: float) -> list[dict]:
    """Discriminative learning rates: the output layers (pooling, head, hashed n-grams) at lr, the recurrent
    layer at lr / discount, the embedding at lr / discount^2."""
    embedding = [model.embedding.weight]
    rnn = list(model.rnn.parameters())
    taken = {id(p) for p in embedding + rnn}
    head = [p for p in model.parameters() if id(p) not in taken]
    return [{"params": head, "lr": lr, "name": "head"}, {"params": rnn, "lr": lr / discount, "name": "rnn"},
            {"params": embedding, "lr": lr / discount ** 2, "name": "embedding"}]


def fine_tuning(model: SequenceClassifier, config: TextModelConfig) -> tuple[torch.optim.Optimizer, list[Callback]]:
    """The optimizer of discriminative learning rates and, with unfreeze gradual, its callback."""
    lr = learning_rate(config.optimizer, config.lr)
    groups = param_groups(model, lr, config.lr_discount)
    optimizer = make_optimizer(config.optimizer, groups, lr=lr, weight_decay=config.weight_decay)
    return optimizer, [GradualUnfreezing(groups)] if config.unfreeze == "gradual" else []


class GradualUnfreezing(Callback):
    """Epoch e trains the first e + 1 groups (head; + recurrent layer; + embedding); the rest stay frozen."""

    def __init__(self, groups: list[dict]):
        self.groups = groups

    def on_epoch_begin(self, trainer, epoch: int) -> None:
        for i, group in enumerate(self.groups):
            for p in group["params"]:
                p.requires_grad_(i <= epoch)

    def on_train_end(self, trainer, logs=None) -> None:
        for group in self.groups:
            for p in group["params"]:
                p.requires_grad_(True)
