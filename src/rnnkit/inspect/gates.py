"""What one step of each cell shows: its gate activations (read from the step's cache) and its state.

`rnnkit.cells` computes each gate once, in the cell's `step`, and keeps it in the cache its
hand-written backward reads; this file names those cache entries, per cell class, for the inspector
(the posts article 000 points to read an LSTM by these values: Karpathy et al. 2015, "Visualizing and
understanding recurrent networks"). Nothing is recomputed here, so what is shown is what the cell computed.
The tests check each reader against the cell's own equations (h_t = o_t ⊙ tanh(C_t) for the LSTM...),
so a change of a cache's layout fails there, not silently here.

A cell class without an entry (a user's own cell) shows its state tensors only, named "state k".
"""
from __future__ import annotations

from typing import Callable

from torch import Tensor

from ..cells import GRUCell, LSTMCell, MinGRUCell, MinLSTMCell, MLSTMCell, SimpleRNNCell, SLSTMCell
from ..cells.base import RecurrentCell

GateReader = Callable[[tuple], dict[str, Tensor]]


def _lstm(cache: tuple) -> dict[str, Tensor]:
    i, f, g, o = cache[2:6]  # (h_in, c_prev, i, f, g, o, ...): each (B, H)
    return {"input gate": i, "forget gate": f, "candidate": g, "output gate": o}


def _gru(cache: tuple) -> dict[str, Tensor]:
    r, z, n = cache[2:5]  # (h_prev, h_in, r, z, n, ...)
    return {"reset gate": r, "update gate": z, "candidate": n}


def _slstm(cache: tuple) -> dict[str, Tensor]:
    i, f, z, o = cache[6:10]  # stabilised i'_t, f'_t, then z_t, o_t
    return {"input gate": i, "forget gate": f, "cell input": z, "output gate": o}


def _mlstm(cache: tuple) -> dict[str, Tensor]:
    return {"input gate": cache[6], "forget gate": cache[7], "output gate": cache[16]}  # i, f per head (B, K)


def _mingru(cache: tuple) -> dict[str, Tensor]:
    _, _, _, w, h_tilde = cache  # w = z_t
    return {"update gate": w, "candidate": h_tilde}


def _minlstm(cache: tuple) -> dict[str, Tensor]:
    _, _, _, w, h_tilde = cache  # w = i'_t, the normalised input gate; f'_t = 1 - i'_t
    return {"input gate": w, "forget gate": 1 - w, "candidate": h_tilde}


READERS: dict[type, tuple[GateReader | None, tuple[str | None, ...]]] = {
    LSTMCell: (_lstm, ("hidden state", "cell state")),
    GRUCell: (_gru, ("hidden state",)),
    SimpleRNNCell: (None, ("hidden state",)),
    SLSTMCell: (_slstm, ("hidden state", "cell state", "normaliser", "stabiliser")),
    MLSTMCell: (_mlstm, ("hidden state", None, "normaliser", "stabiliser")),  # the (d, d) memories left out
    MinGRUCell: (_mingru, ("hidden state",)),
    MinLSTMCell: (_minlstm, ("hidden state",)),
}
"""Per cell class: its gate reader and the names of its state tensors (None: not shown)."""


def step_values(cell: RecurrentCell, new_state: tuple, cache: tuple) -> dict[str, Tensor]:
    """{name: (B, units)} of one step: the gates the cell computed, then its state after the step."""
    known = next((READERS[k] for k in type(cell).__mro__ if k in READERS), None)  # a subclass reads as its base
    reader, names = known or (None, tuple(f"state {k}" for k in range(len(new_state))))
    values = dict(reader(cache)) if reader is not None else {}
    values.update({name: s for name, s in zip(names, new_state) if name is not None})
    return {name: v.detach() for name, v in values.items()}
