"""Truncated BPTT: a latch held far longer than k1 is learned through the carried state."""
import numpy as np
import pytest
import torch
from torch import nn

from rnnkit.training.tbptt import TBPTT, detach_state


class StatefulLSTM(nn.Module):
    """forward(x, state) -> (logits (B, T, 2), (h, c)): the stateful protocol TBPTT needs."""

    def __init__(self, inputs=3, hidden=8):
        super().__init__()
        self.lstm = nn.LSTM(inputs, hidden, batch_first=True)
        self.out = nn.Linear(hidden, 2)

    def forward(self, x, state=None):
        h, state = self.lstm(x, state)  # (B, T, H)
        return self.out(h), state


def latch_streams(batch, steps, p_set=1 / 15, seed=0):
    """Symbols: 0 noise, 1 'set to 0', 2 'set to 1'; target = the value of the latest set (the latch).
    Returns one-hot inputs (B, T, 3), targets (B, T) and the distance back to the latest set."""
    g = np.random.default_rng(seed)
    symbols = np.where(g.random((batch, steps)) < p_set, g.integers(1, 3, (batch, steps)), 0)
    symbols[:, 0] = g.integers(1, 3, batch)
    target = np.zeros((batch, steps), dtype=np.int64)
    age = np.zeros((batch, steps), dtype=np.int64)
    for t in range(steps):
        is_set = symbols[:, t] > 0
        target[:, t] = np.where(is_set, symbols[:, t] - 1, target[:, t - 1] if t else 0)
        age[:, t] = np.where(is_set, 0, age[:, t - 1] + 1 if t else 0)
    return torch.eye(3)[symbols], torch.as_tensor(target), age


def test_tbptt_learns_a_dependency_longer_than_k1_through_the_carried_state():
    torch.manual_seed(0)
    k1 = 5
    x, y, _ = latch_streams(32, 200, seed=0)
    trainer = TBPTT(StatefulLSTM(), k1=k1, lr=0.03, clip_norm=1.0)
    trainer.fit(x, y, epochs=4)
    xt, yt, age = latch_streams(32, 300, seed=1)
    far = torch.as_tensor(age > 2 * k1)  # the last set came more than 2*k1 steps back: beyond any chunk
    assert far.float().mean() > 0.3
    pred = trainer.predict(xt).argmax(-1)
    carried = (pred == yt)[far].float().mean().item()
    reset = (trainer.predict(xt, carry=False).argmax(-1) == yt)[far].float().mean().item()
    assert carried > 0.95, carried  # chance is 0.5
    assert reset < 0.8, reset  # without the carried state the latch is lost: information came through it
    assert trainer.evaluate(xt, yt)["acc"] > 0.95


def test_window_longer_than_the_sequences_is_refused():
    x, y, _ = latch_streams(2, 10)
    with pytest.raises(ValueError, match=r"k1=20 is longer than the sequences \(length 10\)"):
        TBPTT(StatefulLSTM(), k1=20).fit(x, y)
    with pytest.raises(ValueError, match="k2=6"):
        TBPTT(StatefulLSTM(), k1=5, k2=6)
    with pytest.raises(ValueError, match="k2=0"):
        TBPTT(StatefulLSTM(), k1=5, k2=0)
    with pytest.raises(ValueError, match="k1=0"):
        TBPTT(StatefulLSTM(), k1=0)


def test_stateful_keeps_state_until_reset_and_gradients_stop_at_chunks():
    torch.manual_seed(0)
    x, y, _ = latch_streams(2, 12)
    trainer = TBPTT(StatefulLSTM(), k1=4, stateful=True)
    trainer.fit(x, y, epochs=1)
    kept = trainer.state
    assert kept is not None and not kept[0].requires_grad
    trainer.fit(x[:, :4], y[:, :4], epochs=1)
    assert not torch.equal(trainer.state[0], kept[0])  # continued from the kept state
    trainer.reset_states()
    assert trainer.state is None
    h = torch.ones(2, requires_grad=True) * 2
    assert not detach_state({"a": (h, [h])})["a"][1][0].requires_grad


class RecordingLSTM(StatefulLSTM):
    """Records, per call, the chunk length and whether autograd was recording."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def forward(self, x, state=None):
        self.calls.append((x.shape[1], torch.is_grad_enabled()))
        return super().forward(x, state)


def test_backward_window_k2_shorter_than_k1():
    """DL4J's tBPTTBackwardLength: per k1-step chunk, k1 - k2 steps only advance the state, k2 are trained."""
    torch.manual_seed(0)
    x, y, _ = latch_streams(2, 12)
    model = RecordingLSTM()
    TBPTT(model, k1=6, k2=4).fit(x, y, epochs=1)
    assert model.calls == [(2, False), (4, True), (2, False), (4, True)]
    # The state still flows through the untrained steps: same final state as running the stream whole.
    model.calls.clear()
    trainer = TBPTT(model, k1=6, k2=4, lr=0.0)
    trainer.fit(x, y, epochs=1)
    with torch.no_grad():
        _, (h, _) = StatefulLSTM.forward(model, x)
    torch.testing.assert_close(trainer.state[0], h)


def test_k2_shorter_than_k1_still_learns_the_latch():
    torch.manual_seed(0)
    x, y, _ = latch_streams(32, 200, seed=0)
    trainer = TBPTT(StatefulLSTM(), k1=8, k2=5, lr=0.03, clip_norm=1.0)
    trainer.fit(x, y, epochs=4)
    xt, yt, age = latch_streams(32, 300, seed=1)
    assert trainer.evaluate(xt, yt)["acc"] > 0.9


def test_a_non_finite_chunk_follows_on_nan():
    """A NaN input in one chunk: "stop" names the epoch and time step; "skip" drops that chunk (no update,
    not in the loss, a note) and goes on from a fresh state, its weights and loss finite."""
    from rnnkit.training.losses import NonFiniteLossError

    x, y, _ = latch_streams(4, 16)
    x = x.clone()
    x[:, 9] = float("nan")  # inside the third chunk of 4 steps (time steps 8-11)
    torch.manual_seed(0)
    with pytest.raises(NonFiniteLossError, match="loss became nan at epoch 1, time step 8"):
        TBPTT(StatefulLSTM(), k1=4).fit(x, y)
    torch.manual_seed(0)
    trainer = TBPTT(StatefulLSTM(), k1=4, on_nan="skip")
    before = [p.detach().clone() for p in trainer.model.parameters()]
    history = trainer.fit(x, y, epochs=2)
    assert len(trainer.notes) == 2 and "epoch 2, time step 8" in trainer.notes[1] and "skipped" in trainer.notes[1]
    assert all(np.isfinite(v) for v in history.history["loss"])
    assert all(torch.isfinite(p).all() and not torch.equal(p, b) for p, b in zip(trainer.model.parameters(), before))
    with pytest.raises(ValueError, match="on_nan='ignore'"):
        TBPTT(StatefulLSTM(), k1=4, on_nan="ignore")
