"""Masks with padding anywhere (Keras' pad_sequences pads at the START by default).

The round trip every test checks: a batch with padded steps anywhere gives, at the real steps, exactly
what each sequence gives with its padded steps removed; its final state and last output too; on every
runner, every cell, both directions, stacked, in chunks, and through Embedding(mask_zero=True).
"""
import pytest
import torch

from rnnkit.engine import compiled
from rnnkit.engine.masks import compact_steps, gather_time, prefix_lengths
from rnnkit.layers import (GRU, LSTM, Bidirectional, Conv1D, Dense, Embedding, GlobalAveragePooling1D,
                           GlobalMaxPooling1D, Recurrent, SimpleRNN)
from rnnkit.layers.keras_rnn import carry_last_output
from rnnkit.models.sequential import Sequential

B, T, I, H = 4, 7, 3, 5
CELLS = ["lstm", "gru", "rnn"]
RUNNERS = ["loop", "fused", "native",
           pytest.param("compiled", marks=pytest.mark.skipif(not compiled.available(), reason="no compiled kernels")),
           "auto"]
MASK = torch.tensor([[0, 0, 0, 1, 1, 1, 1],   # pre-padded (pad_sequences' default)
                     [1, 1, 1, 1, 1, 1, 1],   # no padding
                     [1, 0, 1, 1, 0, 0, 1],   # holes anywhere
                     [1, 1, 1, 1, 0, 0, 0]], dtype=torch.bool)  # post-padded


def garbage_in_padding(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Padded steps hold large values: anything that leaks from them shows."""
    return x.masked_fill(~mask.unsqueeze(-1), 50.0)


def check_each_row_alone(layer, x, mask, out, state):
    """out (B, T, D*H) and state match each row run alone without its padded steps; padded steps are 0."""
    for b in range(x.shape[0]):
        alone, alone_state = layer(x[b:b + 1, mask[b]])
        torch.testing.assert_close(out[b, mask[b]], alone[0], rtol=0, atol=1e-12)
        assert torch.all(out[b, ~mask[b]] == 0)
        for s, s_alone in zip(state, alone_state):
            torch.testing.assert_close(s[:, b], s_alone[:, 0], rtol=0, atol=1e-12)


@pytest.mark.parametrize("fast", RUNNERS)
@pytest.mark.parametrize("cell", CELLS)
def test_mask_anywhere_equals_each_sequence_without_its_padding(cell, fast):
    torch.manual_seed(0)
    layer = Recurrent(cell, I, H, num_layers=2, bidirectional=True, return_state=True, fast=fast).double().eval()
    x = garbage_in_padding(torch.randn(B, T, I, dtype=torch.float64), MASK)
    out, state = layer(x, mask=MASK)
    check_each_row_alone(layer, x, MASK, out, state)


@pytest.mark.parametrize("cell", CELLS)
def test_gradients_of_a_masked_batch_are_those_of_the_sequences_alone(cell):
    torch.manual_seed(1)
    layer = Recurrent(cell, I, H, bidirectional=True, return_sequences=False, fast="fused").double()
    x = garbage_in_padding(torch.randn(B, T, I, dtype=torch.float64), MASK).requires_grad_()
    layer(x, mask=MASK).pow(2).sum().backward()
    batch_grads = [p.grad.clone() for p in layer.parameters()]
    grad_x = x.grad.clone()
    assert torch.all(grad_x[~MASK] == 0)  # padded steps get no gradient: they were never read
    layer.zero_grad()
    for b in range(B):
        xb = x.detach()[b:b + 1, MASK[b]].requires_grad_()
        layer(xb).pow(2).sum().backward()
        torch.testing.assert_close(grad_x[b, MASK[b]], xb.grad[0], rtol=0, atol=1e-10)
    for g_batch, p in zip(batch_grads, layer.parameters()):
        torch.testing.assert_close(g_batch, p.grad, rtol=0, atol=1e-10)


@pytest.mark.parametrize("options", [dict(tbptt=2), dict(checkpoint_chunks=3), dict(batch_first=False)])
def test_mask_anywhere_in_chunks_and_time_major(options):
    torch.manual_seed(2)
    layer = Recurrent("lstm", I, H, bidirectional=True, return_state=True, **options).double()
    x = garbage_in_padding(torch.randn(B, T, I, dtype=torch.float64), MASK)
    if options.get("batch_first") is False:
        out, state = layer(x.transpose(0, 1), mask=MASK.t())
        out = out.transpose(0, 1)
        layer.batch_first = True  # the rows alone, batch-first
    else:
        out, state = layer(x, mask=MASK)
    check_each_row_alone(layer, x, MASK, out, state)


def test_an_all_padding_row_outputs_zeros_and_keeps_its_initial_state():
    torch.manual_seed(3)
    layer = Recurrent("gru", I, H, num_layers=2, return_state=True).double()
    mask = MASK.clone()
    mask[1] = False
    h0 = torch.randn(2, B, H, dtype=torch.float64)
    x = torch.randn(B, T, I, dtype=torch.float64)
    out, (h,) = layer(x, mask=mask, initial_state=h0)
    assert torch.all(out[1] == 0)
    torch.testing.assert_close(h[:, 1], h0[:, 1], rtol=0, atol=0)
    alone, (h_alone,) = layer(x[2:3, mask[2]], initial_state=h0[:, 2:3])
    torch.testing.assert_close(out[2, mask[2]], alone[0])
    torch.testing.assert_close(h[:, 2], h_alone[:, 0])


def test_a_bad_mask_is_refused_with_its_shape_or_values():
    layer = Recurrent("lstm", I, H)
    x = torch.randn(B, T, I)
    with pytest.raises(ValueError, match=r"mask must have shape \(4, 7\)"):
        layer(x, mask=MASK[:, :3])
    with pytest.raises(ValueError, match="boolean"):
        layer(x, mask=MASK.long() * 2)


def test_compaction_moves_real_steps_first_and_back():
    order, restore, lengths = compact_steps(MASK)
    assert lengths.tolist() == [4, 7, 4, 4]
    steps = torch.arange(T).expand(B, T).t().unsqueeze(-1).float()  # (T, B, 1): each step's own index
    moved = gather_time(steps, order)[..., 0].t()  # (B, T)
    for b in range(B):
        assert moved[b, :int(lengths[b])].tolist() == torch.nonzero(MASK[b]).flatten().float().tolist()
    torch.testing.assert_close(gather_time(gather_time(steps, order), restore), steps)
    assert prefix_lengths(MASK) is None and prefix_lengths(MASK[[1, 3]]).tolist() == [7, 4]


# ---- Keras-style layers and Embedding(mask_zero=True) ---------------------------------------------------
def pre_padded(rows: list[list[int]], steps: int) -> torch.Tensor:
    """Keras' pad_sequences(rows, maxlen=steps) with its defaults: zeros at the start."""
    return torch.tensor([[0] * (steps - len(r)) + r for r in rows])


@pytest.mark.parametrize("rnn", [LSTM, GRU, SimpleRNN])
def test_pre_padded_ids_through_embedding_give_the_unpadded_result(rnn):
    """The issue's case: Embedding(mask_zero=True) + an RNN on ids padded at the start."""
    torch.manual_seed(4)
    rows = [[5, 3, 8], [2, 9, 4, 7, 1, 6], [7]]
    model = Sequential([Embedding(20, 4, mask_zero=True), rnn(6), Dense(2)]).double().eval()
    batch = model(pre_padded(rows, 6))
    for b, row in enumerate(rows):
        torch.testing.assert_close(batch[b], model(torch.tensor([row]))[0], rtol=0, atol=1e-12)


def test_pre_padded_bidirectional_and_pooling_give_the_unpadded_result():
    torch.manual_seed(5)
    rows = [[5, 3, 8], [2, 9, 4, 7, 1, 6], [7, 0, 4]]  # a 0 inside a row is padding too, as in Keras
    for pooling in (GlobalAveragePooling1D, GlobalMaxPooling1D):
        model = Sequential([Embedding(20, 4, mask_zero=True), Bidirectional(LSTM(5, return_sequences=True)),
                            pooling()]).double().eval()
        batch = model(pre_padded(rows, 7))
        for b, row in enumerate(rows):
            alone = model(torch.tensor([[i for i in row if i]]))[0]
            torch.testing.assert_close(batch[b], alone, rtol=0, atol=1e-12)


def test_embedding_passes_lengths_for_post_padding_and_the_mask_otherwise():
    embedding = Embedding(20, 4, mask_zero=True)
    post = torch.tensor([[3, 4, 0, 0], [5, 0, 0, 0]])
    assert embedding.lengths_from_ids(post).tolist() == [2, 1]  # the fast path
    empty = torch.tensor([[3, 4, 0, 0], [0, 0, 0, 0]])
    assert torch.equal(embedding.lengths_from_ids(empty), empty != 0)  # a row of padding keeps its initial state
    pre = pre_padded([[3, 4], [1, 2, 3]], 4)
    assert torch.equal(embedding.lengths_from_ids(pre), pre != 0)
    assert Embedding(20, 4).lengths_from_ids(pre) is None


def test_keras_outputs_at_masked_steps():
    """Keras' RNN (zero_output_for_mask=False) repeats the last real output at a masked step (zeros before the
    first real step); inside Bidirectional (zero_output_for_mask = return_sequences) masked steps are zeros."""
    torch.manual_seed(6)
    x = garbage_in_padding(torch.randn(B, T, I, dtype=torch.float64), MASK)
    lstm = LSTM(H, return_sequences=True, input_shape=(None, I)).double().eval()
    out = lstm(x, MASK)
    for b in range(B):
        alone = lstm(x[b:b + 1, MASK[b]])[0]  # (n, H)
        k = -1  # index into the unpadded outputs of the last real step so far
        for t in range(T):
            k += int(MASK[b, t])
            expected = torch.zeros(H, dtype=x.dtype) if k < 0 else alone[k]
            torch.testing.assert_close(out[b, t], expected, rtol=0, atol=1e-12)
    both = Bidirectional(LSTM(H, return_sequences=True), input_shape=(None, I)).double().eval()
    out = both(x, MASK)
    assert torch.all(out[~MASK] == 0)
    for b in range(B):
        torch.testing.assert_close(out[b, MASK[b]], both(x[b:b + 1, MASK[b]])[0], rtol=0, atol=1e-12)
    last = LSTM(H, input_shape=(None, I)).double().eval()
    last.load_state_dict(lstm.state_dict())
    torch.testing.assert_close(last(x, MASK), out_last := lstm(x, MASK)[:, -1])  # the last output is the carried one
    assert out_last.shape == (B, H)


def test_post_padding_follows_keras_too():
    y = torch.arange(1.0, 6.0).view(1, 5, 1)
    real = torch.tensor([[False, True, True, False, False]])
    assert carry_last_output(y, real).flatten().tolist() == [0.0, 2.0, 3.0, 3.0, 3.0]


def test_convolution_after_a_mask_with_leading_padding_says_why_it_cannot():
    model = Sequential([Embedding(20, 4, mask_zero=True), Conv1D(3, 2), LSTM(4)])
    with pytest.raises(ValueError, match="padding at the end"):
        model(pre_padded([[3, 4], [1, 2, 3]], 5))
