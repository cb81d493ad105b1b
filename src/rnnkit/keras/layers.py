"""`from rnnkit.keras.layers import Dense, LSTM, Embedding`: rnnkit's Keras-style layers under Keras' names."""
from rnnkit.layers import (GRU, LSTM, Activation, Bidirectional, Conv1D, Dense, Dropout, Embedding, Flatten,
                           GlobalAveragePooling1D, GlobalMaxPooling1D, MaxPooling1D, SimpleRNN, TimeDistributed)

__all__ = ["Activation", "Embedding", "SimpleRNN", "LSTM", "GRU", "Bidirectional", "Dense", "Dropout", "Conv1D", "MaxPooling1D",
           "GlobalMaxPooling1D", "GlobalAveragePooling1D", "Flatten", "TimeDistributed"]
