"""NumPy reference cells (SimpleRNN, LSTM, GRU, sLSTM, mLSTM, minGRU, minLSTM) with hand-written backpropagation through time.

No torch here. Each file holds one cell family's textbook equations for one step and their
gradient; `base.ReferenceRNN` runs them over a sequence (time-major x (T, B, I), optional
`lengths` with torch packed-sequence semantics). This is the oracle the fast torch paths are tested
against, and the version to read beside the articles. See `lstm.py`'s docstring for an example.
"""

from rnnkit.reference.base import ReferenceRNN, sigmoid
from rnnkit.reference.gradcheck import check_gradients, numerical_gradient, relative_error
from rnnkit.reference.gru import GRU
from rnnkit.reference.lstm import LSTM
from rnnkit.reference.min import MinGRU, MinLSTM
from rnnkit.reference.mlstm import MLSTM
from rnnkit.reference.simple import SimpleRNN
from rnnkit.reference.slstm import SLSTM

__all__ = ["ReferenceRNN", "SimpleRNN", "LSTM", "GRU", "SLSTM", "MLSTM", "MinGRU", "MinLSTM", "sigmoid",
           "numerical_gradient", "relative_error", "check_gradients"]
