"""Elman's simple recurrent cell, the RNN of articles 002 and 003 (Keras' SimpleRNN).

Options shared with the other cells (implemented once in `rnnkit.cells.base`): zoneout on h
(Krueger et al. 2016) and weight drop on W_hh (Merity et al. 2018).
"""
from __future__ import annotations

import torch
from torch import Tensor

from ..validation import check_choice, check_rate
from .base import RecurrentCell, State

ACTIVATIONS = ("tanh", "relu")


class SimpleRNNCell(RecurrentCell):
    r"""One Elman step:

        h_t = act(W_ih x_t + b + W_hh h_{t-1}),   act = tanh (default) or relu

    Parameters: weight_ih (H, I), weight_hh (H, H), bias (H). State: (h_t,).
    SimpleRNN(32) on 32 inputs has 32*32 + 32*32 + 32 = 2,080 parameters (article 003).
    """

    gate_names = ("h",)

    def __init__(self, input_size: int, hidden_size: int, *, activation: str = "tanh", zoneout: float = 0.0,
                 weight_drop: float = 0.0):
        check_choice("activation", activation, ACTIVATIONS)
        super().__init__(input_size, hidden_size)
        self.activation = activation
        self.zoneout = check_rate("zoneout", zoneout)
        self.set_regularisers((self.zoneout,), weight_drop)
        self.reset_parameters()

    @property
    def state_sizes(self) -> tuple[int]:
        return (self.hidden_size,)

    def step(self, xp_t: Tensor, state: State, recurrent_mask: Tensor | None = None,
             weight_hh: Tensor | None = None):
        weight_hh = self.weight_hh if weight_hh is None else weight_hh
        (h_prev,) = state
        h_in = h_prev if recurrent_mask is None else h_prev * recurrent_mask
        a = torch.addmm(xp_t, h_in, weight_hh.t())  # (B, H)
        h = torch.tanh(a) if self.activation == "tanh" else torch.relu(a)
        return (h,), (h_in, h, recurrent_mask, weight_hh)

    def step_backward(self, cache: tuple, grad_state: State):
        h_in, h, recurrent_mask, weight_hh = cache
        (dh,) = grad_state
        da = dh * (1 - h * h) if self.activation == "tanh" else dh * (h > 0)  # (B, H)
        dh_prev = da @ weight_hh
        if recurrent_mask is not None:
            dh_prev = dh_prev * recurrent_mask
        return da, (dh_prev,), {"weight_hh": da.t() @ h_in}

    def get_config(self):
        return {**super().get_config(), "activation": self.activation, "zoneout": self.zoneout,
                "weight_drop": self.weight_drop}
