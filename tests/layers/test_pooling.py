"""Pooling over time on padded batches: each mode equals a direct computation on each sequence's real
steps, padding is never chosen by max nor counted by mean, attention weighs only real steps, and
gradients reach the inputs of real steps only."""
import pytest
import torch

from rnnkit.layers import (AttentionPooling, ConcatPooling, GlobalAveragePooling1D, GlobalMaxPooling1D, LastPooling,
                           MaxPooling, MeanPooling, parse_pooling)

LENGTHS = torch.tensor([5, 2, 4, 1])


def padded(fill=0.0, seed=0, size=3):
    """(B, T, F) with real steps drawn at random and padding set to `fill` (a huge value shows if it leaks)."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(len(LENGTHS), int(LENGTHS.max()), size, generator=g, dtype=torch.float64)
    for b, n in enumerate(LENGTHS):
        x[b, n:] = fill
    return x


@pytest.mark.parametrize("fill", [0.0, 1e6, -1e6])
def test_max_and_mean_read_only_real_steps(fill):
    x = padded(fill)
    maxed, meaned = MaxPooling()(x, LENGTHS), MeanPooling()(x, LENGTHS)
    for b, n in enumerate(LENGTHS):
        torch.testing.assert_close(maxed[b], x[b, :n].max(0).values)
        torch.testing.assert_close(meaned[b], x[b, :n].mean(0))


def test_max_is_never_a_padded_step_even_when_every_real_value_is_negative():
    x = padded(0.0) - 10.0  # real values < 0 < padding of zeros would win an unmasked max
    for b, n in enumerate(LENGTHS):
        x[b, n:] = 0.0
    assert (MaxPooling()(x, LENGTHS) < -5).all()


def test_without_lengths_every_step_counts():
    x = padded(0.5)
    torch.testing.assert_close(MaxPooling()(x), x.max(1).values)
    torch.testing.assert_close(MeanPooling()(x), x.mean(1))
    torch.testing.assert_close(LastPooling()(x), x[:, -1])


def test_keras_global_poolings_are_the_same_max_and_mean():
    x = padded(7.0)
    torch.testing.assert_close(GlobalMaxPooling1D()(x, LENGTHS), MaxPooling()(x, LENGTHS))
    torch.testing.assert_close(GlobalAveragePooling1D()(x, LENGTHS), MeanPooling()(x, LENGTHS))
    assert GlobalMaxPooling1D().compute_output_shape((None, 3)) == (3,)


def test_last_reads_each_direction_where_it_ends():
    x = padded(9.0, size=4)
    uni, bi = LastPooling(1)(x, LENGTHS), LastPooling(2)(x, LENGTHS)
    for b, n in enumerate(LENGTHS):
        torch.testing.assert_close(uni[b], x[b, n - 1])
        torch.testing.assert_close(bi[b], torch.cat((x[b, n - 1, :2], x[b, 0, 2:])))  # backward half ends at t=0
    final = torch.randn(4, 4, dtype=torch.float64)
    assert LastPooling(2)(x, LENGTHS, final=final) is final  # a recurrent layer's final state is used as given
    with pytest.raises(ValueError, match="directions"):
        LastPooling(3)


def test_attention_weights_sum_to_one_over_real_steps_and_match_the_formula():
    torch.manual_seed(0)
    pool = AttentionPooling(3, 5).double()
    x = padded(1e3)
    a = pool.weights(x, LENGTHS)  # (B, T, 1)
    for b, n in enumerate(LENGTHS):
        assert (a[b, n:] == 0).all()
        torch.testing.assert_close(a[b, :n].sum(), torch.tensor(1.0, dtype=torch.float64))
        e = pool.score.weight @ torch.tanh(pool.proj.weight @ x[b, :n].T + pool.proj.bias[:, None])  # (1, n)
        expected = torch.softmax(e[0], 0) @ x[b, :n]  # sum_t a_t x_t
        torch.testing.assert_close(pool(x, LENGTHS)[b], expected)


@pytest.mark.parametrize("pool", [MaxPooling(), MeanPooling(), LastPooling(), AttentionPooling(3, 4)])
def test_gradients_flow_to_real_steps_and_never_to_padding(pool):
    x = padded(2.0).requires_grad_()
    pool.double()(x, LENGTHS).sum().backward()
    for b, n in enumerate(LENGTHS):
        assert not x.grad[b, n:].any()
        assert x.grad[b, :n].abs().sum() > 0
    if isinstance(pool, AttentionPooling):
        assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in pool.parameters())


def test_concat_puts_the_named_poolings_side_by_side():
    torch.manual_seed(0)
    x = padded(3.0)
    both = ConcatPooling.from_names("max+attention+last", 3, attention_size=4).double()
    max_, att, last = both.poolings
    expected = torch.cat((max_(x, LENGTHS), att(x, LENGTHS), last(x, LENGTHS)), -1)
    torch.testing.assert_close(both(x, LENGTHS), expected)
    assert both(x, LENGTHS).shape == (4, 9)
    assert [k for k in both.state_dict()] == ["poolings.1.proj.weight", "poolings.1.proj.bias", "poolings.1.score.weight"]


def test_parse_pooling():
    assert parse_pooling("max+mean") == parse_pooling("max, mean") == parse_pooling(["max", "mean"]) == ["max", "mean"]
    for bad in ("median", "max+max", "", []):
        with pytest.raises(ValueError, match="pooling"):
            parse_pooling(bad)
