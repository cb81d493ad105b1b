"""Truncated backpropagation through time over long streams, with state carried across chunks.

Following DL4J's `tBPTTForwardLength`/`tBPTTBackwardLength` (k1 / k2) and Williams & Peng (1990):
the streams (B, T, ...) are cut into consecutive chunks of k1 steps, one parameter update each; each
chunk starts from the recurrent state the previous chunk ended with, so information flows forward
across the whole stream, while gradients are cut (the state is detached) so backward reaches at most
k2 <= k1 steps: the first k1 - k2 steps of a chunk only advance the state (no graph is kept, their
outputs count in the reported loss but not in the gradient), the last k2 steps are trained.
k2 == k1 (the default) trains every output, with gradients cut at chunk boundaries.

The model follows the stateful protocol `forward(x, state=None) -> (output, state)`, where `state` is
any tensor or tuple/list/dict of tensors (e.g. an LSTM's (h, c)). `stateful=True` keeps the state
across epochs and `fit` calls, as Keras' stateful RNNs, until `reset_states()`; otherwise each epoch
starts from zeros. A window longer than the sequences is an error (DL4J#2278 silently trained nothing).

A non-finite loss or gradient follows `on_nan` as in the Trainer (`training.numerics`): "stop" raises,
naming the epoch and time step; "skip" makes no update from that chunk, leaves it out of the epoch's
loss (a line in `notes`), and starts the next chunk from a zero state, since a non-finite state carried
on would poison every chunk after it.
"""
from __future__ import annotations

from typing import Any, Sequence

import torch
from torch import nn

from rnnkit.training.history import History
from rnnkit.training.losses import get_loss
from rnnkit.training.metrics import get_metric
from rnnkit.training.numerics import OnNaN, StepWatch, gradient_norm
from rnnkit.training.optim import clip_gradients, make_optimizer
from rnnkit.training.outputs import eval_mode


def detach_state(state: Any) -> Any:
    """The same state with every tensor cut from the graph: where truncation happens."""
    if isinstance(state, torch.Tensor):
        return state.detach()
    if isinstance(state, (tuple, list)):
        return type(state)(detach_state(s) for s in state)
    if isinstance(state, dict):
        return {k: detach_state(v) for k, v in state.items()}
    return state


class TBPTT:
    """Train a stateful model on long streams with truncated BPTT; see the module docstring."""

    def __init__(self, model: nn.Module, *, k1: int, k2: int | None = None, stateful: bool = False,
                 loss: Any = "sparse_categorical_crossentropy", optimizer: str | torch.optim.Optimizer = "adam",
                 lr: float | None = None, clip_norm: float | None = None, metrics: Sequence[str] = ("acc",),
                 from_logits: bool = True, on_nan: OnNaN = "stop"):
        if not isinstance(k1, int) or k1 < 1:
            raise ValueError(f"k1={k1!r}; expected a positive number of steps")
        k2 = k1 if k2 is None else k2
        if not isinstance(k2, int) or not 1 <= k2 <= k1:
            raise ValueError(f"k2={k2!r}; expected a backward length with 1 <= k2 <= k1={k1}")
        self.model, self.k1, self.k2, self.stateful = model, k1, k2, stateful
        self.loss_fn = get_loss(loss, from_logits)
        self.optimizer = optimizer if isinstance(optimizer, torch.optim.Optimizer) else \
            make_optimizer(optimizer, model.parameters(), lr=lr)
        self.clip_norm = clip_norm
        self.metrics = [get_metric(m, from_logits) for m in metrics]
        self.watch = StepWatch(on_nan, clip_norm)
        self.state: Any = None
        self.history = History()

    @property
    def notes(self) -> list[str]:
        """Skipped chunks (on_nan="skip") and exploding gradients, one line each."""
        return self.watch.notes

    def reset_states(self) -> None:
        """Forget the carried state: the next chunk starts from the model's initial state."""
        self.state = None

    def _check(self, x: torch.Tensor, y: torch.Tensor) -> None:
        if x.dim() < 2 or y.shape[:2] != x.shape[:2]:
            raise ValueError(f"expected streams x (B, T, ...) and targets y (B, T); got {tuple(x.shape)} and {tuple(y.shape)}")
        if self.k1 > x.shape[1]:
            raise ValueError(f"the truncated BPTT window k1={self.k1} is longer than the sequences "
                             f"(length {x.shape[1]}); nothing would be trained across chunks. Use k1 <= {x.shape[1]} "
                             "or longer streams")

    def _chunks(self, x: torch.Tensor, y: torch.Tensor):
        for t0 in range(0, x.shape[1], self.k1):
            yield t0, x[:, t0:t0 + self.k1], y[:, t0:t0 + self.k1]  # (B, k1, ...), (B, k1)

    def fit(self, x: Any, y: Any, *, epochs: int = 1) -> History:
        x, y = torch.as_tensor(x), torch.as_tensor(y)
        self._check(x, y)
        for epoch in range(epochs):
            if not self.stateful:
                self.reset_states()
            self.model.train()
            total, count = 0.0, 0
            for t0, xc, yc in self._chunks(x, y):
                cut = max(xc.shape[1] - self.k2, 0)  # steps that only advance the state
                head_loss = 0.0
                if cut:
                    with torch.no_grad():
                        head, self.state = self.model(xc[:, :cut], self.state)  # (B, k1 - k2, C)
                        head_loss = self.loss_fn(head, yc[:, :cut]).item() * yc[:, :cut].numel()
                out, state = self.model(xc[:, cut:], self.state)  # (B, k2, C)
                loss = self.loss_fn(out, yc[:, cut:])
                where = f"epoch {epoch + 1}, time step {t0 + cut}"
                self.optimizer.zero_grad(set_to_none=True)
                ok = self.watch.loss_ok(loss, where, lambda: "")
                grad_norm = None
                if ok:
                    loss.backward()
                    grad_norm = gradient_norm(self.model.parameters())
                    ok = self.watch.gradients_ok(grad_norm, where, lambda: "")
                if not ok:  # on_nan="skip": no update, not counted, and a fresh state (see the module docstring)
                    self.optimizer.zero_grad(set_to_none=True)
                    self.state = None
                    continue
                clip_gradients(self.model.parameters(), norm=self.clip_norm, value=None, total_norm=grad_norm)
                self.optimizer.step()
                self.state = detach_state(state)
                total, count = total + head_loss + loss.item() * yc[:, cut:].numel(), count + yc.numel()
            self.history.append(epoch, {"loss": total / count if count else float("nan")})
        return self.history

    @torch.no_grad()
    def predict(self, x: Any, *, carry: bool = True, state: Any = None) -> torch.Tensor:
        """Outputs over whole streams, chunk by chunk; `carry=False` resets the state every k1 steps."""
        x = torch.as_tensor(x)
        outs = []
        with eval_mode(self.model):
            for t0 in range(0, x.shape[1], self.k1):
                out, state = self.model(x[:, t0:t0 + self.k1], state if carry else None)
                outs.append(out)
        return torch.cat(outs, 1)  # (B, T, C)

    def evaluate(self, x: Any, y: Any, *, carry: bool = True) -> dict[str, float]:
        x, y = torch.as_tensor(x), torch.as_tensor(y)
        self._check(x, y)
        out = self.predict(x, carry=carry)
        logs = {"loss": float(self.loss_fn(out, y))}
        for m in self.metrics:
            logs[m.name] = m.result(m.batch_state(out, y))
        return logs
