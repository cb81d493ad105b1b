"""Trainer: learning through fit, exact epoch metrics, clipping, NaN detection, callbacks, schedules."""
import json

import numpy as np
import pytest
import torch
from torch import nn

from rnnkit.errors import UserError
from rnnkit.training import BatchDataset, EarlyStopping, LambdaCallback, NonFiniteLossError, ReduceLROnPlateau, Trainer, seed_everything
from testkit.tiny_models import TinyLSTMClassifier, first_token_task


def test_fit_learns_a_memory_task_to_high_accuracy(tmp_path):
    seed_everything(0)
    x, y = first_token_task(640)
    model = TinyLSTMClassifier()
    trainer = Trainer(model, lr=0.03, metrics=["acc"], run_dir=tmp_path, quiet=True)
    history = trainer.fit((x, y), epochs=6, batch_size=32, validation_split=0.2)
    assert history.history["val_acc"][-1] > 0.95
    assert history.history["loss"][-1] < history.history["loss"][0]
    xt, yt = first_token_task(200, seed=1)
    assert trainer.evaluate((xt, yt))["acc"] > 0.95
    for name in ("config.json", "model.safetensors", "metrics.jsonl", "history.png", "report.md"):
        assert (tmp_path / name).is_file(), name
    assert "val_acc" in (tmp_path / "report.md").read_text()


def test_evaluate_is_exact_over_all_samples():
    seed_everything(0)
    x, y = first_token_task(70)
    model = TinyLSTMClassifier().eval()
    trainer = Trainer(model, metrics=["acc"], quiet=True)
    logs = trainer.evaluate((x, y), batch_size=16)  # 70 = 4*16 + 6: an uneven last batch
    with torch.no_grad():
        out = model(torch.as_tensor(x))
    expected_loss = nn.functional.cross_entropy(out, torch.as_tensor(y)).item()
    assert logs["loss"] == pytest.approx(expected_loss, rel=1e-5)
    assert logs["acc"] == pytest.approx((out.argmax(1).numpy() == y).mean())


def test_batches_as_tuple_with_lengths_and_as_dict():
    seed_everything(0)
    x, y = first_token_task(40)
    lengths = np.full(40, 6)
    trainer = Trainer(TinyLSTMClassifier(), quiet=True)
    a = trainer.evaluate((x, lengths, y))
    b = trainer.evaluate({"inputs": x, "lengths": lengths, "targets": y})
    c = trainer.evaluate((x, y))
    assert a["loss"] == pytest.approx(b["loss"]) == pytest.approx(c["loss"])
    assert trainer.predict(x).shape == (40, 2)


def test_validation_data_as_a_dataloader():
    seed_everything(0)
    x, y = first_token_task(48)
    xv, yv = first_token_task(20, seed=3)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.as_tensor(xv), torch.as_tensor(yv)),
                                         batch_size=8)
    trainer = Trainer(TinyLSTMClassifier(), quiet=True)
    history = trainer.fit((x, y), epochs=1, batch_size=16, validation_data=loader)
    assert history.history["val_loss"][0] == pytest.approx(trainer.evaluate((xv, yv))["loss"], rel=1e-5)


@pytest.mark.parametrize("kind", ["norm", "value"])
def test_gradient_clipping_bounds_the_update(kind):
    seed_everything(0)
    x, y = first_token_task(32)
    model = TinyLSTMClassifier()
    before = [p.detach().clone() for p in model.parameters()]
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    clip = {"clip_norm": 1e-3} if kind == "norm" else {"clip_value": 1e-4}
    Trainer(model, optimizer=opt, quiet=True, **clip).fit((x, y), epochs=1, batch_size=32)
    delta = torch.cat([(p.detach() - b).reshape(-1) for p, b in zip(model.parameters(), before)])
    if kind == "norm":
        assert delta.norm() <= 1e-3 * 1.01  # float32 rounding of p - before
    else:
        assert delta.abs().max() <= 1e-4 * 1.01
    assert delta.abs().max() > 0


class NaNAfter(nn.Module):
    """Wraps a model and returns NaN outputs from the `n`-th training call on."""

    def __init__(self, inner, n):
        super().__init__()
        self.inner, self.n, self.calls = inner, n, 0

    def forward(self, x, lengths=None):
        out = self.inner(x)
        if self.training:
            self.calls += 1
            if self.calls >= self.n:
                out = out * float("nan")
        return out


def test_nan_loss_stops_with_the_step_and_keeps_the_last_checkpoint(tmp_path):
    seed_everything(0)
    x, y = first_token_task(64)
    model = NaNAfter(TinyLSTMClassifier(), n=6)
    trainer = Trainer(model, run_dir=tmp_path, checkpoint_every=2, quiet=True)
    with pytest.raises(NonFiniteLossError) as err:
        trainer.fit((x, y), epochs=3, batch_size=16)  # 4 steps an epoch: the 6th is epoch 2, step 2
    message = str(err.value)
    assert "nan" in message and "epoch 2, step 2/4" in message and "global step 6" in message
    assert "step-00000004" in message  # 4 is divisible by checkpoint_every=2 and an epoch end
    assert isinstance(err.value, UserError)
    from rnnkit.io.checkpoint import last_checkpoint, load_tensors

    tensors = load_tensors(last_checkpoint(tmp_path) / "model.safetensors")
    assert all(torch.isfinite(t).all() for t in tensors.values())


def test_early_stopping_and_user_callback():
    seed_everything(0)
    x, y = first_token_task(64)
    seen = []
    stopper = EarlyStopping(monitor="val_loss", patience=1)
    trainer = Trainer(TinyLSTMClassifier(), lr=0.0, quiet=True,  # lr 0: val_loss never improves
                      callbacks=[stopper, LambdaCallback(on_epoch_end=lambda t, e, logs: seen.append(e))])
    history = trainer.fit((x, y), epochs=10, batch_size=16, validation_split=0.25)
    assert len(history.epoch) == 2 and seen == [0, 1] and stopper.stopped_epoch == 1


def test_early_stopping_says_when_and_why_on_screen_in_metrics_and_report(tmp_path, capsys):
    seed_everything(0)
    x, y = first_token_task(64)
    trainer = Trainer(TinyLSTMClassifier(), lr=0.0, run_dir=tmp_path,  # lr 0: val_loss never improves
                      callbacks=[EarlyStopping(monitor="val_loss", patience=2)])
    trainer.fit((x, y), epochs=10, batch_size=16, validation_split=0.25)
    best = trainer.history.history["val_loss"][0]
    reason = {"by": "early_stopping", "epoch": 3, "monitor": "val_loss", "best": best, "best_epoch": 1, "wait": 2,
              "patience": 2, "min_delta": 0.0, "restore_best_weights": False}
    assert trainer.stop_reason == reason
    line = f"early stopping after epoch 3: val_loss has not improved on its best {best:.4g} (epoch 1) for 2 epochs (patience 2)"
    out = capsys.readouterr().out.splitlines()
    assert out.index(line) == len(out) - 1 and out[-2].startswith("epoch 3/10 done")  # after the epoch's line
    records = [json.loads(r) for r in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert records[-1] == {"kind": "stop", "step": trainer.global_step, **reason}
    assert f"- stopped: {line}" in (tmp_path / "report.md").read_text()
    # resumed after it stopped (say, killed before the report was written): nothing more is trained
    again = Trainer(TinyLSTMClassifier(), lr=0.0, run_dir=tmp_path, quiet=True,
                    callbacks=[EarlyStopping(monitor="val_loss", patience=2)])
    again.fit((x, y), epochs=10, batch_size=16, validation_split=0.25, resume=True)
    assert again.history.epoch == [0, 1, 2] and again.stop_reason == reason and again.global_step == trainer.global_step


def test_stop_message_names_the_callback_min_delta_and_restored_weights():
    from rnnkit.training.callbacks import stop_message

    reason = EarlyStopping(monitor="val_acc", patience=0, min_delta=0.01, restore_best_weights=True)
    reason.best, reason.best_epoch, reason.wait = 0.9, 4, 1
    assert stop_message(reason.reason(5)) == ("early stopping after epoch 6: val_acc has not improved by more than "
                                              "0.01 on its best 0.9 (epoch 5) for 1 epoch (patience 0); the "
                                              "weights of epoch 5 are restored")
    assert stop_message({"by": "a callback", "epoch": 2}) == "training stopped after epoch 2 by a callback"


def test_reduce_lr_on_plateau_and_schedules():
    seed_everything(0)
    x, y = first_token_task(64)
    trainer = Trainer(TinyLSTMClassifier(), optimizer="sgd", lr=0.1, quiet=True,
                      callbacks=[ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0, min_delta=1e9)])
    h = trainer.fit((x, y), epochs=3, batch_size=16)
    # the first epoch sets the best value; each later one fails to beat it by min_delta and halves lr
    # after it is logged (logs carry the lr the epoch trained with)
    assert h.history["lr"] == pytest.approx([0.1, 0.1, 0.05]) and trainer.lr == pytest.approx(0.025)
    trainer = Trainer(TinyLSTMClassifier(), optimizer="adam", lr=0.1, schedule="step",
                      schedule_options={"step_size": 1, "gamma": 0.1}, quiet=True)
    h = trainer.fit((x, y), epochs=3, batch_size=16)
    assert h.history["lr"] == pytest.approx([0.1, 0.01, 0.001])  # each epoch's own rate
    trainer = Trainer(TinyLSTMClassifier(), lr=0.1, schedule="warmup", schedule_options={"warmup_steps": 8}, quiet=True)
    h = trainer.fit((x, y), epochs=2, batch_size=16)
    assert h.history["lr"] == pytest.approx([0.05, 0.1])  # 4 steps an epoch: 4/8, then 8/8 of 0.1


def test_metrics_jsonl_has_step_and_epoch_lines(tmp_path):
    seed_everything(0)
    x, y = first_token_task(64)
    Trainer(TinyLSTMClassifier(), run_dir=tmp_path, log_every=2, quiet=True).fit((x, y), epochs=2, batch_size=16)
    lines = [json.loads(l) for l in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert [l["kind"] for l in lines] == ["step", "step", "epoch"] * 2
    assert [l["step"] for l in lines] == [2, 4, 4, 6, 8, 8]


class EpochBatches(BatchDataset):
    """Ready batches of 8 samples, re-cut every epoch; records the epochs it was asked for."""

    def __init__(self, x, y):
        self.x, self.y, self.batch_size, self.epochs_seen = torch.as_tensor(x), torch.as_tensor(y), 8, []

    def set_epoch(self, epoch):
        self.epochs_seen.append(epoch)
        self.order = torch.randperm(len(self.x), generator=torch.Generator().manual_seed(epoch))

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, i):
        index = self.order[i * self.batch_size:(i + 1) * self.batch_size]
        return self.x[index], self.y[index]


def test_a_batch_dataset_trains_one_ready_batch_per_step(tmp_path):
    seed_everything(0)
    x, y = first_token_task(60)
    data = EpochBatches(x, y)
    steps = []
    trainer = Trainer(TinyLSTMClassifier(), metrics=["acc"], run_dir=tmp_path, quiet=True,
                      callbacks=[LambdaCallback(on_batch_end=lambda t, step, logs: steps.append(step))])
    trainer.fit(data, epochs=3, batch_size=999)  # batch_size is the dataset's own
    assert data.epochs_seen == [0, 1, 2]  # re-cut before every epoch
    assert len(steps) == 3 * 8  # 60 samples in batches of 8: 8 steps an epoch
    assert json.loads((tmp_path / "config.json").read_text())["training"]["batch_size"] == 8
    data.set_epoch(0)
    assert trainer.evaluate(data)["acc"] == pytest.approx(trainer.evaluate((x, y))["acc"])


def test_a_second_fit_continues_the_step_count_and_the_training_time():
    seed_everything(0)
    x, y = first_token_task(32)
    trainer = Trainer(TinyLSTMClassifier(), quiet=True)
    trainer.fit((x, y), epochs=1, batch_size=8)
    seconds = trainer.train_seconds
    history = trainer.fit((x, y), epochs=1, batch_size=8)  # as the Keras facade's repeated fit calls
    assert trainer.global_step == 8 and trainer.train_seconds > seconds > 0
    assert history.epoch == [0]  # the history is the call's own


def test_early_stopping_keeps_its_best_weights_through_a_checkpoint(tmp_path):
    """A run resumed after its best epoch that never improves again still ends on the best weights."""
    from rnnkit.io.checkpoint import load_checkpoint, save_checkpoint
    from rnnkit.training.state import restore_resume_state, resume_state

    seed_everything(0)
    x, y = first_token_task(64)
    stopper = EarlyStopping(monitor="val_loss", patience=5, restore_best_weights=True)
    trainer = Trainer(TinyLSTMClassifier(), quiet=True, callbacks=[stopper])
    trainer.fit((x, y), epochs=2, batch_size=16, validation_split=0.25)
    best = {k: v.clone() for k, v in stopper.best_weights.items()}
    save_checkpoint(tmp_path, trainer.global_step, trainer.model, resume_state(trainer, 2, 0, None))

    fresh_stopper = EarlyStopping(monitor="val_loss", patience=5, restore_best_weights=True)
    fresh = Trainer(TinyLSTMClassifier(), quiet=True, callbacks=[fresh_stopper])
    restore_resume_state(fresh, load_checkpoint(tmp_path / "checkpoints" / f"step-{trainer.global_step:08d}",
                                                fresh.model))
    with torch.no_grad():
        for p in fresh.model.parameters():
            p.add_(1.0)  # later epochs moved the weights away from the best
    fresh_stopper.on_train_end(fresh, {})
    assert all(torch.equal(fresh.model.state_dict()[k], best[k]) for k in best)
