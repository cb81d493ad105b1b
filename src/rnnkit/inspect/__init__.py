"""rnnkit.inspect: what the gates and the cell state do on a given input (Karpathy et al. 2015).

`trace(model, *inputs)` records every gate activation, cell state and hidden state of every recurrent
layer, per step and unit, without changing the model's outputs; `correlated_units` finds the units that
follow a per-token feature; `contributions` gives each token's share of a classifier's prediction
(gradient x input); `heatmaps` draws PNGs and `page` writes one self-contained HTML page.
`rnnkit inspect RUN --text ...` (rnnkit.cli.inspect) does all of it for a trained run.
"""
from .trace import CellTrace, LayerTrace, Trace, trace

__all__ = ["trace", "Trace", "LayerTrace", "CellTrace"]
