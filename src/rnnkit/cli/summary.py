"""`rnnkit summary`: a model's layers and parameter counts, from a config or a run folder."""
from __future__ import annotations

from pathlib import Path

from torch import nn

from rnnkit.errors import UserError


def model_summary(model: nn.Module) -> str:
    """The model's own Keras-style `summary()` when it has one, else a table of its children."""
    if hasattr(model, "summary"):
        try:
            text = model.summary(print_fn=None)
            if isinstance(text, str):
                return text
        except (TypeError, ValueError):
            pass
    rows = [(name, type(child).__name__, sum(p.numel() for p in child.parameters()))
            for name, child in model.named_children()]
    width = max([len(f"{n} ({t})") for n, t, _ in rows] + [20]) + 2
    lines = [f'Model: "{type(model).__name__}"', "Layer (type)".ljust(width) + "Param #", "=" * (width + 12)]
    lines += [f"{n} ({t})".ljust(width) + f"{c:,}" for n, t, c in rows]
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    lines += ["=" * (width + 12), f"Total params: {total:,}", f"Trainable params: {trainable:,}",
              f"Non-trainable params: {total - trainable:,}"]
    return "\n".join(lines)


def summarize(target: str | Path) -> str:
    """Summary of a run folder's trained model (with its final metrics) or of a config's model."""
    from rnnkit.tasks import load_config

    target = Path(target)
    if target.is_dir():
        from rnnkit.io.run import RunDir, load
        from rnnkit.tasks import task_of_run

        task, config = task_of_run(target)
        imports = config.get("task_config", {}).get("imports", [])
        if imports:
            from rnnkit.tasks.arrays import _import_modules

            _import_modules(imports)
        text = f"run {target} (task {task.name})\n" + model_summary(load(target))
        epochs = [r for r in RunDir(target).read_metrics() if r.get("kind") == "epoch"]
        if epochs:
            last = epochs[-1]
            text += "\nfinal epoch: " + " ".join(f"{k}={v:.4g}" for k, v in last.items()
                                                 if isinstance(v, float))
        for member in (config.get("text") or {}).get("members", []):
            text += f"\npredictions average this model with {target / member}"
        return text
    task, config = load_config(str(target))
    if task.summary is not None:
        return task.summary(config)
    model_cfg = getattr(config, "model", None)
    if not isinstance(model_cfg, dict) or not model_cfg.get("name"):
        raise UserError(f"{target}: task {task.name!r} builds its model from the data; train it, then "
                        "run `rnnkit summary RUN_DIR`")
    from rnnkit.io.run import _import_model_modules
    from rnnkit.models.registry import build_model

    if getattr(config, "imports", None):
        from rnnkit.tasks.arrays import _import_modules

        _import_modules(config.imports)
    _import_model_modules()
    try:
        return model_summary(build_model(model_cfg))
    except (TypeError, ValueError) as err:
        raise UserError(f"{target}: config key 'model': cannot build it ({err})") from None
