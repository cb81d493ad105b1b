"""Evaluating a trained language model: perplexity (and bits per character) over a whole text, every token
but the first predicted once from the text before it (`ScoringStreams`: parallel streams, each after a
burn-in of the text before its part; one stream carries the state from the first token to the last)."""
from __future__ import annotations

import math
import time

from rnnkit.data import Vocabulary
from rnnkit.data.lm_streams import ScoringStreams
from rnnkit.models.language_model import CarriedState
from rnnkit.tasks.lm.data import VOCAB_FILE, load_corpus, scoring_windows, text_ids
from rnnkit.tasks.task import Run
from rnnkit.training import Trainer


def score(trainer: Trainer, carried: CarriedState, windows: ScoringStreams, level: str,
          prefix: str = "") -> dict[str, float]:
    """{prefix + loss (mean nats per scored token), perplexity, bpc (characters), tokens_per_s} of one pass."""
    t0 = time.perf_counter()
    carried.reset()
    metrics = trainer.evaluate(windows, prefix=prefix)
    seconds = time.perf_counter() - t0
    nats = math.log(metrics[f"{prefix}perplexity"])  # the trainer's loss is a mean of window means
    metrics[f"{prefix}loss"] = nats
    if level == "char":
        metrics[f"{prefix}bpc"] = nats / math.log(2)
    metrics[f"{prefix}tokens_per_s"] = windows.tokens / seconds
    return metrics


def evaluate(run: Run, data: str | None = None) -> dict[str, float]:
    """Loss, perplexity (and bpc at character level) on `data` (a text file) or the run's test text (its
    own held-out test part for a run trained on --data alone)."""
    config, level = run.config, (run.saved.get("data") or {}).get("level", "word")
    vocab = Vocabulary.load(run.file(VOCAB_FILE))
    if data is not None:
        ids, what = text_ids(data, level, vocab, config.encoding), data
    else:
        corpus = load_corpus(config, vocab)
        split = "test" if "test" in corpus.ids else "valid"
        ids, what = corpus.ids[split], corpus.names[split]
    model = run.task.model_of(run)
    windows = scoring_windows(ids, config.test_batch_size, config, what)
    carried = CarriedState(model)
    trainer = Trainer(model, metrics=["perplexity"], quiet=True, forward_module=carried)
    return {**score(trainer, carried, windows, level), "tokens": windows.tokens, "text": what}
