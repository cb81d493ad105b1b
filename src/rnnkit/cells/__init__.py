"""Recurrent cells: one time step each, the textbook equations in their docstrings."""
from .base import RecurrentCell, State
from .gru import GRUCell
from .lstm import LSTMCell
from .min import MinGRUCell, MinLSTMCell
from .simple import SimpleRNNCell

CELLS = {"rnn": SimpleRNNCell, "simple": SimpleRNNCell, "lstm": LSTMCell, "gru": GRUCell,
         "mingru": MinGRUCell, "minlstm": MinLSTMCell}


def make_cell(kind: str, input_size: int, hidden_size: int, **options) -> RecurrentCell:
    """A cell by name ("rnn"/"simple", "lstm", "gru", "mingru", "minlstm") with its options."""
    if kind not in CELLS:
        raise ValueError(f"cell must be one of {sorted(CELLS)}, got {kind!r}")
    return CELLS[kind](input_size, hidden_size, **options)


__all__ = ["RecurrentCell", "State", "SimpleRNNCell", "LSTMCell", "GRUCell", "MinGRUCell", "MinLSTMCell", "CELLS", "make_cell"]
