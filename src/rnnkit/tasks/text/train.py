"""Training a text classifier: one model, then (second_view) a second one with the next seed in
<run>/second-view, scored on the test set as the average of both models' class probabilities.

Both train on length-bucketed, post-padded batches (`rnnkit.data.text_batches`); the run folder holds,
besides the trainer's files, `vocab.json` and `labels.json`, so predict and evaluate need nothing else.
The test set is scored once at the end with the kept (best-by-validation) weights.
"""
from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from rnnkit.data import LabelMap
from rnnkit.data.text_batches import BucketedBatches, SortedBatches
from rnnkit.tasks.report import printer, test_metrics, write_report
from rnnkit.tasks.runs import run_config_record
from rnnkit.tasks.text.config import TextModelConfig
from rnnkit.tasks.text.data import LABELS_FILE, VOCAB_FILE, Split, prepare, with_validation
from rnnkit.tasks.text.model import build_model, start_from_word_vectors
from rnnkit.tasks.text.predict import CHARACTER_TOKENIZERS, SECOND_VIEW_DIR, predict_proba, scores, second_view_tokenizer
from rnnkit.training import seed_everything, trainer_from_config
from rnnkit.training import distributed as ddp


def train_text_classifier(task: str, config: TextModelConfig, splits: dict[str, Split | None], label_map: LabelMap,
                          run_dir: Path, data_summary: dict[str, Any], *, resume: bool = False,
                          quiet: bool = False) -> dict[str, float]:
    """Train on splits {"train": (texts, label ids), "valid": ... or None, "test": ... or None}: one model,
    and with a second view a second one in <run_dir>/second-view; the test numbers are then the average's."""
    trainer, tokenizer, final, test_probs = train_one(task, config, splits, label_map, run_dir, data_summary,
                                                      resume, quiet)
    view = second_view_tokenizer(config.second_view, tokenizer)
    notes = ""
    if view is not None:
        final = train_second_view(task, config, view, splits, label_map, run_dir, data_summary, final,
                                  test_probs, resume, quiet)
        notes = (f"\n## Second view\n\nA second model over {view} tokens (seed {config.seed + 1}) is in "
                 f"`{SECOND_VIEW_DIR}/` (its own report there); `predict` and `evaluate` average both models' class "
                 "probabilities" + (", and the test numbers above are that average's."
                                    if splits.get("test") is not None else ".") + "\n")
    write_report(trainer, task, config, final, notes=notes, quiet=quiet)
    return final


def train_one(task: str, config: TextModelConfig, splits, label_map: LabelMap, run_dir: Path,
              data_summary: dict[str, Any], resume: bool, quiet: bool):
    """(trainer, tokenizer, final logs, test-set class probabilities or None) of one model trained into run_dir."""
    say = printer(quiet)
    seed_everything(config.seed)
    splits = with_validation(splits, config)
    t0 = time.perf_counter()
    data = prepare(splits, config, Path(run_dir) / VOCAB_FILE if resume else None)
    lengths = np.array([len(s) for s in data.ids["train"]])
    say(f"{len(lengths):,} training texts ({data.tokenizer} tokens, {len(data.vocab):,} in the vocabulary, "
        f"median length {int(np.median(lengths))}, {np.mean(lengths == config.maxlen):.0%} cut to {config.maxlen}), "
        f"prepared in {time.perf_counter() - t0:.1f}s")
    if ddp.is_main():
        Path(run_dir).mkdir(parents=True, exist_ok=True)
        data.vocab.save(Path(run_dir) / VOCAB_FILE)
        label_map.save(Path(run_dir) / LABELS_FILE)

    model = build_model(config, len(label_map), len(data.vocab))
    if config.embedding_init == "ppmi-svd":
        start_from_word_vectors(model, data, config, say)
    train_set = BucketedBatches(data.ids["train"], data.labels["train"], config.batch_size, seed=config.seed)
    valid_set = SortedBatches(data.ids["valid"], data.labels["valid"], 256) if "valid" in data.ids else None
    summary = {**data_summary, "train samples": len(data.ids["train"]), "tokenizer": data.tokenizer,
               "vocabulary": len(data.vocab), "classes": ", ".join(map(str, label_map.labels)),
               "maxlen": config.maxlen, "batch size": f"{config.batch_size} (length-bucketed)"}
    for split in ("valid", "test"):
        if split in data.ids:
            summary[f"{'validation' if split == 'valid' else split} samples"] = len(data.ids[split])
    # without validation data: keep the last weights and stop early on nothing
    cfg = config if valid_set is not None else replace(config, keep_best=False, early_stopping=None)
    trainer = trainer_from_config(model, cfg, run_dir, quiet=quiet, data_summary=summary,
                                  config=run_config_record(task, config, tokenizer=data.tokenizer))
    trainer.fit(train_set, epochs=config.epochs, validation_data=valid_set, resume=resume)
    final, test_probs = dict(trainer.final_logs), None
    if "test" in data.ids:
        if cfg.keep_best and trainer.run is not None:
            trainer.run.load_weights(model)  # score the kept (best-by-validation) weights
        t1 = time.perf_counter()
        test_probs = predict_proba(model, data.ids["test"])  # kept: a second view averages them without predicting again
        final.update({f"test_{k}": v for k, v in scores(test_probs, data.labels["test"]).items()})
        say(f"test ({len(data.ids['test']):,} texts, {time.perf_counter() - t1:.1f}s): "
            + " ".join(f"{k}={v:.4f}" for k, v in test_metrics(final).items()))
    return trainer, data.tokenizer, final, test_probs


def train_second_view(task, config: TextModelConfig, view: str, splits, label_map, run_dir: Path, data_summary,
                      final, test_probs, resume, quiet):
    """Train the second model (the next seed) into run_dir/SECOND_VIEW_DIR and score the average of both
    on the test set (returned as the run's test numbers)."""
    say = printer(quiet)
    epochs = config.second_view_epochs or (2 * config.epochs if view in CHARACTER_TOKENIZERS else config.epochs)
    member_dir = Path(run_dir) / SECOND_VIEW_DIR
    say(f"second view: a model over {view} tokens, seed {config.seed + 1}, {epochs} epochs, in {member_dir}")
    # The next seed: a second model over the same tokens must differ from the first (its own initial
    # weights, dropout masks and, without a validation set, its own held-out texts).
    member = replace(config, tokenizer=view, second_view="none", epochs=epochs, second_view_epochs=None,
                     seed=config.seed + 1)
    resume = resume and (member_dir / "config.json").is_file()
    trainer, _, single, member_probs = train_one(task, member, splits, label_map, member_dir, data_summary,
                                                 resume, quiet)
    write_report(trainer, task, member, single, quiet=quiet)
    ddp.barrier()
    if test_probs is None:
        return final
    metrics = scores((test_probs + member_probs) / 2, splits["test"][1])
    say(f"test, both models averaged: acc={metrics['acc']:.4f} loss={metrics['loss']:.4f}")
    first = {f"{k}_first_view": v for k, v in final.items() if k.startswith("test_")}
    second = {f"{k}_second_view": v for k, v in single.items() if k.startswith("test_")}
    return {**final, **first, **second, "test_acc": metrics["acc"], "test_loss": metrics["loss"]}
