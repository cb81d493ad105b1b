"""`rnnkit export RUN --format onnx` on a trained run of every task: the files onnxruntime runs give what
rnnkit gives on inputs the exporter never saw (other batch sizes and lengths, padded); the language
model streams one step at a time from its carried state, the seq2seq model decodes greedily from its
encoder and decoder-step graphs, a model with no ONNX graph is refused in one line."""
import numpy as np
import onnxruntime
import pytest
import torch

from rnnkit.models.seq2seq import BOS_ID
from rnnkit.tasks import read_run
from testkit import call_cli
from testkit.tiny_runs import train_tiny

TASKS = ("classify", "mnist", "tag", "lm", "seq2seq", "forecast", "classify-series")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export-runs")
    return {task: train_tiny(task, folder) for task in TASKS}


def export(capsys, run, path):
    code, out, err = call_cli(capsys, "export", run, "--format", "onnx", "-o", path)
    assert code == 0, err
    return out


def model_of(run):
    run = read_run(run)
    return run.task.model_of(run)


def padded(batch, time, vocab, seed=7, *extra):
    g = torch.Generator().manual_seed(seed)
    lengths = torch.randint(1, time + 1, (batch,), generator=g)
    lengths[-1] = time
    ids = torch.randint(1, vocab, (batch, time, *extra), generator=g)
    past = (torch.arange(time)[None] >= lengths[:, None]).view(batch, time, *(1 for _ in extra))
    return ids.masked_fill(past, 0), lengths


def run_onnx(path, **inputs):
    session = onnxruntime.InferenceSession(str(path))
    return session.run(None, {k: v.numpy() if isinstance(v, torch.Tensor) else v for k, v in inputs.items()})


def close(got, want):
    np.testing.assert_allclose(got, want.detach().numpy(), atol=1e-4, rtol=0)


def test_text_classifier(runs, capsys, tmp_path):
    out = export(capsys, runs["classify"], tmp_path / "text.onnx")
    assert "inputs ids, lengths -> outputs probabilities" in out
    assert "note: the file holds the run's model alone, while `rnnkit predict`'s predictions average" in out
    model = model_of(runs["classify"])
    ids, lengths = padded(5, 17, model.vocab_size)
    (got,) = run_onnx(tmp_path / "text.onnx", ids=ids, lengths=lengths)
    close(got, model.predict_proba(ids, lengths))
    assert np.allclose(got.sum(1), 1, atol=1e-5)


def test_default_path_is_in_the_run_folder(runs, capsys):
    export(capsys, runs["classify-series"], runs["classify-series"] / "model.onnx")
    code, _, err = call_cli(capsys, "export", runs["classify-series"])
    assert code == 0 and (runs["classify-series"] / "model.onnx").is_file(), err


def test_series_classifier(runs, capsys, tmp_path):
    export(capsys, runs["classify-series"], tmp_path / "series.onnx")
    model = model_of(runs["classify-series"])
    g = torch.Generator().manual_seed(1)
    x = torch.randn(4, 15, model.input_size, generator=g)
    lengths = torch.tensor([15, 5, 9, 2])
    x = x.masked_fill(torch.arange(15)[None, :, None] >= lengths[:, None, None], 0.0)
    (got,) = run_onnx(tmp_path / "series.onnx", features=x, lengths=lengths)
    close(got, model.predict_proba(x, lengths))


def test_image_classifier(runs, capsys, tmp_path):
    export(capsys, runs["mnist"], tmp_path / "mnist.onnx")
    model = model_of(runs["mnist"])
    images = torch.rand(5, 28, 28, generator=torch.Generator().manual_seed(2))
    (got,) = run_onnx(tmp_path / "mnist.onnx", images=images)
    close(got, model.predict_proba(images))


def test_tagger_emissions(runs, capsys, tmp_path):
    out = export(capsys, runs["tag"], tmp_path / "tag.onnx")
    assert "outputs emissions" in out
    model = model_of(runs["tag"])
    ids, lengths = padded(3, 12, model.vocab_size)
    (emissions,) = run_onnx(tmp_path / "tag.onnx", ids=ids, lengths=lengths)
    close(emissions, model(ids, lengths))
    # Viterbi stays rnnkit's: its CRF over onnxruntime's emissions gives the tags rnnkit's decode gives
    mask = torch.arange(12)[None] < lengths[:, None]
    best = model.crf.decode(torch.from_numpy(emissions), mask)
    assert [row[:n].tolist() for row, n in zip(best, lengths.tolist())] == model.decode(ids, lengths)


def test_language_model_streams_one_step_at_a_time(runs, capsys, tmp_path):
    out = export(capsys, runs["lm"], tmp_path / "lm.onnx")
    assert "inputs ids, h, c -> outputs logits, h_out, c_out" in out
    model = model_of(runs["lm"])
    ids = torch.randint(0, model.vocab_size, (2, 9), generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        whole, _ = model(ids)  # (2, 9, V) read at once from zeros
    session = onnxruntime.InferenceSession(str(tmp_path / "lm.onnx"))
    sizes = model.rnn.state_sizes
    h, c = (np.zeros((model.rnn.num_layers, 2, size), np.float32) for size in sizes)
    steps = []
    for t in range(9):  # generation's loop: one token in, its logits and the state out
        logits, h, c = session.run(None, {"ids": ids[:, t:t + 1].numpy(), "h": h, "c": c})
        steps.append(logits)
    close(np.concatenate(steps, 1), whole)
    prompt, = run_onnx(tmp_path / "lm.onnx", ids=ids[:, :4], h=np.zeros_like(h), c=np.zeros_like(c))[:1]
    close(prompt, whole[:, :4])  # a prompt read in one call


def test_seq2seq_encoder_and_decoder_step_decode_greedily(runs, capsys, tmp_path):
    out = export(capsys, runs["seq2seq"], tmp_path / "s2s.onnx")
    assert "s2s.encoder.onnx" in out and "s2s.decoder.onnx" in out
    model = model_of(runs["seq2seq"])
    source, lengths = padded(3, 6, model.options["source_vocab"])
    encoded = run_onnx(tmp_path / "s2s.encoder.onnx", source=source, lengths=lengths)
    decoder = onnxruntime.InferenceSession(str(tmp_path / "s2s.decoder.onnx"))
    names = [i.name for i in decoder.get_inputs()]
    state = dict(zip(names[1:], encoded))
    previous = np.full(3, BOS_ID, np.int64)
    with torch.no_grad():
        reference = model.encode(source, lengths)
        tokens = torch.full((3,), BOS_ID)
        for _ in range(5):
            log_probs, *carried, attention = decoder.run(None, {"previous": previous, **state})
            want, reference, want_attention = model.step(tokens, reference)
            close(log_probs, want)
            close(attention, want_attention)
            previous, tokens = log_probs.argmax(-1), want.argmax(-1)
            assert previous.tolist() == tokens.tolist()
            state.update(zip([n for n in names[4:]], carried))


def test_forecaster(runs, capsys, tmp_path):
    export(capsys, runs["forecast"], tmp_path / "forecast.onnx")
    model = model_of(runs["forecast"])
    for batch, time in ((4, 24), (1, 30)):  # the run's lookback and a longer window; one row too
        window = torch.randn(batch, time, model.input_size, generator=torch.Generator().manual_seed(time))
        (got,) = run_onnx(tmp_path / "forecast.onnx", window=window)
        close(got, model(window))


def test_a_model_without_an_onnx_graph_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the arrays config names its data file relative to where it runs
    run = train_tiny("arrays", tmp_path)
    code, _, err = call_cli(capsys, "export", run, "-o", tmp_path / "m.onnx")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "TinyLSTMClassifier" in err
    assert not (tmp_path / "m.onnx").exists()


def test_unknown_format(runs, capsys):
    code, _, err = call_cli(capsys, "export", runs["tag"], "--format", "tflite")
    assert code == 2 and "'tflite'" in err and "onnx" in err
