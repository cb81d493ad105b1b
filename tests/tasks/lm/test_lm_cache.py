"""The neural cache: a distribution over the tokens that followed the remembered positions; with sharp
similarities it reads back what followed the same context; the window's own earlier positions count,
its later ones never; positions without a next token are not remembered."""
import math

import pytest
import torch

from rnnkit.data.lm_streams import IGNORE_INDEX
from rnnkit.tasks.lm.cache import Cache


def one_hot(ids, size=5):
    return torch.nn.functional.one_hot(torch.tensor(ids), size).float()[None]  # (1, k, D)


def test_the_cache_is_a_distribution_over_what_followed():
    torch.manual_seed(0)
    z, following = torch.randn(1, 6, 4), torch.tensor([[2, 3, 2, 1, 3, 2]])
    total = torch.zeros(6)
    for w in range(5):
        cache = Cache(thetas=(0.7,))
        logp = cache.log_probs(z, following, torch.full((1, 6), w))[0, 0]  # (k,)
        total += logp.exp()
    assert total[0] == 0  # nothing remembered before the first position
    assert total[1:] == pytest.approx(torch.ones(5), abs=1e-6)


def test_with_sharp_similarities_it_reads_back_what_followed_the_same_token():
    # text a b a c a ?: positions holding a were followed by b and c: p_cache(b) = p_cache(c) = 1/2
    text = [0, 1, 0, 2, 0]
    following = torch.tensor([[1, 0, 2, 0, 3]])
    cache = Cache(thetas=(50.0,))
    first = cache.log_probs(one_hot(text[:3]), following[:, :3], following[:, :3])
    later = cache.log_probs(one_hot(text[3:]), following[:, 3:], torch.tensor([[0, 1]]))  # memory: the first 3
    assert first[0, 0, 0] == -math.inf  # nothing remembered yet
    assert first[0, 0, 2] == -math.inf  # a b a, next c: the earlier 'a' was followed by b only
    assert later[0, 0, 0].exp() == pytest.approx(1 / 3, abs=1e-6)  # 'c', like nothing before: uniform over 3
    assert later[0, 0, 1].exp() == pytest.approx(0.5, abs=1e-6)  # after the last 'a': b or c, equally


def test_burn_in_and_padding_positions_are_remembered_only_with_a_next_token():
    cache = Cache(thetas=(1.0,))
    z = torch.ones(1, 3, 2)
    logp = cache.log_probs(z, torch.tensor([[4, IGNORE_INDEX, 4]]), torch.tensor([[4, 4, 4]]))
    assert logp[0, 0, 1] == 0.0 and logp[0, 0, 2] == 0.0  # the position with no next token is not counted
