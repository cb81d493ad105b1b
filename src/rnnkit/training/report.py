"""What a run folder says about its training: config.json's settings and report.md.

config.json holds what rebuilds the model (its registry config) and the training settings, each value
once (what the task config says is not repeated under "model" or "training");
report.md the final metrics, the data summary, the model's size and how the training went.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rnnkit.io.run import FROM_TASK_CONFIG
from rnnkit.training.callbacks import stop_message

if TYPE_CHECKING:
    from rnnkit.training.trainer import Trainer


def training_report(trainer: Trainer, logs: dict[str, float], title: str = "Training report") -> str:
    n_params = sum(p.numel() for p in trainer.model.parameters())
    seconds = float(trainer.train_seconds)
    epochs_done = len(trainer.history.epoch)
    samples = trainer.data_summary.get("train samples", 0) * epochs_done
    batch_size = "?" if trainer.batch_size is None else trainer.batch_size  # no fit yet
    lines = [f"# {title}", "", "## Final metrics", "", "| metric | value |", "|---|---|"]
    lines += [f"| {k} | {v:.6g} |" for k, v in logs.items()]
    lines += ["", "## Data", ""] + [f"- {k}: {v}" for k, v in trainer.data_summary.items()]
    lines += ["", "## Model", "", f"- class: {type(trainer.model).__name__}", f"- parameters: {n_params:,}"]
    lines += ["", "## Training", "", f"- epochs run: {epochs_done}", f"- optimizer steps: {trainer.global_step}",
              f"- batch size: {batch_size}", f"- optimizer: {trainer.optimizer_name}",
              f"- loss: {trainer.loss_name}", f"- processes: {trainer.world}",
              f"- wall time: {seconds:.1f} s ({seconds / max(1, epochs_done):.1f} s/epoch, "
              f"{samples / max(seconds, 1e-9):.0f} samples/s)", ""]
    if trainer.stop_reason is not None:
        lines.insert(-1, f"- stopped: {stop_message(trainer.stop_reason)}")
    if trainer.watch.notes:  # skipped steps, exploding gradients (training.numerics)
        lines += ["## Numerics", ""] + [f"- {note}" for note in trainer.watch.notes] + [""]
    return "\n".join(lines)


def run_config(trainer: Trainer, epochs: int, validation_split: float, shuffle: bool) -> dict[str, Any]:
    """config.json: the trainer's `config` (task, task config ...), the model's config and the training
    settings. A task's run keeps under "training" only what its task config does not already say (the
    resolved loss and learning rate, the world size...): each value once."""
    from rnnkit import __version__

    try:
        from rnnkit.models.registry import model_config

        model_cfg = model_config(trainer.model)
    except ValueError:
        model_cfg = None  # an unregistered model trains fine; `load(run_dir)` then needs the class
    training = {"loss": trainer.loss_name, "optimizer": trainer.optimizer_name, "lr": trainer.lr,
                "metrics": [m.name for m in trainer.metrics], "from_logits": trainer.from_logits,
                "schedule": trainer.schedule_name, "clip_norm": trainer.clip_norm, "clip_value": trainer.clip_value,
                "on_nan": trainer.watch.on_nan,
                "seed": trainer.seed, "epochs": epochs, "batch_size": trainer.batch_size,
                "validation_split": validation_split, "shuffle": shuffle, "world_size": trainer.world}
    task_config = trainer.config.get("task_config")
    if isinstance(task_config, dict):
        training = {k: v for k, v in training.items() if k not in task_config or task_config[k] != v}
        if model_cfg is not None:
            model_cfg = model_entry_written(model_cfg, task_config)
    return {"rnnkit_version": __version__, **trainer.config, "model": model_cfg, "training": training}


def model_entry_written(model_cfg: dict[str, Any], task_config: dict[str, Any]) -> dict[str, Any]:
    """config.json's "model" entry: the model's registry config less the values its task config already
    holds (the cell, sizes, dropouts...), whose keys it names under FROM_TASK_CONFIG
    (`rnnkit.io.run.model_entry` puts them back): each value once."""
    same = [k for k, v in model_cfg.items() if k != "name" and k in task_config and task_config[k] == v]
    kept = {k: v for k, v in model_cfg.items() if k not in same}
    return {**kept, FROM_TASK_CONFIG: same} if same else kept
