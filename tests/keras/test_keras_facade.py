"""Keras facade: article 003's compile / fit / evaluate / predict round trip, stable BCE, run folder."""
import numpy as np
import pytest
import torch

from rnnkit.keras.layers import LSTM, Dense, Embedding
from rnnkit.keras.models import Sequential


def first_token_data(n, seed):
    g = np.random.default_rng(seed)
    x = g.integers(1, 6, (n, 8))
    return x, (x[:, 0] % 2).astype(np.float32)


def article_model():
    model = Sequential()
    model.add(Embedding(6, 8))
    model.add(LSTM(8))
    model.add(Dense(1, activation="sigmoid"))
    return model


def test_compile_fit_evaluate_predict_round_trip(tmp_path):
    torch.manual_seed(0)
    x, y = first_token_data(400, 0)
    model = article_model()
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["acc"], lr=0.01)
    history = model.fit(x, y, epochs=5, batch_size=32, validation_split=0.2, verbose=0, run_dir=tmp_path)
    assert set(history.history) >= {"loss", "acc", "val_loss", "val_acc"}
    assert len(history.history["val_acc"]) == 5 and history.history["val_acc"][-1] > 0.9
    xt, yt = first_token_data(100, 1)
    loss, acc = model.evaluate(xt, yt, verbose=0)
    probs = model.predict(xt)
    assert probs.shape == (100, 1) and ((probs >= 0) & (probs <= 1)).all()
    assert acc == pytest.approx(((probs[:, 0] > 0.5) == yt).mean())
    p = np.clip(probs[:, 0].astype(np.float64), 1e-7, 1 - 1e-7)  # Keras' own formula on the outputs
    assert loss == pytest.approx(-(yt * np.log(p) + (1 - yt) * np.log(1 - p)).mean(), rel=1e-4)
    from rnnkit.io import load

    rebuilt = load(tmp_path)
    assert np.allclose(rebuilt(torch.as_tensor(xt)).detach().numpy(), probs, atol=1e-6)


def test_binary_crossentropy_is_stable_for_saturated_sigmoids():
    model = article_model()
    with torch.no_grad():
        model.layers[-1].linear.weight.fill_(50.0)  # logits ~ +-hundreds: sigmoid is exactly 0 or 1
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["acc"], lr=1e-3)
    x, y = first_token_data(64, 2)
    loss, _ = model.evaluate(x, y, verbose=0)
    assert np.isfinite(loss)
    history = model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert all(torch.isfinite(p).all() for p in model.parameters())


def test_evaluate_without_metrics_returns_the_loss_only():
    model = article_model()
    model.compile(optimizer="adam", loss="binary_crossentropy")
    x, y = first_token_data(32, 3)
    assert isinstance(model.evaluate(x, y, verbose=0), float)


def test_embedding_get_and_set_weights_as_keras():
    layer = Embedding(6, 4)
    matrix = np.arange(24, dtype=np.float32).reshape(6, 4)
    layer.set_weights([matrix])
    (back,) = layer.get_weights()
    np.testing.assert_array_equal(back, matrix)
    np.testing.assert_array_equal(layer(torch.tensor([[5, 0]])).detach().numpy()[0], matrix[[5, 0]])
    with pytest.raises(ValueError, match=r"shape \(6, 4\)"):
        layer.set_weights([matrix[:5]])
