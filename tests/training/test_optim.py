"""Optimisers by name (learning-rate and weight-decay defaults, an explicit 0 that stays 0), when
schedules step, and gradient clipping."""
import pytest
import torch

from rnnkit.training.optim import clip_gradients, make_optimizer, make_schedule


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


def test_step_schedules_move_after_steps_and_epoch_schedules_after_epochs():
    opt = make_optimizer("sgd", params(), lr=1.0)
    step = make_schedule("step", opt, epochs=3, steps_per_epoch=2, step_size=1, gamma=0.5)
    opt.step()  # as in training (torch warns about a scheduler stepped before its optimizer)
    step.after_step()
    assert opt.param_groups[0]["lr"] == 1.0
    step.after_epoch({"loss": 1.0})
    assert opt.param_groups[0]["lr"] == 0.5
    opt = make_optimizer("sgd", params(), lr=1.0)
    warmup = make_schedule("warmup", opt, epochs=1, steps_per_epoch=4, warmup_steps=4)
    opt.step()
    warmup.after_epoch({"loss": 1.0})
    assert opt.param_groups[0]["lr"] == 0.25  # LambdaLR's first factor, (0 + 1) / 4
    warmup.after_step()
    assert opt.param_groups[0]["lr"] == 0.5


def test_plateau_watches_the_validation_loss_when_there_is_one():
    opt = make_optimizer("sgd", params(), lr=1.0)
    plateau = make_schedule("plateau", opt, epochs=5, steps_per_epoch=1, patience=0, factor=0.5)
    plateau.after_epoch({"loss": 1.0, "val_loss": 1.0})
    plateau.after_epoch({"loss": 0.1, "val_loss": 2.0})  # the training loss improved, val_loss did not
    assert opt.param_groups[0]["lr"] == 0.5
    plateau.after_epoch({"loss": 0.05})  # no validation: the training loss, which improved
    assert opt.param_groups[0]["lr"] == 0.5


def test_clip_gradients_by_value_then_by_norm_skipping_parameters_without_gradients():
    a, b = torch.nn.Parameter(torch.zeros(2)), torch.nn.Parameter(torch.zeros(2))
    a.grad = torch.tensor([3.0, -4.0])
    clip_gradients([a, b], norm=None, value=2.0)
    assert a.grad.tolist() == [2.0, -2.0] and b.grad is None
    clip_gradients([a, b], norm=1.0, value=None)
    assert a.grad.norm().item() == pytest.approx(1.0)


def test_clip_gradients_with_the_norm_already_known_matches_clipping_that_measures_it():
    torch.manual_seed(0)
    grads = [torch.randn(5, 3) * 10, torch.randn(7) * 10]
    measured, given = ([torch.nn.Parameter(torch.zeros_like(g)) for g in grads] for _ in range(2))
    for p, q, g in zip(measured, given, grads):
        p.grad, q.grad = g.clone(), g.clone()
    total = float(torch.nn.utils.get_total_norm([g for g in grads]))
    clip_gradients(measured, norm=0.5, value=None)
    clip_gradients(given, norm=0.5, value=None, total_norm=total)
    for p, q in zip(measured, given):
        torch.testing.assert_close(p.grad, q.grad)
    assert float(torch.nn.utils.get_total_norm([q.grad for q in given])) == pytest.approx(0.5, rel=1e-5)
    # after value clipping the given norm is stale: it must be measured again
    stale = [torch.nn.Parameter(torch.zeros(2))]
    stale[0].grad = torch.tensor([3.0, -4.0])
    clip_gradients(stale, norm=1.0, value=2.0, total_norm=5.0)
    assert stale[0].grad.norm().item() == pytest.approx(1.0)
