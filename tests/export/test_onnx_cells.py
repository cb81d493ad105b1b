"""ONNX export of the recurrent cells: each variant ONNX's LSTM/GRU/RNN operators express becomes one node
per cell, checked here on a batch the exporter never saw (another batch size and length, padded), against
rnnkit's own runners; the variants they cannot express are refused in one line, and a file that fails
the onnxruntime check is never left behind."""
import numpy as np
import onnxruntime
import pytest
import torch

from rnnkit.errors import UserError
from rnnkit.io import onnx_export
from rnnkit.io.onnx_export import export_onnx
from rnnkit.layers import MLSTM
from rnnkit.models.classifier import SequenceClassifier

VARIANTS = {"lstm": ("lstm", {}), "lstm-peephole": ("lstm", {"peephole": True}),
            "gru": ("gru", {}), "gru-reset-before": ("gru", {"reset_after": False}),
            "rnn-relu": ("rnn", {"activation": "relu"})}


def classifier(cell: str, options: dict) -> SequenceClassifier:
    """Two bidirectional layers read by every pooling: each step's output and the final states count."""
    torch.manual_seed(0)
    model = SequenceClassifier(4, 30, embedding_dim=5, cell=cell, hidden_size=4, num_layers=2, bidirectional=True,
                               pooling="last+max+mean", cell_options=options).eval()
    with torch.no_grad():  # weights far from their small initial values, so the gates saturate differently
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.4)
    return model


def padded_batch(batch=6, time=13, vocab=30, seed=3):
    g = torch.Generator().manual_seed(seed)
    lengths = torch.randint(1, time + 1, (batch,), generator=g)
    lengths[1] = time
    ids = torch.randint(1, vocab, (batch, time), generator=g)
    return ids.masked_fill(torch.arange(time)[None] >= lengths[:, None], 0), lengths


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_cell_variants_match_onnxruntime(variant, tmp_path):
    model = classifier(*VARIANTS[variant])
    (done,) = export_onnx(model, tmp_path / "m.onnx")
    assert done.inputs == ["ids", "lengths"] and done.outputs == ["probabilities"] and done.max_diff <= 1e-4
    ids, lengths = padded_batch()
    session = onnxruntime.InferenceSession(str(done.path))
    (got,) = session.run(None, {"ids": ids.numpy(), "lengths": lengths.numpy()})
    with torch.no_grad():
        want = model.predict_proba(ids, lengths).numpy()
    np.testing.assert_allclose(got, want, atol=1e-5, rtol=0)
    with torch.no_grad():  # padding is read by lengths, as rnnkit reads it: a row alone gives the same
        alone = model.predict_proba(ids[:1, : int(lengths[0])], lengths[:1]).numpy()
    np.testing.assert_allclose(got[:1], alone, atol=1e-5, rtol=0)
    types = {node.op_type for node in __import__("onnx").load(str(done.path)).graph.node}
    assert {"LSTM", "GRU", "RNN"} & types, types  # ONNX's own operator, not an unrolled loop


@pytest.mark.parametrize("options, option", [({"layer_norm": True}, "layer_norm"), ({"proj_size": 2}, "proj_size"),
                                             ({"cell_clip": 3.0}, "cell_clip"), ({"zoneout": 0.1}, "zoneout")])
def test_what_onnx_cannot_express_is_refused_in_one_line(options, option, tmp_path):
    model = classifier("lstm", options)
    with pytest.raises(UserError) as err:
        export_onnx(model, tmp_path / "m.onnx")
    message = str(err.value)
    assert "\n" not in message and option in message and "sequence length" in message
    assert not list(tmp_path.iterdir())


def test_other_cells_are_refused(tmp_path):
    with pytest.raises(UserError, match="MinGRUCell is not one of ONNX's recurrent operators"):
        export_onnx(SequenceClassifier(3, 20, embedding_dim=4, cell="mingru", hidden_size=4), tmp_path / "m.onnx")


def test_a_file_that_fails_the_check_is_not_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(onnx_export, "TOLERANCE", -1.0)  # no difference passes: the check must fail
    with pytest.raises(UserError, match="differs from rnnkit's"):
        export_onnx(classifier("gru", {}), tmp_path / "m.onnx")
    assert not list(tmp_path.iterdir())  # neither the file nor its temp


def test_the_model_keeps_its_runner(tmp_path):
    model = classifier("lstm", {})
    export_onnx(model, tmp_path / "m.onnx")
    assert model.rnn.fast == "auto"


@pytest.mark.parametrize("num_heads", [1, 2])
def test_the_parallel_mlstm_matches_onnxruntime_at_any_length(num_heads, tmp_path):
    """The mLSTM's parallel form is masked (T, T) matrix products, traced as they are: the time axis stays
    open (a batch longer than the probes), padding and the initial state's terms as rnnkit computes them."""
    model = classifier("mlstm", {"num_heads": num_heads})
    assert isinstance(model.rnn, MLSTM) and model.rnn.form == "parallel"
    (done,) = export_onnx(model, tmp_path / "m.onnx")
    assert done.inputs == ["ids", "lengths"] and done.max_diff <= 1e-4
    session = onnxruntime.InferenceSession(str(done.path))
    for ids, lengths in (padded_batch(), padded_batch(batch=3, time=41, seed=5)):
        (got,) = session.run(None, {"ids": ids.numpy(), "lengths": lengths.numpy()})
        with torch.no_grad():
            want = model.predict_proba(ids, lengths).numpy()
            alone = model.predict_proba(ids[:1, : int(lengths[0])], lengths[:1]).numpy()
        np.testing.assert_allclose(got, want, atol=1e-5, rtol=0)
        np.testing.assert_allclose(got[:1], alone, atol=1e-5, rtol=0)
    types = {node.op_type for node in __import__("onnx").load(str(done.path)).graph.node}
    assert not {"Loop", "Scan", "LSTM", "GRU", "RNN"} & types, types


@pytest.mark.parametrize("options, fast, match", [
    ({"form": "chunkwise"}, "auto", r"runs form='chunkwise', whose loop over chunks would fix the sequence length"),
    ({"form": "recurrent"}, "auto", r"the mLSTM's recurrent form is not one of ONNX's recurrent operators"),
    ({}, "fused", r"the mLSTM's recurrent form is not one of ONNX's recurrent operators"),
])
def test_the_mlstm_forms_that_loop_are_refused_in_one_line(options, fast, match, tmp_path):
    model = SequenceClassifier(3, 20, embedding_dim=4, cell="mlstm", hidden_size=4, fast=fast, cell_options=options)
    with pytest.raises(UserError, match=match) as err:
        export_onnx(model, tmp_path / "m.onnx")
    assert "\n" not in str(err.value) and "parallel" in str(err.value)
    assert not list(tmp_path.iterdir())


def test_an_mlstm_tagger_exports_and_its_carried_state_is_refused_in_one_line(tmp_path):
    """The tagger runs the parallel form over the whole sentence: it exports. A language model's and a
    seq2seq decoder's graphs carry the state h [, c] between calls, which the mLSTM's (h, C, n, m) is not."""
    from rnnkit.models.language_model import LanguageModel
    from rnnkit.models.seq2seq import Seq2Seq
    from rnnkit.models.tagger import SequenceTagger

    torch.manual_seed(0)
    (done,) = export_onnx(SequenceTagger(4, 20, embedding_dim=8, hidden_size=6, cell="mlstm"), tmp_path / "t.onnx")
    assert done.outputs == ["emissions"] and done.max_diff <= 1e-4
    for model, what in ((LanguageModel(30, embedding_dim=8, hidden_size=6, cell="mlstm"), "language model"),
                        (Seq2Seq(9, 9, embedding_dim=8, hidden_size=6, cell="mlstm"), "seq2seq decoder")):
        with pytest.raises(UserError, match=f"the {what}'s graph carries the state h \\[, c\\].*MLSTMCell's state is 4"):
            export_onnx(model, tmp_path / "m.onnx")
    assert [p.name for p in tmp_path.iterdir()] == ["t.onnx"]
