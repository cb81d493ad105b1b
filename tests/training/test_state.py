"""Training state: generator states round-trip, and a resume state comes back whole from a checkpoint."""
import random

import numpy as np
import torch

from rnnkit.io.checkpoint import load_checkpoint, save_checkpoint
from rnnkit.training import Trainer, seed_everything
from rnnkit.training.state import restore_resume_state, resume_state, rng_state, set_rng_state
from rnnkit.training.totals import EpochTotals
from testkit.tiny_models import TinyLSTMClassifier


def draws():
    return torch.rand(3).tolist(), np.random.rand(3).tolist(), [random.random() for _ in range(3)]


def test_seed_everything_then_rng_state_replays_every_generator():
    seed_everything(5)
    state = rng_state()
    first = draws()
    set_rng_state(state)
    assert draws() == first
    seed_everything(5)
    assert draws() == first


def test_resume_state_survives_a_checkpoint_including_a_metric_without_sums(tmp_path):
    seed_everything(0)
    trainer = Trainer(TinyLSTMClassifier(), metrics=["acc", "f1"], schedule="cosine", quiet=True)
    trainer.global_step, trainer.train_seconds, trainer.epoch_lr = 7, 1.5, 0.01
    trainer.history.append(0, {"loss": 0.5})
    trainer.records = [{"kind": "epoch", "epoch": 1, "step": 4, "loss": 0.5}]
    totals = EpochTotals(trainer.metrics)
    totals.sums[0] += torch.tensor([3.0, 4.0], dtype=torch.float64)
    totals.sums[1] = torch.tensor([2.0, 4.0], dtype=torch.float64)  # f1 (sums[2]) has no sums yet
    save_checkpoint(tmp_path, 7, trainer.model, resume_state(trainer, 1, 3, totals))
    expected = torch.rand(2)  # the generators continue from where the state was taken

    fresh = Trainer(TinyLSTMClassifier(), metrics=["acc", "f1"], quiet=True)
    state = load_checkpoint(tmp_path / "checkpoints" / "step-00000007", fresh.model)
    epoch, batch, restored = restore_resume_state(fresh, state)
    assert (epoch, batch) == (1, 3)
    assert restored.sums[2] is None
    assert torch.equal(restored.sums[0], totals.sums[0]) and torch.equal(restored.sums[1], totals.sums[1])
    assert (fresh.global_step, fresh.train_seconds, fresh.epoch_lr) == (7, 1.5, 0.01)
    assert fresh.history.history == {"loss": [0.5]} and fresh.records == trainer.records
    assert torch.equal(torch.rand(2), expected)


def test_an_epoch_end_state_has_no_sums(tmp_path):
    trainer = Trainer(TinyLSTMClassifier(), quiet=True)
    state = resume_state(trainer, 2, 0, None)
    assert state["sums"] is None and state["metric_present"] is None
    assert state["epoch_lr"] == trainer.lr  # no step yet: the optimizer's own rate
