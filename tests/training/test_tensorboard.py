"""--tensorboard: event files under RUN/tensorboard with the step's loss, gradient norm and learning rate
and every epoch's values, read back with TensorBoard's own EventAccumulator and checked against what
the trainer computes and what metrics.jsonl (which stays) records; off by default."""
import copy
import json
import shutil

import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from rnnkit.training import TensorBoard, Trainer, seed_everything
from testkit import call_cli
from testkit.tiny_models import TinyLSTMClassifier, first_token_task
from testkit.tiny_tasks import tag_task


def scalars(folder) -> dict[str, list[tuple[int, float]]]:
    events = EventAccumulator(str(folder))
    events.Reload()
    return {tag: [(e.step, e.value) for e in events.Scalars(tag)] for tag in events.Tags()["scalars"]}


def test_step_and_epoch_scalars_match_the_trainer(tmp_path):
    """One full batch per epoch: the step's loss is the epoch's, and its gradient norm is that of the
    model as it stood before the step, computed here on a copy."""
    seed_everything(0)
    x, y = first_token_task(48)
    xv, yv = first_token_task(16, seed=1)
    model = TinyLSTMClassifier()
    model.dropout.p = 0.0  # the step's gradient is then a function of the weights alone
    before = copy.deepcopy(model)
    torch.nn.functional.cross_entropy(before(torch.as_tensor(x)), torch.as_tensor(y)).backward()
    first_norm = torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in before.parameters()])).item()
    trainer = Trainer(model, lr=0.05, schedule="cosine", metrics=["acc"], run_dir=tmp_path, quiet=True,
                      callbacks=[TensorBoard()])
    trainer.fit((x, y), epochs=3, batch_size=48, validation_data=(xv, yv))
    got = scalars(tmp_path / "tensorboard")
    assert {"train/loss", "train/grad_norm", "train/lr", "epoch/loss", "epoch/acc", "epoch/val_loss",
            "epoch/val_acc", "epoch/lr"} <= set(got)
    epochs = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    epochs = [e for e in epochs if e["kind"] == "epoch"]
    for name in ("loss", "acc", "val_loss", "val_acc", "lr"):
        assert [s for s, _ in got[f"epoch/{name}"]] == [e["step"] for e in epochs], name
        assert [v for _, v in got[f"epoch/{name}"]] == pytest.approx([e[name] for e in epochs], rel=1e-6), name
    assert [s for s, _ in got["train/loss"]] == [1, 2, 3]
    assert [v for _, v in got["train/loss"]] == pytest.approx([e["loss"] for e in epochs], rel=1e-5)
    assert got["train/grad_norm"][0][1] == pytest.approx(first_norm, rel=1e-5)
    rates = [v for _, v in got["train/lr"]]
    assert rates[0] == pytest.approx(0.05) and rates[0] > rates[1] > rates[2]  # cosine, the rate each step used


def test_many_steps_per_epoch(tmp_path):
    seed_everything(0)
    x, y = first_token_task(64)
    Trainer(TinyLSTMClassifier(), run_dir=tmp_path, quiet=True, callbacks=[TensorBoard()]).fit(
        (x, y), epochs=2, batch_size=16)
    got = scalars(tmp_path / "tensorboard")
    assert [s for s, _ in got["train/loss"]] == list(range(1, 9))
    assert [s for s, _ in got["epoch/loss"]] == [4, 8]
    assert all(v > 0 for _, v in got["train/grad_norm"])


def test_tensorboard_flag_of_a_task(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = tag_task(tmp_path)
    code, _, err = call_cli(capsys, *args, "--epochs", "1", "--run-dir", "on", "--tensorboard",
                            "--tensorboard-histograms", "--quiet")
    assert code == 0, err
    got = scalars(tmp_path / "on" / "tensorboard")
    assert {"train/loss", "train/grad_norm", "train/lr", "epoch/loss", "epoch/val_loss"} <= set(got)
    assert any(tag.startswith("gates/") and tag.endswith("/hidden_state") for tag in histograms(tmp_path / "on" / "tensorboard"))
    assert (tmp_path / "on" / "metrics.jsonl").is_file()
    code, _, err = call_cli(capsys, *args, "--epochs", "1", "--run-dir", "off", "--quiet")
    assert code == 0, err
    assert not (tmp_path / "off" / "tensorboard").exists()  # off by default


def test_a_resumed_run_rewrites_the_steps_after_its_checkpoint(tmp_path):
    """A run that died after step 8 with its last checkpoint at step 4 trains steps 5-8 again on resume:
    the curves keep steps 1-4 (the checkpoint's, step 4 included) and show each later step once."""
    seed_everything(0)
    x, y = first_token_task(64)
    fit = lambda epochs, resume: Trainer(TinyLSTMClassifier(), run_dir=tmp_path, quiet=True,
                                         callbacks=[TensorBoard()]).fit((x, y), epochs=epochs, batch_size=16,
                                                                        resume=resume)
    fit(1, False)
    shutil.copytree(tmp_path / "checkpoints", tmp_path / "at-step-4")
    fit(2, True)  # steps 5-8 written ...
    shutil.rmtree(tmp_path / "checkpoints")  # ... but their checkpoint lost
    shutil.copytree(tmp_path / "at-step-4", tmp_path / "checkpoints")
    history = fit(2, True)
    got = scalars(tmp_path / "tensorboard")
    assert [s for s, _ in got["train/loss"]] == list(range(1, 9))
    assert [s for s, _ in got["epoch/loss"]] == [4, 8]
    assert got["epoch/loss"][-1][1] == pytest.approx(history.history["loss"][-1], rel=1e-6)


class RnnkitLSTMClassifier(torch.nn.Module):
    """Embedding -> rnnkit LSTM -> last step -> Linear: what the gate histograms trace."""

    def __init__(self):
        super().__init__()
        from rnnkit.layers import Recurrent

        self.embedding = torch.nn.Embedding(4, 6)
        self.rnn = Recurrent("lstm", 6, 5, batch_first=True)
        self.out = torch.nn.Linear(5, 2)

    def forward(self, x, lengths=None):
        return self.out(self.rnn(self.embedding(x))[:, -1])


def histograms(folder) -> dict:
    events = EventAccumulator(str(folder), size_guidance={"histograms": 0})
    events.Reload()
    return {tag: events.Histograms(tag) for tag in events.Tags()["histograms"]}


def test_gate_histograms_per_epoch_leave_training_as_it_was(tmp_path):
    x, y = first_token_task(64)
    runs = {}
    for name, with_histograms in (("plain", False), ("histograms", True)):
        seed_everything(0)
        trainer = Trainer(RnnkitLSTMClassifier(), run_dir=tmp_path / name, quiet=True,
                          callbacks=[TensorBoard(histograms=with_histograms)])
        runs[name] = trainer.fit((x, y), epochs=2, batch_size=16).history["loss"]
    assert runs["histograms"] == runs["plain"]  # traced in eval mode, no gradient, no random draw
    assert histograms(tmp_path / "plain" / "tensorboard") == {}
    got = histograms(tmp_path / "histograms" / "tensorboard")
    gates = {f"gates/rnn/layer_1/{q}" for q in ("input_gate", "forget_gate", "output_gate", "candidate",
                                                  "cell_state", "hidden_state")}
    assert gates <= set(got), sorted(got)
    forget = got["gates/rnn/layer_1/forget_gate"]
    assert [e.step for e in forget] == [4, 8]  # one per epoch, at its last step
    last = forget[-1].histogram_value
    assert last.num == 16 * x.shape[1] * 5  # the last batch's steps x units
    assert 0.0 <= last.min and last.max <= 1.0  # a sigmoid gate
