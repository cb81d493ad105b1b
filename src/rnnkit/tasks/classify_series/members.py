"""The series task's ensemble over seeds (InceptionTime's habit of averaging its networks): members 1..M-1 of
the configured model trained as member 0 was (the same fit and validation series, the same epochs, each its
best epoch by validation loss), with seeds seed+1, seed+2, ..., each in the run folder's members/K/; then the
run folder's model becomes their `SeriesEnsemble` (model.safetensors and config.json's model entry), so
`predict`, `evaluate` and `load` read the average. Member 0's training stays the run's history and report."""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Callable

from torch import nn

from rnnkit.io.run import RunDir
from rnnkit.models.registry import model_config
from rnnkit.models.series_ensemble import SeriesEnsemble
from rnnkit.tasks.fit import Fitted, fit
from rnnkit.tasks.task import Task
from rnnkit.training import Trainer, seed_everything
from rnnkit.training import distributed as ddp
from rnnkit.training.report import model_entry_written

MEMBERS_FOLDER = "members"


def train_members(task: Task, config, run_dir: str | Path, first: Fitted, count: int, build: Callable[[], nn.Module],
                  train: tuple, valid: tuple | None, epochs: int, *, resume: bool = False,
                  say: Callable[..., None] = print) -> tuple[nn.Module, str]:
    """(the ensemble of `first`'s model and `count - 1` more members (`build()` makes each untrained, after its
    seed is set), saved as the run's model, and report.md's section on its members); with count 1, (`first`'s
    model itself, "")."""
    if count == 1:
        return first.trainer.model, ""
    models, rows = [first.trainer.model], [member_row(0, config.seed, first, valid)]
    for k in range(1, count):
        member = dataclasses.replace(config, seed=config.seed + k)
        seed_everything(member.seed)
        fitted = fit(task, member, Path(run_dir) / MEMBERS_FOLDER / str(k), build(), train, valid=valid,
                     summary={}, epochs=epochs, resume=resume, quiet=True)
        models.append(fitted.trainer.model.eval())
        rows.append(member_row(k, member.seed, fitted, valid))
        say(f"member {k} (seed {member.seed}) trained: {rows[-1]}")
    ensemble = SeriesEnsemble.of(models)
    if first.trainer.run is not None and ddp.is_main():
        save_ensemble(first.trainer.run, ensemble)
    notes = (f"\n## Members\n\nThe run's model averages the class probabilities of {count} members, the same model "
             f"trained {epochs} epochs with its own seed (member 0 is the training above; member K's folder is "
             f"{MEMBERS_FOLDER}/K/). Each member's kept epoch, on the validation series:\n\n"
             "| member | seed | val_acc | val_loss |\n|---|---|---|---|\n" + "\n".join(rows) + "\n")
    if valid is not None:
        both = scores(first, ensemble, valid, "")
        notes += f"| average | - | {both['acc']:.4f} | {both['loss']:.4f} |\n"
    return ensemble, notes


def member_row(k: int, seed: int, fitted: Fitted, valid: tuple | None) -> str:
    """A member's line of the Members table: its kept weights' validation figures."""
    logs = scores(fitted, fitted.trainer.model, valid, "") if valid is not None else {}
    return f"| {k} | {seed} | " + " | ".join(f"{logs[m]:.4f}" if m in logs else "-" for m in ("acc", "loss")) + " |"


def save_ensemble(run: RunDir, ensemble: SeriesEnsemble) -> None:
    """The run folder's model becomes `ensemble`: its weights, and config.json's model entry (written, as the
    trainer writes it, less what the task config holds)."""
    saved = run.read_config()
    saved["model"] = model_entry_written(model_config(ensemble), saved.get("task_config") or {})
    run.write_config(saved)
    run.save_model(ensemble)


def scores(fitted: Fitted, model: nn.Module, data: tuple, prefix: str) -> dict[str, float]:
    """Loss and metrics of `model` on `data`: by `fitted`'s trainer when it is that trainer's model, else (the
    ensemble) by a trainer of the same metrics."""
    trainer = fitted.trainer
    if model is not trainer.model:
        trainer = Trainer(model, metrics=[m.name for m in trainer.metrics], from_logits=trainer.from_logits,
                          quiet=True)
    return trainer.evaluate(data, batch_size=256, prefix=prefix)
