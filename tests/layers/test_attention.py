"""Attention: the three scores against their equations written out, masking, and batched = stepwise."""
import pytest
import torch

from rnnkit.layers.attention import Attention


def memory_and_mask():
    g = torch.Generator().manual_seed(0)
    memory = torch.randn(3, 5, 4, generator=g)
    lengths = torch.tensor([5, 2, 3])
    mask = torch.arange(5)[None, :] < lengths[:, None]
    return memory, mask, lengths


@pytest.mark.parametrize("score", ["dot", "general", "additive"])
def test_scores_match_the_equations(score):
    torch.manual_seed(1)
    memory, mask, lengths = memory_and_mask()
    att = Attention(score, 4, 4, attention_size=6)
    query = torch.randn(3, 2, 4)
    context, weights = att(query, memory, mask)
    for b in range(3):
        for t in range(2):
            q, hs = query[b, t], memory[b, : lengths[b]]
            if score == "dot":
                e = hs @ q
            elif score == "general":
                e = hs @ att.w_a.weight.t() @ q  # q^T W_a h_s
            else:
                e = torch.tanh(hs @ att.w_a.weight.t() + att.u_a(q)) @ att.v_a.weight[0]
            a = torch.softmax(e, 0)
            torch.testing.assert_close(weights[b, t, : lengths[b]], a)
            assert weights[b, t, lengths[b]:].abs().sum() == 0  # padded source steps get no weight
            torch.testing.assert_close(context[b, t], a @ hs)


def test_padding_values_do_not_leak():
    memory, mask, _ = memory_and_mask()
    att = Attention("general", 4, 4)
    query = torch.randn(3, 1, 4)
    garbage = memory.clone()
    garbage[~mask] = 1e3
    torch.testing.assert_close(att(query, memory, mask)[0], att(query, garbage, mask)[0])


def test_dot_needs_equal_sizes():
    with pytest.raises(ValueError, match="general"):
        Attention("dot", 4, 8)
