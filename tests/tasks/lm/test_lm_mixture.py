"""The EM-fitted mixture of language models: weights sum to 1, the fit never does worse than the best single
component or the uniform start, a useless component gets (nearly) no weight, and two known sources are found."""
import math

import pytest
import torch

from rnnkit.tasks.lm.mixture import fit_weights, mixture_nats


def test_em_finds_the_mixing_weights_of_known_sources():
    torch.manual_seed(0)
    n = 20000
    from_first = torch.rand(n) < 0.3  # each token drawn from source 1 with probability 0.3
    # source 1 gives its tokens p = 0.5 and the others' 0.01; source 2 the reverse
    p1 = torch.where(from_first, 0.5, 0.01)
    p2 = torch.where(from_first, 0.01, 0.5)
    weights = fit_weights(torch.stack([p1.log(), p2.log()]))
    assert float(weights.sum()) == pytest.approx(1.0)
    assert float(weights[0]) == pytest.approx(0.3, abs=0.02)


def test_the_fit_beats_each_component_and_ignores_a_useless_one():
    torch.manual_seed(1)
    good = torch.rand(5000).clamp_min(0.05).log()
    other = torch.rand(5000).clamp_min(0.05).log()
    useless = torch.full((5000,), -math.inf)  # never gives the token any probability
    logp = torch.stack([good, other, useless])
    weights = fit_weights(logp)
    assert float(weights[2]) < 1e-6
    fitted = mixture_nats(logp, weights)
    assert fitted <= min(float(-good.mean()), float(-other.mean()), mixture_nats(logp, torch.full((3,), 1 / 3)))
