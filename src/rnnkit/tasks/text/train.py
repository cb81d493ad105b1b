"""Training a text classifier: the linear baseline (`baseline`), one model, then (second_view) a second one
with the next seed in <run>/second-view, scored on the test set as the average of both models' class
probabilities, blended with the baseline's by the weight and scaling chosen on the validation texts.

Both train on length-bucketed, post-padded batches (`rnnkit.data.text_batches`); the run folder holds,
besides the trainer's files, `vocab.json`, `labels.json` and the baseline's `baseline.json`/`baseline.npz`,
so predict and evaluate need nothing else. The test set is scored once at the end with the kept
(best-by-validation) weights.
"""
from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from rnnkit.data import LabelMap
from rnnkit.data.text import resolve_tokenizer
from rnnkit.data.text_batches import BucketedBatches, SortedBatches
from rnnkit.models.blend import accuracy
from rnnkit.models.linear_baseline import short_texts
from rnnkit.tasks.config import epochs_for, raised_epochs_note
from rnnkit.tasks.fit import finish, fit, start
from rnnkit.tasks.report import class_section, printer, test_metrics
from rnnkit.tasks.task import Task
from rnnkit.tasks.text.baseline import (Blend, RunBaseline, choose_blend, fit_run_baseline, name_of,
                                        report_section, save)
from rnnkit.tasks.text.config import TextModelConfig
from rnnkit.tasks.text.data import (LABELS_FILE, VOCAB_FILE, Split, prepare, repeats_note, unvalidated_note,
                                   with_validation)
from rnnkit.tasks.text.pretrain import fine_tuning, pretrain_language_models, read_unlabeled
from rnnkit.tasks.text.model import (CHARACTER_TOKENIZERS, SECOND_VIEW_DIR, build_model, predict_proba, scores,
                                     second_view_tokenizer, start_from_word_vectors)
from rnnkit.training import distributed as ddp
from rnnkit.training.class_report import class_report


def train_text_classifier(task: Task, config: TextModelConfig, splits: dict[str, Split | None],
                          label_map: LabelMap, run_dir: Path, data_summary: dict[str, Any], *,
                          resume: bool = False, quiet: bool = False) -> dict[str, float]:
    """Train on splits {"train": (texts, label ids), "valid": ... or None, "test": ... or None}: the baseline,
    one model, and with a second view a second one in <run_dir>/second-view; the test numbers are then the
    average's, blended with the baseline's when that scores better on the validation texts."""
    say = printer(quiet)
    baseline = None
    unlabeled = (read_unlabeled(config.unlabeled, config.unlabeled_col, getattr(config, "encoding", "utf-8"))
                 if config.unlabeled else None)  # a bad file ends the run before anything is trained
    held = with_validation(splits, config)  # the first model's; a second seed holds out its own texts
    unvalidated = unvalidated_note(held, label_map)
    if unvalidated:
        say(unvalidated)
        data_summary = {**data_summary, "classes without validation texts": unvalidated}
    repeats = repeats_note(splits, held)
    if repeats:
        say(repeats)
        data_summary = {**data_summary, "repeated texts": repeats}
    tokenizer = resolve_tokenizer(config.tokenizer, splits["train"][0])
    if config.baseline != "none" and ddp.is_main():
        baseline = fit_run_baseline(held, len(label_map), tokenizer, say)
    view = second_view_tokenizer(config.second_view, tokenizer, short_texts(splits["train"][0]))
    trained, final, probs, notes = train_one(task, config, held, tokenizer, label_map, run_dir, data_summary, resume,
                                             quiet, second_view=view or "none", unlabeled=unlabeled)
    if view is not None:
        final, probs, view_notes = average_second_view(task, config, view, splits, label_map, run_dir, data_summary,
                                                       final, probs, resume, quiet, unlabeled, trained.trainer.epochs)
        notes += view_notes
    delivered = probs.get("test")
    if baseline is not None:
        first_only = view is not None and splits.get("valid") is None
        final, baseline_notes, chosen = compare_with_baseline(config, baseline, held, probs, final, run_dir,
                                                              view is not None, first_only, say)
        notes += baseline_notes
        if delivered is not None and baseline.baseline is not None:
            delivered = chosen.apply(delivered, baseline.probs["test"])
    if delivered is not None:
        notes += delivered_class_notes(trained, splits["test"][1], delivered, label_map)
    return finish(task, config, trained, final, notes=notes, quiet=quiet)


def average_second_view(task: Task, config: TextModelConfig, view: str, splits, label_map: LabelMap, run_dir: Path,
                        data_summary: dict[str, Any], final: dict[str, float], probs: dict[str, np.ndarray],
                        resume: bool, quiet: bool, unlabeled: list[str] | None = None, first_epochs: int | None = None
                        ) -> tuple[dict[str, float], dict[str, np.ndarray], str]:
    """Train the second model and average its class probabilities with the first's: the final metrics, the
    averaged probabilities and report.md's section about it."""
    final, member_probs = train_second_view(task, config, view, splits, label_map, run_dir, data_summary, final,
                                            probs.get("test"), resume, quiet, unlabeled, first_epochs)
    # Both models score the same validation texts only when the split is given; a held-out part of the
    # training texts differs per seed (the second model trained on some of the first's).
    probs = {k: (p + member_probs[k]) / 2 if k == "test" or splits.get("valid") is not None else p
             for k, p in probs.items()}
    notes = (f"\n## Second view\n\nA second model over {view} tokens (seed {config.seed + 1}) is in "
             f"`{SECOND_VIEW_DIR}/` (its own report there); `predict` and `evaluate` average both models' class "
             "probabilities" + (", and the test numbers above are that average's."
                                if splits.get("test") is not None else ".") + "\n")
    return final, probs, notes


def delivered_class_notes(trained, labels: np.ndarray, test_probs: np.ndarray, label_map: LabelMap) -> str:
    """The per-class section of what the run delivers on the test texts (`test_probs`: the run's class
    probabilities, the model's blended with the baseline's when there is one)."""
    report = class_report(labels, test_probs.argmax(1), [str(n) for n in label_map.labels])
    run_dir = trained.trainer.run.path if trained.trainer.run else None
    return class_section(run_dir, report, what="test set, the run's prediction")


def compare_with_baseline(config: TextModelConfig, fitted: RunBaseline, splits, probs: dict[str, np.ndarray],
                          final: dict[str, float], run_dir: Path, two_views: bool, first_only: bool,
                          say) -> tuple[dict[str, float], str, Blend]:
    """Score model, baseline and their blend on the validation and test texts; choose and save the blend
    (weight and scaling); the run's test numbers become the blend's. Returns (final logs, report section,
    the blend)."""
    model_name = "the model" + (" (both views averaged)" if two_views else "")
    if fitted.baseline is None:
        return final, report_section(fitted, model_name, {}, None, ""), Blend()
    labels = {k: splits[k][1] for k in fitted.probs}
    chosen, note = Blend(), ""
    if config.blend and "valid" in probs and "valid" in fitted.probs:
        chosen = choose_blend(probs["valid"], fitted.probs["valid"], labels["valid"])
        if chosen.why:
            say(f"blend: {chosen.why}")
            note += f"\nThe run delivers {chosen.why}.\n"
        if first_only:
            note += ("\nThe blend weight and scaling were chosen with the first model's validation probabilities "
                     "(without a validation file each model holds out its own texts).\n")
    elif config.blend:
        note = "\nNo validation texts: the model's prediction is not blended.\n"
    table = {"model": {}, "baseline": {}, "run": {}}
    for k in fitted.probs:
        if k in probs:
            run_probs = chosen.apply(probs[k], fitted.probs[k])
            table["model"][k] = accuracy(probs[k], labels[k])
            table["baseline"][k] = accuracy(fitted.probs[k], labels[k])
            table["run"][k] = accuracy(run_probs, labels[k])
    final = {**final, "blend_weight": chosen.weight, "blend_scale": chosen.scaling.scale}
    if "test" in table["run"]:
        blended = scores(chosen.apply(probs["test"], fitted.probs["test"]), labels["test"])
        final.update({"test_acc_model": final["test_acc"], "test_loss_model": final["test_loss"],
                      "test_acc_baseline": table["baseline"]["test"], "test_acc": blended["acc"],
                      "test_loss": blended["loss"]})
    if ddp.is_main():
        save(fitted, run_dir, chosen, table)
    on = "test" if "test" in table["run"] else "valid"
    if on in table["run"]:
        diff = 100 * (table["run"][on] - table["baseline"][on])
        say(f"{on}: model acc={table['model'][on]:.4f}, baseline acc={table['baseline'][on]:.4f}"
            + (f", blended ({chosen.describe()}) acc={table['run'][on]:.4f}" if not chosen.plain else "")
            + f"; {diff:+.2f} points over the baseline"
            + ("" if diff > 0 else f": the model does not beat the {name_of(fitted.baseline)} baseline")
            + majority_note(labels[on], table["run"][on]))
    return final, report_section(fitted, model_name, table, chosen, note), chosen


def majority_note(labels: np.ndarray, run_acc: float) -> str:
    """What the accuracy line adds where always predicting the most frequent class scores as well as the run: 15
    texts of a rare class in 1,500 printed "acc=0.9867" for a run that never predicted it, without a word
    (probes6: c_rare1pct.csv)."""
    share = np.bincount(np.asarray(labels)).max() / max(1, len(labels))
    if run_acc > share + 1e-9:
        return ""
    return (f" (always predicting the most frequent class scores {share:.4f} too: accuracy says little here; "
            "rnnkit evaluate RUN --data FILE prints each class's recall)")


def train_one(task: Task, config: TextModelConfig, splits, tokenizer: str, label_map: LabelMap, run_dir: Path,
              data_summary: dict[str, Any], resume: bool, quiet: bool, second_view: str = "none",
              unlabeled: list[str] | None = None):
    """(fitted, final logs, {"valid"/"test": class probabilities} of the kept weights, report notes) of one
    model over `tokenizer`'s tokens trained into run_dir on `splits` (validation already held out), started
    from language models of its texts and the `unlabeled` ones with pretrain lm; `second_view` (the second
    model's tokenizer, or "none") is recorded for predict."""
    say = start(config, quiet)
    t0 = time.perf_counter()
    data = prepare(splits, config, tokenizer, Path(run_dir) / VOCAB_FILE if resume else None,
                   unlabeled if config.pretrain == "lm" else None)
    lengths = np.array([len(s) for s in data.ids["train"]])
    say(f"{len(lengths):,} training texts ({data.tokenizer} tokens, {len(data.vocab):,} in the vocabulary, "
        f"median length {int(np.median(lengths))}, {np.mean(lengths == config.maxlen):.0%} cut to {config.maxlen}), "
        f"prepared in {time.perf_counter() - t0:.1f}s")
    if ddp.is_main():
        Path(run_dir).mkdir(parents=True, exist_ok=True)
        data.vocab.save(Path(run_dir) / VOCAB_FILE)
        label_map.save(Path(run_dir) / LABELS_FILE)

    model = build_model(config, len(label_map), len(data.vocab))
    notes, tuning = "", {}
    if config.pretrain == "lm":
        if not resume:  # a resumed run's checkpoint holds the fine-tuned weights
            pretrained = pretrain_language_models(config, data, say, quiet)
            model.load_language_models(pretrained.forward, pretrained.backward)
            notes = pretrained.notes
        tuning["optimizer"], tuning["callbacks"] = fine_tuning(model, config)
    elif config.embedding_init == "ppmi-svd":
        start_from_word_vectors(model, data, config, say)
    train_set = BucketedBatches(data.ids["train"], data.labels["train"], config.batch_size, seed=config.seed)
    valid_set = SortedBatches(data.ids["valid"], data.labels["valid"], 256) if "valid" in data.ids else None
    summary = {**data_summary, "train samples": len(data.ids["train"]), "tokenizer": data.tokenizer,
               "vocabulary": len(data.vocab), "classes": ", ".join(map(str, label_map.labels)),
               "maxlen": config.maxlen, "batch size": f"{config.batch_size} (length-bucketed)"}
    for split in ("valid", "test"):
        if split in data.ids:
            summary[f"{'validation' if split == 'valid' else split} samples"] = len(data.ids[split])
    epochs = epochs_to_train(config, len(train_set), len(label_map))
    if config.epochs is None and epochs > config.default_epochs:
        say(raised_epochs_note(epochs, len(train_set), "steps", f"min_class_steps={config.min_class_steps}")
            + f" for each of {len(label_map)} classes")
    fitted = fit(task, config, run_dir, model, train_set, valid=valid_set, summary=summary, resume=resume,
                 quiet=quiet, facts={"tokenizer": data.tokenizer, "second_view": second_view}, epochs=epochs,
                 **tuning)
    final, probs = fitted.final, {}
    if "valid" in data.ids:  # kept for the baseline blend's weight
        probs["valid"] = predict_proba(model, data.ids["valid"])
    if "test" in data.ids:
        t1 = time.perf_counter()
        test_probs = probs["test"] = predict_proba(model, data.ids["test"])  # a second view averages them
        final.update({f"test_{k}": v for k, v in scores(test_probs, data.labels["test"]).items()})
        say(f"test ({len(data.ids['test']):,} texts, {time.perf_counter() - t1:.1f}s): "
            + " ".join(f"{k}={v:.4f}" for k, v in test_metrics(final).items()))
    return fitted, final, probs, notes


def epochs_to_train(config: TextModelConfig, steps_per_epoch: int, classes: int) -> int:
    """The epochs asked for; by default `default_epochs`, raised so that training takes at least `min_class_steps`
    optimizer steps per class: a small file's few batches an epoch would otherwise leave a many-class model
    untrained. Per class, because more steps cost two-class sets of a few thousand texts accuracy (TASKS.md)."""
    return epochs_for(config.epochs, config.default_epochs, config.min_class_steps * classes, steps_per_epoch)


def train_second_view(task, config: TextModelConfig, view: str, splits, label_map, run_dir: Path, data_summary,
                      final, test_probs, resume, quiet, unlabeled=None, first_epochs: int | None = None):
    """Train the second model (the next seed) into run_dir/SECOND_VIEW_DIR and score the average of both
    on the test set: (final logs with the average's test numbers, the second model's class probabilities).
    It trains `second_view_epochs`, else the first model's `first_epochs` (twice those over characters)."""
    first_epochs = first_epochs or config.epochs or config.default_epochs
    say = printer(quiet)
    epochs = config.second_view_epochs or (2 * first_epochs if view in CHARACTER_TOKENIZERS else first_epochs)
    member_dir = Path(run_dir) / SECOND_VIEW_DIR
    say(f"second view: a model over {view} tokens, seed {config.seed + 1}, {epochs} epochs, in {member_dir}")
    # The next seed: a second model over the same tokens must differ from the first (its own initial
    # weights, dropout masks and, without a validation set, its own held-out texts).
    member = replace(config, tokenizer=view, second_view="none", epochs=epochs, second_view_epochs=None,
                     seed=config.seed + 1)
    resume = resume and (member_dir / "config.json").is_file()
    member_fitted, single, member_probs, notes = train_one(task, member, with_validation(splits, member), view,
                                                          label_map, member_dir, data_summary, resume, quiet,
                                                          unlabeled=unlabeled)
    finish(task, member, member_fitted, single, notes=notes, quiet=quiet)
    ddp.barrier()
    if test_probs is None:
        return final, member_probs
    metrics = scores((test_probs + member_probs["test"]) / 2, splits["test"][1])
    say(f"test, both models averaged: acc={metrics['acc']:.4f} loss={metrics['loss']:.4f}")
    first = {f"{k}_first_view": v for k, v in final.items() if k.startswith("test_")}
    second = {f"{k}_second_view": v for k, v in single.items() if k.startswith("test_")}
    return {**final, **first, **second, "test_acc": metrics["acc"], "test_loss": metrics["loss"]}, member_probs
