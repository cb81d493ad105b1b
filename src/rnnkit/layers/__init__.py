"""The nn.Modules users compose: the generic `Recurrent` layer, Keras-style building blocks, and the
blocks task models put around the recurrent layer (`ConvFrontEnd`, pooling over time)."""
from .base import Layer
from .conv import Conv1D, ConvFrontEnd, MaxPooling1D
from .core import Activation, Dense, Dropout, Embedding
from .keras_rnn import GRU, LSTM, Bidirectional, RNNLayer, SimpleRNN
from .pooling import (POOLINGS, AttentionPooling, ConcatPooling, GlobalAveragePooling1D, GlobalMaxPooling1D,
                      LastPooling, MaxPooling, MeanPooling, parse_pooling)
from .mlstm import MLSTM, recurrent_layer
from .recurrent import Recurrent
from .reshape import Flatten, TimeDistributed

KERAS_LAYERS = {cls.__name__: cls for cls in (Embedding, Dense, Activation, Dropout, SimpleRNN, LSTM, GRU, Bidirectional, Conv1D,
                                               MaxPooling1D, GlobalMaxPooling1D, GlobalAveragePooling1D, Flatten, TimeDistributed)}

__all__ = ["Recurrent", "MLSTM", "recurrent_layer", "Layer", "RNNLayer", *KERAS_LAYERS, "KERAS_LAYERS", "ConvFrontEnd", "POOLINGS", "parse_pooling",
           "LastPooling", "MaxPooling", "MeanPooling", "AttentionPooling", "ConcatPooling"]
