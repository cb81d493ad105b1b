"""ONNX export of model configurations the tiny task runs do not reach: a convolutional front end with
attention pooling, a forecaster with a front end and quantiles (and each target normalisation), a GRU language model (its state is h
alone), a seq2seq model with a GRU, input feeding and a linear bridge. Each file is checked here on a
batch the exporter's own check never saw."""
import numpy as np
import onnxruntime
import pytest
import torch

from rnnkit.io.onnx_export import export_onnx
from rnnkit.models.classifier import SequenceClassifier
from rnnkit.models.forecaster import Forecaster
from rnnkit.models.language_model import LanguageModel
from rnnkit.models.seq2seq import BOS_ID, Seq2Seq
from rnnkit.models.sequential import Sequential
from rnnkit.models.series_classifier import SeriesClassifier


def session(path):
    return onnxruntime.InferenceSession(str(path))


def test_conv_front_end_and_attention_pooling(tmp_path):
    torch.manual_seed(0)
    model = SequenceClassifier(3, 40, embedding_dim=6, cell="lstm", hidden_size=5, conv_filters=4, conv_kernel=3,
                               conv_pool=2, pooling="attention+max", attention_size=4).eval()
    (done,) = export_onnx(model, tmp_path / "m.onnx")
    ids = torch.randint(1, 40, (4, 15))
    lengths = torch.tensor([15, 3, 8, 1])
    ids = ids.masked_fill(torch.arange(15)[None] >= lengths[:, None], 0)
    (got,) = session(done.path).run(None, {"ids": ids.numpy(), "lengths": lengths.numpy()})
    np.testing.assert_allclose(got, model.predict_proba(ids, lengths).detach().numpy(), atol=1e-5)


@pytest.mark.parametrize("normalize", ["none", "last", "window"])
def test_forecaster_with_front_end_and_quantiles(tmp_path, normalize):
    torch.manual_seed(0)
    model = Forecaster(2, 3, hidden_size=6, conv_filters=3, conv_kernel=3, conv_pool=2, ar_lags=5,
                       quantiles=(0.1, 0.5, 0.9), cell="gru", normalize=normalize).eval()
    (done,) = export_onnx(model, tmp_path / "f.onnx")
    window = torch.randn(3, 21, 2)
    (got,) = session(done.path).run(None, {"window": window.numpy()})
    assert got.shape == (3, 3, 3)
    np.testing.assert_allclose(got, model(window).detach().numpy(), atol=1e-5)


def test_gru_language_model_state_is_h_alone(tmp_path):
    torch.manual_seed(0)
    model = LanguageModel(25, 6, 7, 2, cell="gru").eval()
    (done,) = export_onnx(model, tmp_path / "lm.onnx")
    assert done.inputs == ["ids", "h"] and done.outputs == ["logits", "h_out"]
    ids = torch.randint(0, 25, (1, 6))
    with torch.no_grad():
        whole, (h_end,) = model(ids)
    run, h = session(done.path), np.zeros((2, 1, 7), np.float32)
    for t in range(6):
        logits, h = run.run(None, {"ids": ids[:, t:t + 1].numpy(), "h": h})
        np.testing.assert_allclose(logits[:, 0], whole[:, t].numpy(), atol=1e-5)
    np.testing.assert_allclose(h, h_end.numpy(), atol=1e-5)


def test_seq2seq_gru_input_feeding_linear_bridge(tmp_path):
    torch.manual_seed(0)
    model = Seq2Seq(15, 18, embedding_dim=5, cell="gru", hidden_size=4, encoder_layers=2, decoder_hidden_size=6,
                    attention="general", input_feeding=True, bridge="linear").eval()
    encoder, decoder = export_onnx(model, tmp_path / "s.onnx")
    assert encoder.path.name == "s.encoder.onnx" and decoder.path.name == "s.decoder.onnx"
    assert encoder.outputs == ["memory", "keys", "mask", "h", "feed"]
    source = torch.tensor([[4, 5, 6, 7, 8, 9, 10, 0], [3, 3, 0, 0, 0, 0, 0, 0]])
    lengths = torch.tensor([7, 2])
    memory, keys, mask, h, feed = session(encoder.path).run(None, {"source": source.numpy(), "lengths": lengths.numpy()})
    step = session(decoder.path)
    previous = np.full(2, BOS_ID, np.int64)
    with torch.no_grad():
        state, tokens = model.encode(source, lengths), torch.full((2,), BOS_ID)
        for _ in range(4):
            log_probs, h, feed, attention = step.run(None, {"previous": previous, "memory": memory, "keys": keys,
                                                            "mask": mask, "h": h, "feed": feed})
            want, state, want_attention = model.step(tokens, state)
            np.testing.assert_allclose(log_probs, want.numpy(), atol=1e-5)
            # rnnkit's encode cuts the batch to its longest source (7); the graph keeps all 8 columns given
            np.testing.assert_allclose(attention[:, :7], want_attention.numpy(), atol=1e-6)
            assert np.all(attention[:, 7] == 0) and np.all(attention[1, 2:] == 0)  # padding gets no attention
            previous, tokens = log_probs.argmax(-1), want.argmax(-1)


def test_keras_style_sequential_with_a_masking_embedding(tmp_path):
    from rnnkit.keras.layers import GRU, LSTM, Bidirectional, Dense, Embedding

    torch.manual_seed(0)
    model = Sequential([Embedding(30, 6, mask_zero=True), Bidirectional(LSTM(5, return_sequences=True)), GRU(4),
                        Dense(3, activation="softmax")]).eval()
    ids = torch.randint(1, 30, (3, 10))
    lengths = torch.tensor([10, 4, 7])
    ids = ids.masked_fill(torch.arange(10)[None] >= lengths[:, None], 0)
    model(ids)  # builds the lazily built layers
    (done,) = export_onnx(model, tmp_path / "k.onnx")
    assert done.inputs == ["x", "lengths"] and done.outputs == ["output"]
    (got,) = session(done.path).run(None, {"x": ids.numpy(), "lengths": lengths.numpy()})
    np.testing.assert_allclose(got, model(ids).detach().numpy(), atol=1e-5)  # the mask read from the ids by rnnkit


def test_a_flatten_fixes_the_number_of_steps(tmp_path):
    from rnnkit.keras.layers import Dense, Embedding, Flatten

    torch.manual_seed(0)
    model = Sequential([Embedding(30, 4, input_length=5), Flatten(), Dense(2, activation="sigmoid")]).eval()
    ids = torch.randint(1, 30, (4, 5))
    model(ids)
    (done,) = export_onnx(model, tmp_path / "f.onnx")
    run = session(done.path)
    assert [d if isinstance(d, int) else "dynamic" for d in run.get_inputs()[0].shape] == ["dynamic", 5]
    (got,) = run.run(None, {"x": ids.numpy()})
    np.testing.assert_allclose(got, model(ids).detach().numpy(), atol=1e-6)


def test_hashed_ngram_inputs(tmp_path):
    """The n-gram hash (int64 products that wrap, masks, floor division) gives ONNX Runtime the same buckets."""
    torch.manual_seed(0)
    model = SequenceClassifier(2, 40_000, embedding_dim=6, hidden_size=5, ngram_buckets=101, ngram_max=3).eval()
    torch.nn.init.normal_(model.ngrams.weight)
    (done,) = export_onnx(model, tmp_path / "m.onnx")
    ids = torch.randint(1, 40_000, (4, 12))
    lengths = torch.tensor([12, 3, 8, 1])
    ids = ids.masked_fill(torch.arange(12)[None] >= lengths[:, None], 0)
    (got,) = session(done.path).run(None, {"ids": ids.numpy(), "lengths": lengths.numpy()})
    np.testing.assert_allclose(got, model.predict_proba(ids, lengths).detach().numpy(), atol=1e-5)


@pytest.mark.parametrize("options", [{}, {"hidden_size": 0}, {"rnn_input": "fcn"}, {"rnn_input": "shuffle", "steps": 16}],
                         ids=["lstm-fcn", "fcn-alone", "lstm-over-fcn", "dimension-shuffle"])
def test_series_classifier(tmp_path, options):
    """LSTM-FCN (the classify-series default) and its variants: padded batches of several lengths give the
    probabilities the model gives (the FCN's average and batch norm leave the padding out)."""
    torch.manual_seed(0)
    model = SeriesClassifier(3, 2, fcn_filters=(4, 6, 4), fcn_kernels=(5, 3, 3), **{"hidden_size": 5, **options}).eval()
    (done,) = export_onnx(model, tmp_path / "s.onnx")
    x = torch.randn(4, 15, 2)
    lengths = torch.tensor([15, 5, 9, 2])
    x = x.masked_fill(torch.arange(15)[None, :, None] >= lengths[:, None, None], 0.0)
    (got,) = session(done.path).run(None, {"features": x.numpy(), "lengths": lengths.numpy()})
    np.testing.assert_allclose(got, model.predict_proba(x, lengths).detach().numpy(), atol=1e-5)


def test_a_tagger_with_character_features_reads_any_word_length(tmp_path):
    # the tag task's default on a user's word-level file: a character BiLSTM per word (it refused to export)
    from rnnkit.models.tagger import SequenceTagger

    torch.manual_seed(0)
    model = SequenceTagger(5, 30, embedding_dim=6, hidden_size=5, char_vocab_size=12, char_dim=4, char_hidden=3).eval()
    (done,) = export_onnx(model, tmp_path / "t.onnx")
    g = torch.Generator().manual_seed(1)
    lengths = torch.tensor([6, 3])
    ids = torch.zeros(2, 6, 1 + 9, dtype=torch.long)  # 9 characters a word: neither probe's count
    for row, length in enumerate(lengths.tolist()):
        ids[row, :length, 0] = torch.randint(1, 30, (length,), generator=g)
        for t in range(length):
            n = int(torch.randint(1, 10, (), generator=g))
            ids[row, t, 1:1 + n] = torch.randint(1, 12, (n,), generator=g)
    (got,) = session(done.path).run(None, {"ids": ids.numpy(), "lengths": lengths.numpy()})
    want = model(ids, lengths).detach().numpy()
    np.testing.assert_allclose(got[0], want[0], atol=1e-5)
    np.testing.assert_allclose(got[1, :3], want[1, :3], atol=1e-5)
