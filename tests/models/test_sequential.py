"""Sequential and summary(): the articles' models report the parameter counts Keras reports."""
import torch

from rnnkit.layers import (GRU, Activation, LSTM, Bidirectional, Conv1D, Dense, Dropout, Embedding, GlobalAveragePooling1D,
                           GlobalMaxPooling1D, MaxPooling1D, SimpleRNN)
from rnnkit.models import Sequential, build_model, model_config


def article_000_model():
    model = Sequential()
    model.add(Embedding(14322, 256, input_length=100))
    model.add(LSTM(128))
    model.add(Dropout(0.5))
    model.add(Dense(1))
    return model


def test_article_000_counts():
    model = article_000_model()
    text = model.summary(print_fn=None)
    assert model.layers[1].count_params() == 256 * 128 * 4 + 128 * 129 * 4 == 197_120
    assert "197,120" in text
    assert f"Total params: {14322 * 256 + 197_120 + 129:,}" in text
    assert "(None, 100, 256)" in text and "(None, 128)" in text


def test_article_003_counts():
    model = Sequential()
    model.add(Embedding(10000, 32))
    model.add(SimpleRNN(32))
    model.add(Dense(1, activation="sigmoid"))
    text = model.summary(print_fn=None)
    assert "Total params: 322,113" in text
    lines = [l for l in text.splitlines() if l.startswith(("embedding", "simple_rnn", "dense"))]
    assert [l.split()[-1] for l in lines] == ["320,000", "2,080", "33"]


def test_keras_counts_for_gru_stacks_bidirectional_and_conv():
    # Keras: GRU(32) reset_after on 32 inputs = 3 * (32*32 + 32*32 + 2*32) = 6,336; Bidirectional doubles it.
    model = Sequential([Embedding(10000, 32), Conv1D(32, 7, activation="relu"), MaxPooling1D(5),
                        Bidirectional(GRU(32, return_sequences=True)), GRU(16, reset_after=False),
                        Dense(1, activation="sigmoid")])
    counts = [layer.count_params() for layer in model.layers]
    assert counts == [320_000, 7 * 32 * 32 + 32, 0, 2 * 6_336, 3 * (64 * 16 + 16 * 16 + 16), 17]
    assert model.output_shapes[3] == (None, 64)


def test_stacked_simple_rnn_shapes_and_forward():
    model = Sequential()
    model.add(Embedding(10000, 32))
    model.add(SimpleRNN(64, return_sequences=True))
    model.add(SimpleRNN(32, return_sequences=True))
    model.add(SimpleRNN(16))
    model.add(Dense(1, activation="sigmoid"))
    assert model.output_shapes == [(None, 32), (None, 64), (None, 32), (16,), (1,)]
    y = model(torch.randint(0, 10000, (3, 11)))
    assert y.shape == (3, 1) and torch.all((y > 0) & (y < 1))


def test_config_round_trip_rebuilds_the_same_function():
    torch.manual_seed(0)
    model = Sequential([Embedding(50, 8, mask_zero=True), Bidirectional(LSTM(6, return_sequences=True, peephole=True)),
                        GlobalMaxPooling1D(), Dense(3, activation="softmax")]).eval()
    clone = build_model(model_config(model)).eval()
    clone.load_state_dict(model.state_dict())
    x = torch.randint(1, 50, (4, 9))
    x[0, 5:] = 0
    torch.testing.assert_close(clone(x), model(x))
    assert clone.summary(print_fn=None) == model.summary(print_fn=None)


def test_mask_zero_skips_padding():
    torch.manual_seed(0)
    model = Sequential([Embedding(20, 4, mask_zero=True), GRU(5), Dense(1)]).eval()
    x = torch.tensor([[3, 4, 5, 0, 0, 0]])
    torch.testing.assert_close(model(x), model(x[:, :3]))
    pooled = Sequential([Embedding(20, 4, mask_zero=True), LSTM(5, return_sequences=True), GlobalAveragePooling1D()]).eval()
    pooled.layers[0].load_state_dict(model.layers[0].state_dict())
    torch.testing.assert_close(pooled(x), pooled(x[:, :3]))


def test_forward_logits_is_pre_activation():
    model = Sequential([Embedding(20, 4), LSTM(5), Dense(1, activation="sigmoid")]).eval()
    x = torch.randint(0, 20, (2, 3))
    torch.testing.assert_close(torch.sigmoid(model.forward_logits(x)), model(x))
    assert model.output_activation == "sigmoid"
    # Article 000 writes the activation as its own layer.
    split = Sequential([Embedding(20, 4), LSTM(5), Dense(1), Activation("sigmoid")]).eval()
    split.load_state_dict(model.state_dict())
    torch.testing.assert_close(split(x), model(x))
    torch.testing.assert_close(split.forward_logits(x), model.forward_logits(x))
    assert split.output_activation == "sigmoid"


def test_unbuilt_model_summary_explains():
    model = Sequential([LSTM(4), Dense(1)])
    try:
        model.summary(print_fn=None)
    except ValueError as err:
        assert "input_shape" in str(err)
    else:
        raise AssertionError("summary of an unbuilt model must raise")
    model(torch.randn(2, 5, 3))  # builds lazily from the first batch
    assert model.layers[0].count_params() == 4 * (3 * 4 + 4 * 4 + 4)
    assert f"Total params: {4 * (3 * 4 + 4 * 4 + 4) + 4 + 1}" in model.summary(print_fn=None)
