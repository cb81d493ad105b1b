"""Bad arguments raise ValueError naming the argument and quoting the value received."""
import pytest
import torch

from rnnkit.cells import GRUCell, LSTMCell, SimpleRNNCell
from rnnkit.layers import GRU, LSTM, Bidirectional, Conv1D, Dense, Dropout, Embedding, Recurrent, SimpleRNN


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda: LSTM(0), ["units", "0"]),
        (lambda: GRU(-3), ["units", "-3"]),
        (lambda: SimpleRNN(2.5), ["units", "2.5"]),
        (lambda: SimpleRNN(4, activation="sigmoid"), ["activation", "'sigmoid'"]),
        (lambda: LSTM(4, dropout=1.0), ["dropout", "1.0"]),
        (lambda: LSTM(4, recurrent_dropout=-0.1), ["recurrent_dropout", "-0.1"]),
        (lambda: GRU(4, dropout="0.2"), ["dropout", "'0.2'"]),
        (lambda: Dense(0), ["units", "0"]),
        (lambda: Dense(3, activation="swish"), ["activation", "'swish'"]),
        (lambda: Dropout(1.5), ["rate", "1.5"]),
        (lambda: Embedding(0, 8), ["input_dim", "0"]),
        (lambda: Conv1D(8, 3, padding="causal"), ["padding", "'causal'"]),
        (lambda: Recurrent("lstm", 3, 4, merge_mode="max"), ["merge_mode", "'max'"]),
        (lambda: Recurrent("transformer", 3, 4), ["cell", "'transformer'"]),
        (lambda: Recurrent("lstm", 3, 4, fast="turbo"), ["fast", "'turbo'"]),
        (lambda: Recurrent("lstm", 3, 4, num_layers=0), ["num_layers", "0"]),
        (lambda: LSTMCell(3, 4, proj_size=4), ["proj_size", "4"]),
        (lambda: SimpleRNNCell(3, 4, activation="gelu"), ["activation", "'gelu'"]),
        (lambda: GRUCell(0, 4), ["input_size", "0"]),
        (lambda: Bidirectional(Dense(3)), ["Bidirectional", "Dense"]),
    ],
)
def test_bad_arguments(make, words):
    with pytest.raises(ValueError) as err:
        make()
    for word in words:
        assert word in str(err.value)


def test_mismatched_input_size():
    layer = Recurrent("lstm", 3, 4)
    with pytest.raises(ValueError, match="input feature size must be 3, got 5"):
        layer(torch.randn(2, 6, 5))
    lstm = LSTM(4, input_shape=(None, 3))
    with pytest.raises(ValueError, match="got 7"):
        lstm(torch.randn(2, 6, 7))


def test_bad_lengths_and_states():
    layer = Recurrent("gru", 3, 4)
    x = torch.randn(2, 5, 3)
    with pytest.raises(ValueError, match="empty sequences"):
        layer(x, lengths=torch.tensor([5, 0]))
    with pytest.raises(ValueError, match=r"lengths must be in \[1, 5\]"):
        layer(x, lengths=torch.tensor([6, 2]))
    with pytest.raises(ValueError, match="empty"):
        layer(torch.randn(2, 0, 3))
    with pytest.raises(ValueError, match=r"initial_state\[0\] must have shape \(1, 2, 4\)"):
        layer(x, initial_state=torch.zeros(1, 3, 4))
    with pytest.raises(ValueError, match="boolean"):  # a mask may mark real steps anywhere, but only as 0/1
        layer(x, mask=torch.tensor([[1, 0, 2, 1, 1], [1, 1, 1, 1, 1]]))
