"""Optimisers by name: learning-rate and weight-decay defaults, and an explicit 0 that stays 0."""
import pytest
import torch

from rnnkit.training.optim import make_optimizer


def params():
    return [torch.nn.Parameter(torch.zeros(2))]


@pytest.mark.parametrize("name, cls, lr, decay", [("adam", torch.optim.Adam, 1e-3, 0.0),
                                                  ("adamw", torch.optim.AdamW, 1e-3, 0.01),
                                                  ("rmsprop", torch.optim.RMSprop, 1e-3, 0.0),
                                                  ("sgd", torch.optim.SGD, 1e-2, 0.0)])
def test_defaults_are_the_usual_ones(name, cls, lr, decay):
    opt = make_optimizer(name, params())
    assert isinstance(opt, cls)
    assert opt.defaults["lr"] == lr and opt.defaults["weight_decay"] == decay


def test_an_explicit_zero_weight_decay_is_kept_for_adamw_too():
    assert make_optimizer("adamw", params(), weight_decay=0.0).defaults["weight_decay"] == 0.0
    chosen = make_optimizer("adam", params(), lr=0.0, weight_decay=0.1).defaults
    assert chosen["lr"] == 0.0 and chosen["weight_decay"] == 0.1


def test_unknown_name_is_named():
    with pytest.raises(ValueError, match="'adagrad'"):
        make_optimizer("adagrad", params())
