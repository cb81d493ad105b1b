"""ConvFrontEnd (article 003's Conv1D + MaxPooling before the RNN): the direct computation, lengths
shortened by ceil(length / pool), and a padded batch giving what each sequence alone gives."""
import pytest
import torch
import torch.nn.functional as F

from rnnkit.layers import ConvFrontEnd


@pytest.mark.parametrize("kernel", [3, 4])
def test_matches_conv_relu_pool_written_out(kernel):
    torch.manual_seed(0)
    front = ConvFrontEnd(3, 5, kernel, 2).double()
    x = torch.randn(2, 7, 3, dtype=torch.float64)
    left = kernel // 2  # odd: symmetric; even: one more step back than ahead
    y = F.conv1d(F.pad(x.transpose(1, 2), (left, kernel - 1 - left)), front.conv.weight, front.conv.bias).relu()
    expected = F.max_pool1d(y, 2, 2, ceil_mode=True).transpose(1, 2)  # (B, 4, 5)
    torch.testing.assert_close(front(x), expected)
    assert front.compute_output_shape((7, 3)) == (4, 5) and front.compute_output_shape((None, 3)) == (None, 5)


@pytest.mark.parametrize("pool", [1, 2, 3])
def test_lengths_shrink_by_ceil_and_padding_changes_nothing(pool):
    torch.manual_seed(1)
    front = ConvFrontEnd(2, 4, 3, pool).double()
    lengths = torch.tensor([7, 1, 4, 5])
    assert front.output_lengths(lengths).tolist() == [-(-n // pool) for n in lengths.tolist()]
    assert front.output_lengths(None) is None
    x = torch.randn(4, 7, 2, dtype=torch.float64)
    for b, n in enumerate(lengths):
        x[b, n:] = 0.0
    out, short = front(x, lengths), front.output_lengths(lengths)
    for b, n in enumerate(lengths):
        alone = front(x[b:b + 1, :n])[0]
        torch.testing.assert_close(out[b, :short[b]], alone)
        assert not out[b, short[b]:].any()  # past the new end: nothing but zeros


def test_keeps_the_parameter_names_of_the_classifier_front_end():
    front = ConvFrontEnd(8, 6, 5, 2)
    assert list(front.state_dict()) == ["conv.weight", "conv.bias"]
    assert front.get_config() == {"input_size": 8, "filters": 6, "kernel_size": 5, "pool_size": 2}
    with pytest.raises(ValueError, match="pool_size"):
        ConvFrontEnd(8, 6, 5, 0)
