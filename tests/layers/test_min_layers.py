"""minGRU and minLSTM through `Recurrent`: padding, reversal, stacking, options that make no sense, counts."""
import pytest
import torch

from rnnkit.engine import run_loop
from rnnkit.layers import Recurrent
from rnnkit.models.classifier import SequenceClassifier
from rnnkit.models.summary import model_summary

B, T, I, H = 3, 6, 4, 5
KINDS = ["mingru", "minlstm"]


@pytest.mark.parametrize("kind", KINDS)
def test_padded_bidirectional_stack_equals_each_sequence_alone_and_the_loop(kind):
    torch.manual_seed(0)
    layer = Recurrent(kind, I, H, num_layers=2, bidirectional=True, return_state=True).double()
    lengths = torch.tensor([6, 2, 4])
    x = torch.randn(B, T, I, dtype=torch.float64)
    x[1, 2:] = 99.0  # garbage in the padding must not leak anywhere
    x[2, 4:] = -99.0
    assert layer.plan(x, lengths).runner == "scan"
    out, (h,) = layer(x, lengths=lengths)
    for b in range(B):
        n = int(lengths[b])
        out_b, (h_b,) = layer(x[b : b + 1, :n])
        torch.testing.assert_close(out[b, :n], out_b[0], rtol=0, atol=1e-12)
        assert torch.all(out[b, n:] == 0)
        torch.testing.assert_close(h[:, b], h_b[:, 0], rtol=0, atol=1e-12)
    layer.fast = "loop"
    out_loop, (h_loop,) = layer(x, lengths=lengths)
    torch.testing.assert_close(out, out_loop, rtol=0, atol=1e-12)
    torch.testing.assert_close(h, h_loop, rtol=0, atol=1e-12)


@pytest.mark.parametrize("kind", KINDS)
def test_state_is_frozen_past_a_rows_length_and_mask_anywhere_works(kind):
    torch.manual_seed(1)
    layer = Recurrent(kind, I, H, return_state=True)
    x = torch.randn(B, T, I)
    initial = torch.randn(1, B, H)
    mask = torch.tensor([[1, 1, 1, 1, 1, 1], [0, 0, 1, 1, 0, 0], [0, 0, 0, 0, 0, 0]], dtype=torch.bool)
    out, (h,) = layer(x, mask=mask, initial_state=initial)
    alone, (h1,) = layer(x[1:2, 2:4], initial_state=initial[:, 1:2])
    torch.testing.assert_close(out[1, 2:4], alone[0])
    torch.testing.assert_close(h[:, 1], h1[:, 0])
    torch.testing.assert_close(h[:, 2], initial[:, 2])  # an all-padding row keeps its state
    assert torch.all(out[2] == 0) and torch.all(out[1, [0, 1, 4, 5]] == 0)


@pytest.mark.parametrize("kind", KINDS)
def test_truncated_bptt_chunks_give_the_same_forward(kind):
    torch.manual_seed(2)
    layer = Recurrent(kind, I, H)
    x = torch.randn(B, 11, I)
    full = layer(x)
    layer.tbptt = 4
    torch.testing.assert_close(layer(x), full)


@pytest.mark.parametrize("kind,name", [("mingru", "minGRU"), ("minlstm", "minLSTM")])
@pytest.mark.parametrize("option,value", [("peephole", True), ("proj_size", 2), ("layer_norm", True),
                                          ("reset_after", False), ("zoneout", 0.1), ("weight_drop", 0.5)])
def test_options_that_make_no_sense_say_so_in_one_line(kind, name, option, value):
    with pytest.raises(ValueError) as err:
        Recurrent(kind, I, H, **{option: value})
    message = str(err.value)
    assert "\n" not in message and option in message and name in message


def test_unknown_options_and_layer_options_that_need_h_prev():
    with pytest.raises(ValueError, match="minGRU has no option 'colour'"):
        Recurrent("mingru", I, H, colour=1)
    with pytest.raises(ValueError, match="recurrent_dropout makes no sense for cell 'minlstm'"):
        Recurrent("minlstm", I, H, recurrent_dropout=0.2)
    x = torch.randn(B, T, I)
    for fast in ("native", "compiled"):
        with pytest.raises(ValueError, match=f"fast='{fast}' cannot run"):
            Recurrent("mingru", I, H, fast=fast)(x)
    with pytest.raises(ValueError, match="fast='scan' cannot run this configuration: LSTMCell's gates read h"):
        Recurrent("lstm", I, H, fast="scan")(x)


@pytest.mark.parametrize("kind,gates", [("mingru", 2), ("minlstm", 3)])
def test_summary_counts_parameters_by_hand(kind, gates):
    """Per cell G*H*(inputs + 1): W_ih and one bias per gate, no recurrent matrix."""
    model = SequenceClassifier(2, vocab_size=100, embedding_dim=8, cell=kind, hidden_size=6, num_layers=2,
                               bidirectional=True, pooling="max")
    first = 2 * gates * 6 * (8 + 1)  # two directions reading the embeddings
    second = 2 * gates * 6 * (12 + 1)  # two directions reading the concatenated (2 * 6) outputs
    assert sum(p.numel() for p in model.rnn.parameters()) == first + second
    rows = {line.split()[0]: line.split()[-1] for line in model_summary(model).splitlines()[3:]}
    assert rows["rnn"] == f"{first + second:,}"


@pytest.mark.parametrize("norm", ["layer", "rms"])
def test_residual_normalised_stack_is_the_papers_block_written_out(norm):
    """y_l = y_{l-1} + RNN_l(Norm_l(y_{l-1})), padded steps zero, a padded batch as each sequence alone."""
    torch.manual_seed(3)
    layer = Recurrent("mingru", H, H, num_layers=3, residual=True, norm=norm, return_state=True).double()
    assert layer.plan(torch.randn(B, T, H)).runner == "scan"
    x = torch.randn(B, T, H, dtype=torch.float64)
    lengths = torch.tensor([6, 2, 4])
    out, _ = layer(x, lengths=lengths)
    for b in range(B):
        n = int(lengths[b])
        y = x[b : b + 1, :n].transpose(0, 1)  # (n, 1, H) time-major
        for cell, normalise in zip(layer.cells, layer.norms):
            h, _ = cell_run(cell, normalise(y))
            y = y + h
        torch.testing.assert_close(out[b, :n], y[:, 0], rtol=0, atol=1e-12)
        assert torch.all(out[b, n:] == 0)
    layer.return_sequences = False
    last, _ = layer(x, lengths=lengths)
    torch.testing.assert_close(last, out[torch.arange(B), lengths - 1], rtol=0, atol=0)
    params = sum(p.numel() for p in layer.parameters())
    assert params == 3 * (2 * H * (H + 1) + (2 if norm == "layer" else 1) * H)  # cells and norms by hand


def cell_run(cell, y):
    return run_loop(cell, y, cell.init_state(y.shape[1], dtype=y.dtype))


def test_residual_needs_matching_widths_and_norm_a_known_kind():
    with pytest.raises(ValueError, match="residual=True needs input_size equal to the layer's output size 10, got 5"):
        Recurrent("minlstm", H, H, bidirectional=True, residual=True)
    with pytest.raises(ValueError, match="norm must be one of"):
        Recurrent("mingru", H, H, norm="batch")
    x = torch.randn(B, T, H)
    with torch.no_grad():  # a vanilla LSTM stack would be one native call; the residual stack cannot be
        assert Recurrent("lstm", H, H, num_layers=2).plan(x).runner == "native-stack"
        plan = Recurrent("lstm", H, H, num_layers=2, residual=True).plan(x)
    assert plan.runner == "native" and "residual connections" in plan.reason
