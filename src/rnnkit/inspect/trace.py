"""`trace(model, *inputs)`: every gate, cell state and hidden state of every recurrent layer, per step and unit.

How it records without touching what the model computes: the model runs as it always does (whatever
runner `rnnkit.engine.dispatch` picks: native, compiled, fused, scan), with forward hooks that only
keep each `Recurrent` layer's inputs and outputs. Then each layer is run again on those same inputs in
the reference loop (fast="loop": a Python loop over `cell.step`, `rnnkit.engine.loop`), with each cell's
step wrapped to keep what it computed (`rnnkit.inspect.gates`). The loop's outputs are compared with the
fast path's: `LayerTrace.deviation` is their largest difference, and a trace whose loop disagrees with
the model beyond float rounding raises instead of showing values the model did not compute.

Values are mapped back to the positions of the layer's input: a backward direction's steps to the
tokens they read, a mask's padding anywhere (compacted by the layer) back where it was; padded steps
hold NaN. The model must be in eval mode: in training, dropout would draw other masks in the re-run.
"""
from __future__ import annotations

import inspect as pyinspect
from dataclasses import dataclass, field
from typing import Any, Callable

import torch
from torch import Tensor, nn

from ..engine.masks import alive_masks, gather_time, zoneout, zoneout_at
from ..layers import Recurrent
from ..layers.recurrent import reverse_padded
from .gates import step_values

TOLERANCE = {torch.float64: 1e-9, torch.float32: 1e-4, torch.bfloat16: 5e-2, torch.float16: 5e-3}
"""Largest difference allowed between the loop's outputs and the model's, relative to their scale."""


@dataclass
class CellTrace:
    """One cell of a layer: `values[name]` is (B, T, units), NaN at padded steps."""

    layer: int
    direction: int | None  # 0 forward, 1 backward; None in a one-direction layer
    values: dict[str, Tensor]

    @property
    def label(self) -> str:
        return f"layer {self.layer + 1}" + {None: "", 0: " forward", 1: " backward"}[self.direction]


@dataclass
class LayerTrace:
    """One call of a `Recurrent` layer during the model's run."""

    name: str  # the layer's name in the model (`model.named_modules()`), e.g. "rnn" or "encoder"
    cell: str
    runner: str  # what served the model's own run (`Recurrent.plan`), e.g. "native-stack", "compiled"; with
    # tbptt or checkpoint_chunks each chunk is planned on its own and this is the plan of a whole run
    lengths: Tensor  # (B,) real steps of each row
    cells: list[CellTrace]
    deviation: float  # largest |loop - model| over the layer's outputs
    num_directions: int = 1

    def at(self, layer: int = 0, direction: int = 0) -> CellTrace:
        return self.cells[layer * self.num_directions + direction]

    def panels(self, row: int = 0) -> dict[str, Tensor]:
        """Every quantity of one batch row, {"layer 1 backward: forget gate": (T', units)}, its padded steps left out."""
        real = ~self.cells[0].values["hidden state" if "hidden state" in self.cells[0].values else
                                     next(iter(self.cells[0].values))][row].isnan().all(-1)  # (T,)
        return {f"{c.label}: {name}": v[row][real] for c in self.cells for name, v in c.values.items()}


@dataclass
class Trace:
    """What `trace` returns: the model's own output, untouched, and one `LayerTrace` per layer call."""

    output: Any
    layers: list[LayerTrace] = field(default_factory=list)

    def layer(self, name: str) -> LayerTrace:
        """The (first) call of the layer called `name`."""
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(f"no recurrent layer {name!r} ran; traced: {[l.name for l in self.layers]}")


def trace(model: nn.Module, *inputs, call: Callable | None = None, **kwargs) -> Trace:
    """Run `call(*inputs, **kwargs)` (default: `model(*inputs, **kwargs)`) and trace every `Recurrent`
    layer of `model` that it calls. `Trace.output` is exactly what the call returns without tracing."""
    if model.training:
        raise ValueError("trace needs the model in eval mode (model.eval()): in training, dropout would draw "
                         "other masks when the layers are re-run")
    names = {module: name for name, module in model.named_modules() if isinstance(module, Recurrent)}
    calls: list[tuple[Recurrent, tuple, dict, Any]] = []

    def keep(module, args, kw, output):
        calls.append((module, args, kw, output))

    handles = [m.register_forward_hook(keep, with_kwargs=True) for m in names]
    try:
        output = (call or model)(*inputs, **kwargs)
    finally:
        for handle in handles:
            handle.remove()
    return Trace(output, [_retrace(names[m], m, args, kw, out) for m, args, kw, out in calls])


def _retrace(name: str, layer: Recurrent, args: tuple, kwargs: dict, output: Any) -> LayerTrace:
    bound = pyinspect.signature(layer.forward).bind(*args, **kwargs)
    x, lengths, mask = (bound.arguments.get(k) for k in ("x", "lengths", "mask"))
    x_tm = x.transpose(0, 1) if layer.batch_first else x  # (T, B, I)
    steps, compaction = layer._steps(x_tm, lengths, mask)  # the layer's own reading of lengths and masks
    runner = layer.plan(x_tm, steps).runner  # in the caller's grad mode, as the model's run planned it
    with torch.no_grad():
        records, loop_output = _loop_run(layer, bound)
    deviation = _deviation(output, loop_output)
    dtype = x.dtype if x.is_floating_point() else torch.float32
    if deviation > TOLERANCE.get(dtype, 1e-4) * max(1.0, _scale(output)):
        raise RuntimeError(f"layer {name!r}: the reference loop differs from the model's {runner} run by "
                           f"{deviation:.3g}; its trace would not show what the model computed")
    T, B = x_tm.shape[0], x_tm.shape[1]
    alive = alive_masks(steps, T, x_tm.cpu())  # (T, B, 1) in the compacted frame, or None
    cells = []
    for index, cell_steps in enumerate(records):
        layer_index, direction = divmod(index, layer.num_directions)
        values = {}
        for key in cell_steps[0]:
            v = torch.stack([s[key] for s in cell_steps]).to("cpu", torch.float32)  # (T, B, units) as the cell ran them
            if direction == 1:
                v = reverse_padded(v, steps)  # the step that read position t, at t
            if alive is not None:
                v = v.masked_fill(alive.to(torch.float32) == 0, float("nan"))
            if compaction is not None:
                v = gather_time(v, compaction[1])  # back where the steps were in the input
            values[key] = v.transpose(0, 1).contiguous()  # (B, T, units)
        cells.append(CellTrace(layer_index, direction if layer.num_directions == 2 else None, values))
    real = torch.full((B,), T, dtype=torch.int64) if steps is None else steps.clone()
    return LayerTrace(name, layer.cell_kind, runner, real, cells, deviation, layer.num_directions)


def _loop_run(layer: Recurrent, bound) -> tuple[list[list[dict]], Any]:
    """The layer re-run in the reference loop on the same inputs: each cell's steps' values, and its outputs."""
    records: list[list[dict]] = [[] for _ in layer.cells]

    def recording(cell, k):
        original = cell.step

        def step(xp_t, state, *args, **kw):
            new, cache = original(xp_t, state, *args, **kw)
            # the loop applies zoneout after the step; in eval its masks are the rates (the expectation)
            shown = zoneout(new, state, zoneout_at(cell.sample_zoneout(1, xp_t.shape[0], xp_t), 0))
            records[k].append(step_values(cell, shown, cache))
            return new, cache
        return step

    saved = (layer.fast, getattr(layer, "form", None))
    try:
        layer.fast = "loop"
        if saved[1] is not None:  # the mLSTM layer's parallel and chunkwise forms run no steps
            layer.form = "recurrent"
        for k, cell in enumerate(layer.cells):
            cell.step = recording(cell, k)
        output = layer.forward(*bound.args, **bound.kwargs)  # forward, not __call__: no hooks
    finally:
        layer.fast = saved[0]
        if saved[1] is not None:
            layer.form = saved[1]
        for cell in layer.cells:
            cell.__dict__.pop("step", None)
    return records, output


def _tensors(value: Any) -> list[Tensor]:
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, (tuple, list)):
        return [t for v in value for t in _tensors(v)]
    return []


def _deviation(a: Any, b: Any) -> float:
    pairs = list(zip(_tensors(a), _tensors(b)))
    return max((float((x.detach().double() - y.double()).abs().max()) for x, y in pairs if x.numel()), default=0.0)


def _scale(value: Any) -> float:
    return max((float(t.detach().abs().max()) for t in _tensors(value) if t.numel()), default=0.0)
