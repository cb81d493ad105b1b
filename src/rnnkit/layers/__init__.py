"""The nn.Modules users compose: the generic `Recurrent` layer and Keras-style building blocks."""
from .base import Layer
from .conv import Conv1D, GlobalAveragePooling1D, GlobalMaxPooling1D, MaxPooling1D
from .core import Activation, Dense, Dropout, Embedding
from .keras_rnn import GRU, LSTM, Bidirectional, RNNLayer, SimpleRNN
from .recurrent import Recurrent

KERAS_LAYERS = {cls.__name__: cls for cls in (Embedding, Dense, Activation, Dropout, SimpleRNN, LSTM, GRU, Bidirectional, Conv1D,
                                               MaxPooling1D, GlobalMaxPooling1D, GlobalAveragePooling1D)}

__all__ = ["Recurrent", "Layer", "RNNLayer", *KERAS_LAYERS, "KERAS_LAYERS"]
