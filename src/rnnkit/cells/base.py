"""The cell contract: what every recurrent cell in rnnkit provides.

A cell is ONE time step (Keras' split of a cell from the generic recurrent wrapper; flax's explicit
carry). It never loops over time: `rnnkit.engine` runs it over a sequence, `rnnkit.layers.Recurrent`
stacks and reverses it. To add your own cell, subclass `RecurrentCell` and implement the
members marked below; every runner (autograd loop, fused BPTT) then works with it.

Parameters follow torch's names and layout, with ONE bias per gate set (as Keras and the articles):
    weight_ih  (G*H, I)   input-to-hidden, G gates stacked in the cell's gate order
    weight_hh  (G*H, R)   hidden-to-hidden (R = H, or the projection size for LSTMP)
    bias       (G*H,)     one bias per gate
The input projection does not depend on h(t-1), so runners hoist it out of the time loop and compute
it for all steps at once with `project_input` (one large matmul); `step` receives its slice `xp_t`.

State is a tuple of tensors `(h, ...)`; the first element is always the step's output h_t.

Contract (what a subclass implements: one forward step and, optionally, its backward):
    state_sizes         tuple of the state tensors' feature sizes, e.g. LSTM (H, H)
    step(xp_t, state, recurrent_mask=None, weight_hh=None) -> (new_state, cache)
        xp_t: (B, G*H) this step's input projection; state: tuple of (B, size) tensors.
        recurrent_mask: (B, R) variational recurrent-dropout mask applied to h(t-1) where it
        enters the recurrent matmul (Gal & Ghahramani 2016: one mask per sequence, article 003),
        or None. weight_hh: the recurrent matrix to use this pass (None: `self.weight_hh`; the
        runners pass its DropConnect-masked copy under weight drop). Returns the new state and what
        backward needs (runners under autograd drop it).
    step_backward(cache, grad_state) -> (grad_xp_t, grad_prev_state, grad_params)   optional
        The hand-derived gradient of one step (BPTT written out): grad_state is dLoss/d(new_state)
        (output gradient already added to its first element); returns dLoss/d(xp_t), dLoss/d(state),
        and this step's contribution to each recurrent parameter's gradient as {name: tensor}
        ("weight_hh" is the gradient with respect to the matrix that was passed in).
        The gradients of what `project_input` uses (weight_ih, bias, input layer norm) follow from
        grad_xp over all steps and are computed in single large matmuls after the loop.
        A cell without it runs on the autograd loop (`fast="fused"` then says so).

What the base class adds (the runners in `rnnkit.engine` apply the masks around `step`):
    sample_zoneout(steps, batch, like) zoneout's masks d_t (Krueger et al. 2016) for a whole sequence,
        (T, B, size) per state tensor with a rate: s_t = d_t ⊙ s_{t-1} + (1 - d_t) ⊙ s~_t, with d_t a
        fresh Bernoulli(rate) mask per step and unit in training and d_t = rate (the expectation) in eval
        (`rnnkit.engine.masks.zoneout`).
    sample_weight_mask(like)           weight drop (DropConnect on weight_hh, AWD-LSTM, Merity et
        al. 2018): one Bernoulli(1 - p) / (1 - p) mask of weight_hh's shape per forward pass,
        training only; runners use weight_hh ⊙ mask and scale its gradient by the mask.
"""
from __future__ import annotations

import inspect
import math
from typing import Any

import torch
from torch import Tensor, nn

from ..validation import check_positive, check_rate

State = tuple[Tensor, ...]


def bernoulli_masks(shape, rate: float, like: Tensor, generator: torch.Generator | None = None) -> Tensor:
    """A tensor of `shape` in like's dtype and device: 1 with probability `rate`, else 0."""
    # comparing uniforms is faster than bernoulli(full(rate)) on CPU (benchmarks/RESULTS.md)
    draws = torch.rand(shape, generator=generator, dtype=like.dtype, device=like.device)
    return (draws < rate).to(like.dtype)


class RecurrentCell(nn.Module):
    """Base class: holds `weight_ih`, `weight_hh`, `bias`, and the hoisted input projection."""

    #: gate names in the order their rows are stacked in weight_ih / weight_hh / bias
    gate_names: tuple[str, ...] = ()

    def __init__(self, input_size: int, hidden_size: int, recurrent_size: int | None = None):
        super().__init__()
        self.input_size = check_positive("input_size", input_size)
        self.hidden_size = check_positive("hidden_size", hidden_size)
        recurrent_size = hidden_size if recurrent_size is None else recurrent_size
        gates = len(self.gate_names) * hidden_size
        # zeros, not torch.empty: a subclass ends its __init__ with self.reset_parameters(); one that forgets
        # gets a cell that does nothing yet, never uninitialised memory (NaN) in its weights
        self.weight_ih = nn.Parameter(torch.zeros(gates, input_size))  # (G*H, I)
        self.weight_hh = nn.Parameter(torch.zeros(gates, recurrent_size))  # (G*H, R)
        self.bias = nn.Parameter(torch.zeros(gates))  # (G*H,)
        self.zoneout_rates: tuple[float, ...] = ()  # one rate per state tensor, set by `set_regularisers`
        self.weight_drop = 0.0

    def set_regularisers(self, zoneout_rates: tuple[float, ...] = (), weight_drop: float = 0.0) -> None:
        """Zoneout rate per state tensor (missing = 0) and the weight-drop rate on weight_hh."""
        self.zoneout_rates = tuple(zoneout_rates)
        self.weight_drop = check_rate("weight_drop", weight_drop)

    # ---- what subclasses implement -------------------------------------------------------------
    @property
    def state_sizes(self) -> tuple[int, ...]:
        raise NotImplementedError

    def step(self, xp_t: Tensor, state: State, recurrent_mask: Tensor | None = None,
             weight_hh: Tensor | None = None) -> tuple[State, Any]:
        raise NotImplementedError

    def step_backward(self, cache: Any, grad_state: State):
        raise NotImplementedError(f"{type(self).__name__} has no hand-derived step_backward: run it with fast='loop'")

    @property
    def has_step_backward(self) -> bool:
        """Whether the cell derives its own step gradient (the fused runner needs it)."""
        return type(self).step_backward is not RecurrentCell.step_backward

    # ---- random masks for one forward pass -------------------------------------------------------------
    @property
    def has_zoneout(self) -> bool:
        return any(self.zoneout_rates)

    def sample_zoneout(self, steps: int, batch: int, like: Tensor, generator: torch.Generator | None = None,
                       draw=None):
        """Zoneout masks d for `steps` steps: a tuple with one (T, B, size) tensor or None per state.

        draw(shape, rate, like, generator): the Bernoulli(rate) sampler, `bernoulli_masks` by default;
        the engine passes its compiled counter-based one (faster on CPU, where at short sequences
        these draws can cost more than the recurrence itself)."""
        if not self.has_zoneout:
            return None
        draw = draw or bernoulli_masks
        masks = []
        for k, size in enumerate(self.state_sizes):
            rate = self.zoneout_rates[k] if k < len(self.zoneout_rates) else 0.0
            if not rate:
                masks.append(None)
            elif self.training:
                masks.append(draw((steps, batch, size), rate, like, generator))  # (T, B, size)
            else:  # the expectation: a constant, expanded without memory
                masks.append(torch.full((1, 1, 1), rate, dtype=like.dtype, device=like.device).expand(steps, batch, size))
        return tuple(masks)

    def sample_weight_mask(self, like: Tensor | None = None, generator: torch.Generator | None = None) -> Tensor | None:
        """Weight drop's DropConnect mask on weight_hh, scaled by 1/(1-p); None in eval or without it."""
        if not self.weight_drop or not self.training:
            return None
        w = self.weight_hh
        keep = torch.full(w.shape, 1.0 - self.weight_drop, dtype=w.dtype, device=w.device)
        return torch.bernoulli(keep, generator=generator) / (1.0 - self.weight_drop)  # (G*H, R)

    # ---- shared ----------------------------------------------------------------------------------
    @property
    def output_size(self) -> int:
        return self.state_sizes[0]

    def project_input(self, x: Tensor) -> Tensor:
        """x W_ih^T + bias for every step at once: (..., I) -> (..., G*H)."""
        if x.shape[-1] != self.input_size:
            raise ValueError(f"input feature size must be {self.input_size}, got {x.shape[-1]} (input shape {tuple(x.shape)})")
        return torch.nn.functional.linear(x, self.weight_ih, self.bias)

    def init_state(self, batch_size: int, *, dtype=None, device=None) -> State:
        """The zero carry; the cell owns its shape (flax)."""
        dtype = dtype or self.weight_ih.dtype
        device = device or self.weight_ih.device
        return tuple(torch.zeros(batch_size, size, dtype=dtype, device=device) for size in self.state_sizes)

    def reset_parameters(self) -> None:
        """Keras' defaults: glorot-uniform input kernel, orthogonal recurrent kernel per gate, zero bias."""
        fan = self.weight_ih.shape[0] + self.weight_ih.shape[1]
        limit = math.sqrt(6.0 / fan)
        nn.init.uniform_(self.weight_ih, -limit, limit)
        with torch.no_grad():
            for block in self.weight_hh.chunk(len(self.gate_names), 0):  # (H, R) per gate
                nn.init.orthogonal_(block)
        nn.init.zeros_(self.bias)

    def gate_slices(self) -> dict[str, slice]:
        h = self.hidden_size
        return {name: slice(k * h, (k + 1) * h) for k, name in enumerate(self.gate_names)}

    def check_state(self, state: State, batch_size: int) -> None:
        if len(state) != len(self.state_sizes):
            raise ValueError(f"{type(self).__name__} state must have {len(self.state_sizes)} tensors, got {len(state)}")
        for k, (s, size) in enumerate(zip(state, self.state_sizes)):
            if tuple(s.shape) != (batch_size, size):
                raise ValueError(f"state[{k}] must have shape {(batch_size, size)}, got {tuple(s.shape)}")

    def get_config(self) -> dict[str, Any]:
        return {"input_size": self.input_size, "hidden_size": self.hidden_size}

    def extra_repr(self) -> str:
        """Sizes, then only the options that differ from their defaults (as torch's reprs)."""
        defaults = {k: p.default for k, p in inspect.signature(type(self)).parameters.items()}
        config = self.get_config()
        shown = [f"{config.pop('input_size')}, {config.pop('hidden_size')}"]
        shown += [f"{k}={v!r}" for k, v in config.items() if defaults.get(k, inspect.Parameter.empty) != v]
        return ", ".join(shown)
