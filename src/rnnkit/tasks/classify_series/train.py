"""Training a series classifier: a stratified validation part of the training file picks the best epoch,
which is scored once on the test file beside MiniRocket fitted on the same series (`baseline`); the run
delivers their validation-chosen blend. A named dataset's report puts the test accuracy beside the
accuracies aeon publishes for the same split."""
from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from rnnkit.models.minirocket import class_log_loss
from rnnkit.tasks.classify_series.baseline import (NAME, NEAREST, RunBaseline, accuracy, blend, choose_weight,
                                                   fit_run_baseline, nearest_neighbour, report_section, save_blend,
                                                   verdict)
from rnnkit.tasks.classify_series.config import SeriesConfig
from rnnkit.tasks.classify_series.data import LABELS_FILE, SCALING_FILE, Scaling, as_batchable, read_series_data
from rnnkit.tasks.classify_series.members import scores, train_members
from rnnkit.tasks.classify_series.model import build_model
from rnnkit.tasks.classify_series.predict import class_probabilities
from rnnkit.tasks.config import epochs_for, raised_epochs_note
from rnnkit.tasks.fit import finish, fit, start
from rnnkit.tasks.report import class_section
from rnnkit.tasks.task import Task
from rnnkit.training import distributed as ddp
from rnnkit.training.class_report import class_report, model_class_report

DEFAULT_EPOCHS = 50
MAX_MEMBERS = 3
"""The most seed members a default run averages (InceptionTime averages five; the points budget allows
three on the catalog's shorter sets)."""
POINTS_BUDGET = 12_000_000
"""Series points a default run's training reads (optimizer steps x batch x the longest series): about 5
minutes on 2 idle cores at LSTM-FCN's measured speed (TASKS.md), leaving the rest of 10 for MiniRocket and
the passes over the validation and test series. The catalog's sets train their 1000 steps within it."""


def published_notes(test_acc: float | None, published: dict[str, float]) -> str:
    """A markdown table: this run's test accuracy beside aeon's published ones on the same split."""
    if not published:
        return ""
    rows = ([f"| rnnkit (this run) | {test_acc:.4f} |"] if test_acc is not None else []) + \
           [f"| {name} | {acc:.4f} |" for name, acc in published.items()]
    return ("\n## Published accuracies on this split\n\naeon 1.6.0's example results, resample 0 (the official "
            "train/test split):\n\n| classifier | test accuracy |\n|---|---|\n" + "\n".join(rows) + "\n")


def epochs_to_train(config: SeriesConfig, steps_per_epoch: int, longest: int) -> int:
    """The epochs asked for; by default 50, raised to reach `min_steps` optimizer steps, then cut so that
    the steps read at most POINTS_BUDGET series points (steps x batch_size x the longest series): long or
    numerous series train fewer steps rather than for longer than a default run's time."""
    if config.epochs is not None:
        return config.epochs
    wanted = epochs_for(None, DEFAULT_EPOCHS, config.min_steps, steps_per_epoch)
    return max(1, min(wanted, POINTS_BUDGET // (steps_per_epoch * config.batch_size * longest)))


def members_to_train(config: SeriesConfig, epochs: int, fit_series: int, longest: int) -> int:
    """The members asked for; by default as many as MAX_MEMBERS whose training, each reading epochs x
    fit_series x longest series points, fits POINTS_BUDGET together (at least one)."""
    if config.members is not None:
        return config.members
    return max(1, min(MAX_MEMBERS, POINTS_BUDGET // (epochs * fit_series * longest)))


def run(task: Task, config: SeriesConfig, run_dir: Path, *, resume: bool = False, quiet: bool = False) -> dict[str, Any]:
    """Classify whole series (UCR/UEA .ts files) with a recurrent network, beside MiniRocket."""
    files, label_map, scaling, held, test = read_series_data(config)
    say = start(config, quiet)
    train, valid = prepare(files, held, scaling, label_map, run_dir, say)
    baseline = None
    if config.baseline and ddp.is_main():
        everything = (held.x, held.lengths, held.y)
        baseline = fit_run_baseline(len(label_map), config.seed, held.fit, held.valid, test, say, everything=everything)
        baseline.nearest = nearest_neighbour(held.fit, held.valid, test, everything)
        say(f"reference ({NEAREST}): " + (", ".join(f"{k} acc={v:.4f}" for k, v in baseline.nearest.items())
                                            or "not computed, the series are not all of one length"))
    steps_per_epoch = math.ceil(len(train[0]) / config.batch_size)
    longest = int(held.x.shape[1])
    epochs = epochs_to_train(config, steps_per_epoch, longest)
    if config.epochs is None and epochs * steps_per_epoch < config.min_steps:
        say(f"{epochs} epochs of {steps_per_epoch} steps, fewer than min_steps={config.min_steps}: series of "
            f"{longest} points train at most {POINTS_BUDGET:,} points (steps x batch x length) by default")
    elif config.epochs is None and epochs > DEFAULT_EPOCHS:
        say(raised_epochs_note(epochs, steps_per_epoch, "steps", f"min_steps={config.min_steps}"))
    members = members_to_train(config, epochs, len(train[0]), longest)
    if members > 1:
        say(f"an ensemble of {members} members (seeds {config.seed}-{config.seed + members - 1}), each trained "
            f"{epochs} epochs; their probabilities averaged")

    def build():
        return build_model(config, len(label_map), files.train.channels, longest)

    model = build()
    summary = {"data": files.source, "training series": len(files.train), "channels": files.train.channels,
               "lengths": f"{held.lengths.min()}-{held.lengths.max()}", "classes": ", ".join(map(str, label_map.labels)),
               "standardized": config.standardize, "epochs": epochs, "members": members}
    fitted = fit(task, config, run_dir, model, train, valid=valid, summary=summary, epochs=epochs,
                 resume=resume, quiet=quiet)
    model, member_notes = train_members(task, config, run_dir, fitted, members, build, train, valid, epochs,
                                        resume=resume, say=say)
    if model is not fitted.trainer.model and valid is not None:
        fitted.final.update(scores(fitted, model, valid, "val_"))  # the ensemble's, as the run delivers it
    final, notes, title = test_and_compare(task.name, fitted, model, files, held, test, baseline, label_map, run_dir,
                                           say)
    notes = member_notes + notes
    return finish(task, config, fitted, final, title=title,
                  test_notes=[f"- series: {len(files.test)}"] if files.test is not None else [],
                  notes=notes, quiet=quiet)


def prepare(files, held, scaling: Scaling, label_map, run_dir: Path, say) -> tuple[tuple, tuple | None]:
    """The training and validation arrays as the trainer reads them; the label map and scaling saved in the run
    folder."""
    train = as_batchable(*held.fit)
    valid = as_batchable(*held.valid) if held.valid is not None else None
    if ddp.is_main():
        Path(run_dir).mkdir(parents=True, exist_ok=True)
        label_map.save(Path(run_dir) / LABELS_FILE)
        scaling.save(Path(run_dir) / SCALING_FILE)
    lengths = held.lengths
    say(f"{files.source}: {len(files.train)} training series ({len(train[0])} fit, "
        f"{0 if valid is None else len(valid[0])} validation{' (--valid-data)' if files.valid is not None else ''}), "
        f"{files.train.channels} channel(s), length {lengths.min()}-{lengths.max()}, {len(label_map)} classes")
    return train, valid


def test_and_compare(name: str, fitted, model, files, held, test: tuple | None, baseline: RunBaseline | None, label_map,
                     run_dir: Path, say) -> tuple[dict, str, str]:
    """The test scores of `model` (fitted's, or the ensemble of its members), beside MiniRocket and blended with
    it where validation says so: the final metrics, report.md's sections and its title (which says when the
    model alone loses)."""
    final, test_acc, notes = fitted.final, None, ""
    if test is not None:
        t0 = time.perf_counter()
        final.update(scores(fitted, model, as_batchable(*test), "test_"))
        say(f"test ({len(files.test)} series, {time.perf_counter() - t0:.1f}s): "
            f"acc={final['test_acc']:.4f} loss={final['test_loss']:.4f}"
            + "".join(f", {k} {v:.4f}" for k, v in files.published.items() if k in ("HC2", "InceptionTime", "MiniRocket")))
    run_probs = None  # the blend's test probabilities, when the run blends
    if baseline is not None and baseline.model is not None:
        final, notes, run_probs = beside_baseline(fitted, model, baseline, held.valid, test, final, run_dir, say)
    elif baseline is not None:
        notes = report_section(baseline, {}, 0.0)
    if test is not None:
        test_acc = final.get("test_acc")
        notes = delivered_class_notes(fitted, model, test, run_probs, label_map.labels) + notes
    lost = final.get("test_acc_model", 1.0) <= final.get("test_acc_baseline", 0.0)
    title = f"{name} ({files.source}): " + (f"the model alone does NOT beat {NAME} on test" if lost
                                            else "training report")
    return final, notes + published_notes(test_acc, files.published), title


def beside_baseline(fitted, model, baseline: RunBaseline, valid: tuple | None, test: tuple | None, final: dict,
                    run_dir: Path, say) -> tuple[dict, str, np.ndarray | None]:
    """Model, MiniRocket and their blend (the weight chosen on `valid`) on the validation and test series;
    the run's test numbers become the blend's. Returns (final logs, report section, the blend's test
    probabilities when it blends anything in)."""
    split = {"valid": valid, "test": test}
    probs = {k: class_probabilities(model, *s[:2]) for k, s in split.items() if s is not None}
    weight = choose_weight(probs["valid"], baseline.probs["valid"], valid[-1]) if valid is not None else 0.0
    table = {"model": {}, "baseline": {}, "run": {}}
    for k, p in probs.items():
        table["model"][k] = accuracy(p, split[k][-1])
        table["baseline"][k] = accuracy(baseline.probs[k], split[k][-1])
        table["run"][k] = accuracy(blend(p, baseline.probs[k], weight), split[k][-1])
    final, run_probs = {**final, "blend_weight": weight}, None
    if test is not None:
        run_probs = blend(probs["test"], baseline.probs["test"], weight)
        final.update({"test_acc_model": final["test_acc"], "test_loss_model": final["test_loss"],
                      "test_acc_baseline": table["baseline"]["test"], "test_acc": table["run"]["test"],
                      "test_loss": class_log_loss(test[-1], np.clip(run_probs, 1e-12, 1), run_probs.shape[1])})
        say(verdict(table, weight, baseline.nearest.get("test")).replace("**", ""))
    if fitted.trainer.run is not None and ddp.is_main():
        save_blend(run_dir, weight, baseline, table)
    return final, report_section(baseline, table, weight), run_probs if weight else None


def delivered_class_notes(fitted, model, test: tuple, probs: np.ndarray | None, labels) -> str:
    """The per-class section of what the run delivers on the test series: the model's classes, or the blend's."""
    run = fitted.trainer.run
    if probs is None:
        report = model_class_report(model, as_batchable(*test), labels, batch_size=256,
                                    from_logits=fitted.trainer.from_logits)
        return class_section(run.path if run is not None else None, report)
    report = class_report(test[-1], probs.argmax(1), [str(n) for n in labels])
    return class_section(run.path if run is not None else None, report, what="test set, the run's prediction")
