"""`from rnnkit.keras.layers import Dense, LSTM, Embedding`: rnnkit's Keras-style layers under Keras' names."""
from rnnkit.layers import (GRU, LSTM, Activation, Bidirectional, Conv1D, Dense, Dropout, Embedding, GlobalAveragePooling1D,
                           GlobalMaxPooling1D, MaxPooling1D, SimpleRNN)

__all__ = ["Activation", "Embedding", "SimpleRNN", "LSTM", "GRU", "Bidirectional", "Dense", "Dropout", "Conv1D", "MaxPooling1D",
           "GlobalMaxPooling1D", "GlobalAveragePooling1D"]
