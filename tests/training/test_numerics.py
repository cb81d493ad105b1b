"""NaN/inf in the loss or the gradients (stop or skip, with the step named) and exploding gradients."""
import json

import pytest
import torch
from torch import nn

from rnnkit.errors import UserError
from rnnkit.io.checkpoint import last_checkpoint, load_tensors
from rnnkit.training import NonFiniteLossError, TrainConfig, Trainer, seed_everything, trainer_from_config
from rnnkit.training.numerics import StepWatch, round_up
from testkit.tiny_models import TinyLSTMClassifier, first_token_task


class Faulty(nn.Module):
    """Wraps a model; at the training calls in `nan_at` (1-based) its loss becomes NaN, at those in `inf_grad_at`
    its gradients become inf (the loss staying finite), at those in `scale_at` its outputs are scaled up."""

    def __init__(self, inner, nan_at=(), inf_grad_at=(), scale_at=(), scale=1e4):
        super().__init__()
        self.inner, self.calls = inner, 0
        self.nan_at, self.inf_grad_at, self.scale_at, self.scale = set(nan_at), set(inf_grad_at), set(scale_at), scale

    def forward(self, x, lengths=None):
        out = self.inner(x)
        if not self.training:
            return out
        self.calls += 1
        if self.calls in self.nan_at:
            out = out * float("nan")
        if self.calls in self.inf_grad_at:
            out = out + 0.0 * torch.sqrt(out - out)  # d sqrt(u)/du at u = 0 is inf: a finite loss, inf gradients
        if self.calls in self.scale_at:
            out = out * self.scale
        return out


def weights(model: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def test_a_nan_loss_skipped_leaves_no_trace_in_the_weights_and_is_reported(tmp_path):
    seed_everything(0)
    x, y = first_token_task(64)
    model = Faulty(TinyLSTMClassifier(), nan_at={6})
    trainer = Trainer(model, run_dir=tmp_path, on_nan="skip", quiet=True)
    history = trainer.fit((x, y), epochs=3, batch_size=16)  # 4 steps an epoch: call 6 is epoch 2, step 2
    assert all(torch.isfinite(v).all() for v in weights(model).values())
    assert all(loss == loss for loss in history.history["loss"])  # the skipped batch is left out, not NaN
    assert trainer.global_step == 12 and trainer.watch.skipped == 1
    report = (tmp_path / "report.md").read_text()
    assert "epoch 2, step 2/4 (global step 6): loss became nan; the step was skipped" in report
    assert json.loads((tmp_path / "config.json").read_text())["training"]["on_nan"] == "skip"


def test_a_skipped_step_changes_nothing():
    """The weights after a skipped step are those before it (no optimizer step, no schedule step)."""
    seed_everything(0)
    x, y = first_token_task(32)
    model = Faulty(TinyLSTMClassifier(), inf_grad_at={2})
    trainer = Trainer(model, on_nan="skip", schedule="step", quiet=True)
    before = {}
    trainer.callbacks.append(type("Spy", (), {
        "on_train_begin": lambda self, t: None, "on_epoch_begin": lambda self, t, e: None,
        "on_batch_end": lambda self, t, step, logs: before.__setitem__(step, (weights(model), t.lr)),
        "on_epoch_end": lambda self, t, e, logs: None, "on_train_end": lambda self, t, logs: None})())
    trainer.fit((x, y), epochs=1, batch_size=8, shuffle=False)
    for name, value in before[1][0].items():
        torch.testing.assert_close(before[2][0][name], value, rtol=0, atol=0)  # step 2 was skipped
    assert before[2][1] == before[1][1]
    assert any((before[3][0][k] != v).any() for k, v in before[2][0].items())  # step 3 trained again


def test_non_finite_gradients_stop_with_the_step_and_keep_the_checkpoints(tmp_path):
    seed_everything(0)
    x, y = first_token_task(64)
    model = Faulty(TinyLSTMClassifier(), inf_grad_at={7})
    trainer = Trainer(model, run_dir=tmp_path, checkpoint_every=2, quiet=True)
    with pytest.raises(NonFiniteLossError) as err:
        trainer.fit((x, y), epochs=3, batch_size=16)
    message = str(err.value)
    assert isinstance(err.value, UserError) and "\n" not in message
    assert "gradients became non-finite" in message and "epoch 2, step 3/4 (global step 7)" in message
    assert "step-00000006" in message and "--on-nan skip" in message
    tensors = load_tensors(last_checkpoint(tmp_path) / "model.safetensors")
    assert all(torch.isfinite(t).all() for t in tensors.values())
    assert all(torch.isfinite(v).all() for v in weights(model).values())  # no update from the bad step


def test_exploding_gradients_are_reported_once_with_the_norm_and_a_clip_value(tmp_path, capsys):
    seed_everything(0)
    x, y = first_token_task(320)
    model = Faulty(TinyLSTMClassifier(), scale_at={25, 30}, scale=1e5)
    trainer = Trainer(model, run_dir=tmp_path, lr=1e-4)
    trainer.fit((x, y), epochs=2, batch_size=16)  # 20 steps an epoch: call 25 is epoch 2, step 5
    err = capsys.readouterr().err
    warnings = [line for line in err.splitlines() if "exploding gradients" in line]
    assert len(warnings) == 1, err
    assert "epoch 2, step 5/20 (global step 25): norm " in warnings[0]
    assert "clip_norm=" in warnings[0] and "--clip-norm " in warnings[0]
    assert warnings[0].split("(global step 25)")[0].startswith("warning: ")
    assert "exploding gradients" in (tmp_path / "report.md").read_text()
    # With clipping on, the same spikes are clipped and not reported.
    seed_everything(0)
    clipped = Trainer(Faulty(TinyLSTMClassifier(), scale_at={25}, scale=1e5), clip_norm=1.0, lr=1e-4, quiet=True)
    clipped.fit((x, y), epochs=2, batch_size=16)
    assert not clipped.watch.notes


def test_the_watch_needs_enough_steps_and_a_real_jump():
    watch = StepWatch()
    for norm in [1.0] * 9 + [1e6]:  # too early to call: 9 norms known
        assert watch.gradients_ok(norm, "here", lambda: "")
    assert not watch.exploded
    assert watch.gradients_ok(50.0, "there", lambda: "")  # 50x the median of 1.0: a bump, not an explosion
    assert not watch.exploded
    assert round_up(0.01234) == pytest.approx(0.013) and round_up(3.0) == 3.0 and round_up(456) == 460


def test_on_nan_is_a_checked_training_option():
    cfg = TrainConfig(on_nan="skip")
    assert trainer_from_config(TinyLSTMClassifier(), cfg, None, quiet=True).watch.on_nan == "skip"
    with pytest.raises(Exception, match="on_nan"):
        TrainConfig(on_nan="ignore")
    with pytest.raises(ValueError, match="on_nan"):
        Trainer(TinyLSTMClassifier(), on_nan="ignore")
