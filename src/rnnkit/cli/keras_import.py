"""`rnnkit import-keras MODEL RUN_DIR`: a Keras model file as a run folder of the generic `arrays` task.

The folder holds what training writes (config.json naming task "arrays" and the model's config,
model.safetensors, report.md), so `rnnkit summary RUN_DIR`, `rnnkit predict RUN_DIR --input x.npy` and
`rnnkit evaluate RUN_DIR --data test.npz` (x_test, y_test) take it like a trained run.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from rnnkit.errors import UserError


def command(source: Path = typer.Argument(..., metavar="MODEL", help="a Keras model file (.keras or legacy .h5)"),
            run_dir: Path = typer.Argument(..., metavar="RUN_DIR", help="the run folder to write (a new folder)"),
            data: Optional[str] = typer.Option(None, "--data", metavar="FILE",
                                               help=".npz that evaluate uses by default (x_test, y_test)"),
            loss: Optional[str] = typer.Option(None, "--loss", metavar="NAME",
                                               help="the loss to record (default: the one the Keras file was compiled with)")) -> None:
    """Turn a Keras model file into a run folder that summary, predict and evaluate take."""
    typer.echo(f"wrote {import_keras(source, run_dir, data=data, loss=loss)}")


def import_keras(source: str | Path, run_dir: str | Path, *, data: str | None = None, loss: str | None = None) -> Path:
    """Write the run folder of the Keras model in `source` (.keras or .h5) to `run_dir`; returns its path.
    `data`: the .npz the run evaluates on by default; `loss`: the loss to record (default: the one the
    Keras file was compiled with, else "auto")."""
    from rnnkit.atomic import write_text
    from rnnkit.io.run import RunDir
    from rnnkit.keras.files import read_model_file
    from rnnkit.keras.saving import model_from_keras
    from rnnkit.models.registry import model_config
    from rnnkit.tasks.arrays import ArraysConfig
    from rnnkit.tasks.runs import run_config_record
    from rnnkit.training.losses import LOSSES

    run = RunDir(run_dir)
    if run.file("config.json").exists():
        raise UserError(f"{run.path}: already a run folder; choose a new folder")
    described = read_model_file(source)
    model = model_from_keras(described, str(source))
    saved_loss = (described.compile_config or {}).get("loss")
    loss = loss or (saved_loss if saved_loss in LOSSES else "auto")
    if loss != "auto" and loss not in LOSSES:
        raise UserError(f"--loss {loss!r} is not known; expected one of {', '.join(sorted(LOSSES))}")
    config = ArraysConfig(data=str(data or source), model=model_config(model), loss=loss,
                          from_logits=model.output_activation not in ("sigmoid", "softmax"))
    run.make()
    run.save_model(model)
    run.write_config({**run_config_record("arrays", config), "model": config.model,
                      "training": {"imported_from": str(source), "from_logits": config.from_logits}})
    write_text(run.file("report.md"), f"# Imported Keras model\n\nFrom `{source}` ({described.class_name} "
               f"{described.name!r}, {len(model.layers)} layers, {model.count_params():,} parameters); "
               f"not trained by rnnkit.\n\nEvaluate it with `rnnkit evaluate RUN --data test.npz` (x_test, y_test) "
               f"unless --data named one at import.\n")
    return run.path
