"""Evaluating a trained language model: perplexity (and bits per character) over a whole text, its state
carried from the first token to the last, as the literature reports test perplexity."""
from __future__ import annotations

import math

from rnnkit.data import Vocabulary
from rnnkit.models.language_model import CarriedState
from rnnkit.tasks.lm.data import VOCAB_FILE, load_corpus, scoring_windows, text_ids
from rnnkit.tasks.task import Run
from rnnkit.training import Trainer


def evaluate(run: Run, data: str | None = None) -> dict[str, float]:
    """Loss, perplexity (and bpc at character level) on `data` (a text file) or the run's test text."""
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
    trainer = Trainer(model, metrics=["perplexity"], quiet=True, forward_module=CarriedState(model))
    metrics = trainer.evaluate(windows)
    if level == "char":
        metrics["bpc"] = math.log2(metrics["perplexity"])  # per token (the loss is per window)
    return {**metrics, "tokens": windows.tokens}
