"""Recurrent cells: one time step each, the textbook equations in their docstrings."""
from .base import RecurrentCell, State
from .gru import GRUCell
from .lstm import LSTMCell
from .min import MinGRUCell, MinLSTMCell
from .mlstm import MLSTMCell
from .simple import SimpleRNNCell
from .slstm import SLSTMCell

CELLS = {"rnn": SimpleRNNCell, "simple": SimpleRNNCell, "lstm": LSTMCell, "gru": GRUCell, "slstm": SLSTMCell,
         "mlstm": MLSTMCell, "mingru": MinGRUCell, "minlstm": MinLSTMCell}


def make_cell(kind: str, input_size: int, hidden_size: int, **options) -> RecurrentCell:
    """A cell by name (a key of CELLS) with its options."""
    if kind not in CELLS:
        raise ValueError(f"cell must be one of {sorted(CELLS)}, got {kind!r}")
    return CELLS[kind](input_size, hidden_size, **options)


__all__ = ["RecurrentCell", "State", "SimpleRNNCell", "LSTMCell", "GRUCell", "SLSTMCell", "MLSTMCell", "MinGRUCell",
           "MinLSTMCell", "CELLS", "make_cell"]
