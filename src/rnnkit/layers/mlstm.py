"""`MLSTM`: the `Recurrent` layer for the mLSTM cell, trained in its parallel or chunkwise form.

`Recurrent("mlstm", ...)` already runs the cell, one step at a time (the recurrent form, through the
engine's fused BPTT runner: exact, but a Python loop over steps with a d x d memory per head). No mLSTM
gate reads h_{t-1}, so a whole sequence can instead be computed as masked matrix products
(`rnnkit.engine.mlstm_forms`), which is how the paper trains it. This subclass changes only how one
cell runs over one sequence (`_run`) and what `plan` reports; stacking, directions, lengths and masks,
initial and returned states (C flattened per head: see `rnnkit.cells.MLSTMCell`), input and
inter-layer dropout are `Recurrent`'s. Recurrent dropout and truncated BPTT make no sense here.
"""
from __future__ import annotations

from torch import Tensor

from ..engine import Plan
from ..engine.contract import keeping_empty_rows
from ..engine.mlstm_forms import FORMS, run_mlstm
from ..validation import check_choice, check_positive
from .recurrent import Recurrent

NOT_OFFERED = {"recurrent_dropout": "no mLSTM gate reads h_{t-1}",
               "tbptt": "the parallel form has no steps to cut; use form='chunkwise' for long sequences",
               "checkpoint_chunks": "use form='chunkwise' for long sequences"}


class MLSTM(Recurrent):
    """Run mLSTM cells over sequences: `Recurrent`'s arguments (without the cell name), plus

        form: "parallel" (default: the whole sequence as masked (T, T) matrix products),
            "chunkwise" (the parallel form over chunks of `chunk_size` steps, the memory carried
            between them: for long sequences) or "recurrent" (the cell's step, through `fast`'s runner).
        chunk_size: steps per chunk of the chunkwise form.
        num_heads, forget_gate, eps: the cell's options (`rnnkit.cells.MLSTMCell`).
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, *, form: str = "parallel",
                 chunk_size: int = 64, **options):
        for name, why in NOT_OFFERED.items():
            if options.get(name):
                raise ValueError(f"option {name}={options[name]!r} makes no sense for the mlstm layer ({why})")
        super().__init__("mlstm", input_size, hidden_size, num_layers, **options)
        self.form = check_choice("form", form, FORMS)
        self.chunk_size = check_positive("chunk_size", chunk_size)

    def _run(self, cell, seq: Tensor, state, lengths, masks, runner=None):
        if self.form == "recurrent":
            return super()._run(cell, seq, state, lengths, masks, runner)

        def run(steps):  # lengths in [1, T]; rows of a mask that are all padding are the engine's
            out, final = run_mlstm(cell, seq, state, steps, self.form, self.chunk_size, need_state=self.return_state)
            return out, [final]

        out, (final,) = run(None) if lengths is None else keeping_empty_rows(run, lengths, [state])
        return out, final

    def plan(self, x: Tensor, lengths: Tensor | None = None, initial: list | None = None) -> Plan:
        if self.form == "recurrent":
            return super().plan(x, lengths, initial)
        return Plan(self.form, f"form={self.form!r}: the mLSTM's {self.form} form (rnnkit.engine.mlstm_forms)")

    def get_config(self) -> dict:
        config = super().get_config()
        del config["cell"]
        return {**config, "form": self.form, "chunk_size": self.chunk_size}

    def extra_repr(self) -> str:
        shown = super().extra_repr()
        if self.form != "parallel":
            shown += f", form={self.form!r}"
        if self.chunk_size != 64:
            shown += f", chunk_size={self.chunk_size}"
        return shown


def recurrent_layer(cell: str, input_size: int, hidden_size: int, num_layers: int = 1, **options) -> Recurrent:
    """The layer a model builds for `cell`: `MLSTM` in its parallel form for "mlstm" under fast="auto"
    (the paper's training form, equal to the recurrent form and several times faster) unless an option
    it does not offer is set (NOT_OFFERED: the recurrent form runs tbptt and checkpoint_chunks, and `Recurrent`
    refuses recurrent_dropout, which no form offers, in one line), else `Recurrent`. The two
    hold the same parameters under the same names, so saved weights load into either."""
    if cell == "mlstm" and options.get("fast", "auto") == "auto" and not any(options.get(n) for n in NOT_OFFERED):
        return MLSTM(input_size, hidden_size, num_layers, **options)
    return Recurrent(cell, input_size, hidden_size, num_layers, **options)
