"""`rnnkit export RUN --format onnx [-o FILE]`: a trained run's model as ONNX, checked by onnxruntime
before it is written (`rnnkit.io.onnx_export`; the graphs of each model: `rnnkit.io.onnx_graphs`)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from rnnkit.cli import TRUST_HELP
from rnnkit.errors import UserError

FORMATS = ("onnx",)


def export(run_dir: Path = typer.Argument(..., metavar="RUN", help="a run folder written by `rnnkit train`"),
           format: str = typer.Option("onnx", "--format", metavar="FORMAT", help="onnx (the only one for now)"),
           output: Optional[Path] = typer.Option(None, "--output", "-o", metavar="FILE",
                                                 help="the file to write (default: RUN/model.onnx; a seq2seq run "
                                                      "writes FILE's stem .encoder.onnx and .decoder.onnx)"),
           trust_imports: bool = typer.Option(False, "--trust-imports", help=TRUST_HELP)) -> None:
    """Export a trained run's model to ONNX. Each file is checked by onnxruntime before it is kept; batch and
    length stay dynamic, padded batches pass their lengths."""
    if format not in FORMATS:
        raise UserError(f"--format {format!r} is not one rnnkit writes; expected one of {', '.join(FORMATS)}")
    from rnnkit.io.onnx_export import export_onnx
    from rnnkit.tasks import read_run

    run = read_run(run_dir, trust_imports=trust_imports)
    for done in export_onnx(run.task.model_of(run), output or run.file("model.onnx")):
        typer.echo(f"{done.path}: inputs {', '.join(done.inputs)} -> outputs {', '.join(done.outputs)} "
                   f"(onnxruntime agrees with rnnkit within {done.max_diff:.1e})")
    for note in run.task.run_notes(run) if run.task.run_notes is not None else ():  # a second model, a baseline
        typer.echo(f"note: the file holds the run's model alone, while `rnnkit predict`'s {note}")
