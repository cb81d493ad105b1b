"""ONNX export of a trained model, checked by onnxruntime before the file is kept.

    paths = export_onnx(model, "model.onnx")     # one file, or two for an encoder-decoder

Which graphs a model gives, their inputs and outputs, is `rnnkit.io.onnx_graphs`'. Here, for each graph:
  1. every `Recurrent` layer of the model is switched to the "onnx" runner (`rnnkit.engine.onnx_node`),
     so each cell's run becomes ONE node of ONNX's LSTM/GRU/RNN operator, with the sequence length a
     dimension of the graph and `sequence_lens` carrying the padding; a cell those operators cannot
     express is refused in one line naming its option (an unrolled loop would fix the sequence length,
     which is what the export must leave open). An `MLSTM` layer in its parallel form has no loop: its
     masked (T, T) matrix products are traced as they are (`rnnkit.engine.mlstm_forms`);
  2. `torch.onnx.export(dynamo=True)` writes the graph to a temp file, batch and time dynamic;
  3. onnxruntime runs the file on the graph's probe batches (two, of different batch sizes and lengths,
     padded) and every output is compared with rnnkit's own (its usual runners): max abs <= `TOLERANCE`;
  4. only then the temp file is renamed onto the target (`rnnkit.atomic`): a file that was not checked,
     or failed the check, is never left behind.
"""
from __future__ import annotations

import contextlib
import io
import logging
import warnings
from pathlib import Path
from typing import Iterator, NamedTuple

import numpy as np
import torch
from torch import nn

from rnnkit.atomic import atomic_write
from rnnkit.engine.onnx_node import ONNX_OPSET, onnx_unsupported
from rnnkit.errors import UserError
from rnnkit.io.onnx_graphs import Graph, Positional, graphs_of
from rnnkit.layers import MLSTM, Recurrent

TOLERANCE = 1e-4
"""Largest absolute difference allowed between onnxruntime's outputs and rnnkit's (float32)."""


class Exported(NamedTuple):
    """One file written: its graph's inputs and outputs, and the largest difference onnxruntime showed."""

    path: Path
    inputs: list[str]
    outputs: list[str]
    max_diff: float


def check_exportable(model: nn.Module) -> None:
    """One-line UserError naming the first recurrent cell ONNX's operators cannot express, and its option."""
    for name, layer in model.named_modules():
        if isinstance(layer, MLSTM) and layer.form != "recurrent":
            if layer.form != "parallel":  # a loop over chunks would fix the number of chunks
                raise UserError(f"cannot export to ONNX: layer {name or 'model'!r} (MLSTM) runs form={layer.form!r}, "
                                "whose loop over chunks would fix the sequence length; build it with form='parallel' "
                                "(the same weights), which exports")
            continue  # masked matrix products over the whole sequence: the graph's time axis stays open
        if not isinstance(layer, Recurrent):
            continue
        for k, cell in enumerate(layer.cells):
            reason = onnx_unsupported(cell, recurrent_dropout=bool(layer.recurrent_dropout and layer.training))
            if reason:
                raise UserError(f"cannot export to ONNX: layer {name or 'model'!r} ({type(cell).__name__} {k}): "
                                f"{reason}; an unrolled loop instead would fix the sequence length, so nothing is "
                                "exported")


@contextlib.contextmanager
def onnx_runners(model: nn.Module) -> Iterator[None]:
    """Every `Recurrent` layer of `model` on the "onnx" runner inside the block, its own runner after."""
    layers = [m for m in model.modules() if isinstance(m, Recurrent)]
    saved = [layer.fast for layer in layers]
    try:
        for layer in layers:
            layer.fast = "onnx"
        yield
    finally:
        for layer, fast in zip(layers, saved):
            layer.fast = fast


def export_onnx(model: nn.Module, path: str | Path) -> list[Exported]:
    """Write `model` (in eval mode) as ONNX at `path` (an encoder-decoder: `<stem>.encoder.onnx` and
    `<stem>.decoder.onnx` beside it), each file checked by onnxruntime first; what was written."""
    if any(p.device.type != "cpu" for p in model.parameters()):
        raise UserError("cannot export to ONNX: the model is not on the CPU; export model.cpu() (the check runs "
                        "onnxruntime on the CPU)")
    model = model.eval()
    check_exportable(model)
    graphs = graphs_of(model)
    path = Path(path)
    written = []
    for graph in graphs:
        target = path if len(graphs) == 1 else path.with_name(f"{path.stem}.{graph.name}{path.suffix or '.onnx'}")
        diffs: list[float] = []
        atomic_write(target, lambda tmp, graph=graph, diffs=diffs: diffs.append(_write_checked(model, graph, tmp)))
        written.append(Exported(target, list(graph.probes[0]), graph.outputs, diffs[0]))
    return written


def _write_checked(model: nn.Module, graph: Graph, tmp: str) -> float:
    with torch.no_grad(), onnx_runners(model), _quiet():
        try:
            program = torch.onnx.export(Positional(graph.module), tuple(graph.probes[0].values()), dynamo=True,
                                        opset_version=ONNX_OPSET, input_names=list(graph.probes[0]),
                                        output_names=graph.outputs, dynamic_shapes=graph.dynamic_shapes(),
                                        verbose=False)
        except Exception as err:  # torch.export's own report runs to pages: its summary line names the cause
            raise UserError(f"cannot export to ONNX: torch.onnx could not trace the {type(model).__name__} "
                            f"({_summary(err)})") from None
    program.save(tmp, external_data=False)
    return check_onnx(tmp, graph)


def check_onnx(file: str | Path, graph: Graph) -> float:
    """Run `file` in onnxruntime on each of the graph's probe batches; UserError where an output differs
    from rnnkit's by more than TOLERANCE. Returns the largest difference."""
    import onnxruntime

    session = onnxruntime.InferenceSession(str(file), providers=["CPUExecutionProvider"])
    worst = 0.0
    for probe in graph.probes:
        with torch.no_grad():
            expected = graph.module(*probe.values())
        expected = expected if isinstance(expected, tuple) else (expected,)
        got = session.run(graph.outputs, {k: v.numpy() for k, v in probe.items()})
        for name, want, have in zip(graph.outputs, expected, got):
            want = want.numpy()
            if want.shape != have.shape:
                raise UserError(f"ONNX export check: output {name!r} has shape {have.shape} in onnxruntime, "
                                f"{want.shape} in rnnkit; not written")
            diff = float(np.abs(want.astype(np.float64) - have).max()) if want.size else 0.0
            if not diff <= TOLERANCE:
                raise UserError(f"ONNX export check: output {name!r} differs from rnnkit's by {diff:.3g} "
                                f"(more than {TOLERANCE:g}) in onnxruntime; not written")
            worst = max(worst, diff)
    return worst


def _summary(err: Exception) -> str:
    """The line of torch.onnx's error report that says what failed (its exception summary), else its first."""
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    cause = next((line for line in lines if line.startswith("<class ")), lines[0] if lines else type(err).__name__)
    return cause[:300]


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """torch.onnx's progress lines and warnings (missing torchvision ops and the like) off the user's screen."""
    loggers = [logging.getLogger(n) for n in ("torch.onnx", "torch.export", "torch._dynamo", "onnxscript")]
    levels = [lg.level for lg in loggers]
    try:
        for lg in loggers:
            lg.setLevel(logging.ERROR)
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)
