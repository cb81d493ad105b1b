"""The Recurrent layer: padding, reversal, stacking, states, dropout, against hand-written loops."""
import pytest
import torch

from rnnkit.cells import LSTMCell
from rnnkit.layers import Recurrent
from rnnkit.layers.recurrent import reverse_padded

B, T, I, H = 3, 6, 4, 5


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("merge_mode", ["concat", "sum", "ave", "mul"])
def test_padded_bidirectional_batch_equals_each_sequence_alone(cell, merge_mode):
    torch.manual_seed(0)
    layer = Recurrent(cell, I, H, num_layers=2, bidirectional=True, merge_mode=merge_mode, return_state=True).double()
    lengths = torch.tensor([6, 2, 4])
    x = torch.randn(B, T, I, dtype=torch.float64)
    x[1, 2:] = 99.0  # garbage in the padding must not leak anywhere
    x[2, 4:] = -99.0
    out, state = layer(x, lengths=lengths)
    width = out.shape[-1]
    for b in range(B):
        n = int(lengths[b])
        out_b, state_b = layer(x[b : b + 1, :n])
        torch.testing.assert_close(out[b, :n], out_b[0], rtol=0, atol=1e-12)
        assert torch.all(out[b, n:] == 0)
        for s, s_b in zip(state, state_b):
            torch.testing.assert_close(s[:, b], s_b[:, 0], rtol=0, atol=1e-12)
    assert width == (2 * H if merge_mode == "concat" else H)


def test_mask_equals_lengths_and_last_output_is_final_state():
    torch.manual_seed(0)
    layer = Recurrent("gru", I, H, bidirectional=True, return_sequences=False)
    x = torch.randn(B, T, I)
    lengths = torch.tensor([6, 1, 3])
    mask = torch.arange(T).unsqueeze(0) < lengths.unsqueeze(1)
    torch.testing.assert_close(layer(x, lengths=lengths), layer(x, mask=mask))
    layer.return_sequences = True
    seq = layer(x, lengths=lengths)
    last = torch.stack([seq[b, int(lengths[b]) - 1, :H] for b in range(B)])
    first = seq[:, 0, H:]
    layer.return_sequences = False
    both = layer(x, lengths=lengths)
    torch.testing.assert_close(both[:, :H], last)  # forward: output at the last real step
    torch.testing.assert_close(both[:, H:], first)  # backward: its last step is time 0


def test_stacked_layer_equals_hand_written_loop():
    """Two stacked LSTMs == running the cells one after the other with a plain loop."""
    torch.manual_seed(0)
    layer = Recurrent("lstm", I, H, num_layers=2, batch_first=False, return_state=True).double()
    x = torch.randn(T, B, I, dtype=torch.float64)
    out, (h, c) = layer(x)
    hidden = x
    for k, cell in enumerate(layer.cells):
        state = cell.init_state(B)
        steps = []
        for t in range(T):
            state, _ = cell.step(cell.project_input(hidden[t]), state)
            steps.append(state[0])
        hidden = torch.stack(steps)
        torch.testing.assert_close(h[k], state[0])
        torch.testing.assert_close(c[k], state[1])
    torch.testing.assert_close(out, hidden)


def test_reverse_padded():
    x = torch.arange(12.0).view(4, 3, 1)  # (T=4, B=3)
    rev = reverse_padded(x, torch.tensor([4, 2, 1]))[..., 0]
    assert rev[:, 0].tolist() == [9.0, 6.0, 3.0, 0.0]
    assert rev[:, 1].tolist() == [4.0, 1.0, 7.0, 10.0]
    assert rev[:, 2].tolist() == [2.0, 5.0, 8.0, 11.0]


def test_variational_recurrent_dropout_uses_one_mask_per_sequence():
    """With recurrent dropout, each step's recurrent input is h(t-1) times the SAME mask."""
    torch.manual_seed(0)
    cell = LSTMCell(I, H)
    seen = []
    original = cell.step

    def spy(xp, state, mask=None, weight_hh=None):
        seen.append(mask)
        return original(xp, state, mask, weight_hh)

    cell.step = spy
    layer = Recurrent("lstm", I, H, recurrent_dropout=0.5, fast="loop")
    layer.cells[0] = cell
    layer.train()
    layer(torch.randn(B, T, I))
    assert len(seen) == T and all(torch.equal(m, seen[0]) for m in seen)
    assert set(seen[0].unique().tolist()) <= {0.0, 2.0}
    seen.clear()
    layer.eval()
    layer(torch.randn(B, T, I))
    assert all(m is None for m in seen)


def test_input_dropout_is_variational_and_off_in_eval():
    torch.manual_seed(0)
    layer = Recurrent("rnn", I, H, dropout=0.5, fast="loop").train()
    x = torch.ones(B, T, I)
    # All-ones input: what reaches the cell IS the dropout mask, which must be the same at every step.
    captured = {}
    layer.cells[0].project_input = lambda x, f=layer.cells[0].project_input: (captured.setdefault("x", x), f(x))[1]
    layer(x)
    dropped = captured["x"]  # (T, B, I)
    assert torch.equal(dropped, dropped[:1].expand_as(dropped))
    assert (dropped == 0).any() and (dropped == 2).any()
    layer.eval()
    torch.testing.assert_close(layer(x), layer(x))


def test_dropout_changes_training_outputs_only():
    torch.manual_seed(0)
    layer = Recurrent("gru", I, H, num_layers=2, dropout=0.3, recurrent_dropout=0.3, inter_layer_dropout=0.3)
    x = torch.randn(B, T, I)
    layer.train()
    assert not torch.allclose(layer(x), layer(x))
    layer.eval()
    torch.testing.assert_close(layer(x), layer(x))


def test_gradients_flow_to_every_parameter():
    layer = Recurrent("lstm", I, H, num_layers=2, bidirectional=True, peephole=True, proj_size=3)
    layer(torch.randn(B, T, I)).sum().backward()
    for name, p in layer.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name
