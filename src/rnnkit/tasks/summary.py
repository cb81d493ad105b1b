"""`rnnkit summary`: a model's layers and parameter counts, from a config or a trained run folder."""
from __future__ import annotations

from pathlib import Path

from rnnkit.io.run import RunDir
from rnnkit.models.summary import model_summary
from rnnkit.tasks.registry import read_run
from rnnkit.errors import UserError
from rnnkit.tasks.runner import describe, load_config


def summarize(target: str | Path, *, trust_imports: bool = False) -> str:
    """Summary of a run folder's trained model (with its final metrics) or of the model a config builds
    (`trust_imports`: let a run folder import the modules its config names)."""
    if Path(target).is_dir():
        run = read_run(target, trust_imports=trust_imports)
        text = f"run {run.path} (task {run.task.name})\n" + model_summary(run.task.model_of(run))
        last = RunDir(run.path).last_epoch()
        if last:
            text += "\nfinal epoch: " + " ".join(f"{k}={v:.4g}" for k, v in last.items() if isinstance(v, float))
        notes = run.task.run_notes(run) if run.task.run_notes is not None else []
        return "\n".join([text, *notes])
    task, config = load_config(str(target))
    if task.summary is None:
        raise UserError(f"task {task.name!r} has no model summary")
    return describe(task, config)
