"""LSTM cell (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al. 2000).

Articles 000, 001 and 004 describe it: three gates decide what the "carry track" C_t (the cell
state) forgets, what it writes, and what it shows. Options: peepholes (Gers & Schmidhuber 2000:
the gates also read the cell state, article 001's D_O N_t term and article 004's figure), a
projection of the output (LSTMP, Sak et al. 2014, as torch's proj_size), and Keras'
unit_forget_bias (article 001's forget_bias=1.0).
"""
from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from .base import RecurrentCell, State, check_positive


class LSTMCell(RecurrentCell):
    r"""One LSTM step. Gate order i, f, g, o (torch's), one bias per gate.

        z_t  = W_ih x_t + b + W_hh h_{t-1}                  (all four gates in one matmul)
        f_t  = σ(z_f + w_cf ⊙ C_{t-1})                      forget gate
        i_t  = σ(z_i + w_ci ⊙ C_{t-1})                      input gate
        c~_t = tanh(z_g)                                    candidate
        C_t  = f_t ⊙ C_{t-1} + i_t ⊙ c~_t                   the carry track
        o_t  = σ(z_o + w_co ⊙ C_t)                          output gate
        h_t  = o_t ⊙ tanh(C_t)          (then h_t = W_hr h_t with proj_size)

    The w_c* (peephole) terms are present only with peephole=True. State: (h_t, C_t).
    Parameters: weight_ih (4H, I), weight_hh (4H, P), bias (4H); peephole adds weight_ci,
    weight_cf, weight_co (H,); proj_size P adds weight_hr (P, H). LSTM(128) on 256 inputs has
    4 * (256*128 + 128*128 + 128) = 197,120 parameters, as article 000 counts.

    Equivalent plain loop::

        state = cell.init_state(batch)
        for x_t in x:                       # x: (T, B, I)
            state = cell.step(cell.project_input(x_t), state)
    """

    gate_names = ("i", "f", "g", "o")

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        *,
        peephole: bool = False,
        proj_size: int = 0,
        unit_forget_bias: bool = True,
    ):
        if proj_size != 0:
            check_positive("proj_size", proj_size)
            if proj_size >= hidden_size:
                raise ValueError(f"proj_size must be smaller than hidden_size={hidden_size}, got {proj_size}")
        super().__init__(input_size, hidden_size, recurrent_size=proj_size or hidden_size)
        self.peephole = bool(peephole)
        self.proj_size = proj_size
        self.unit_forget_bias = bool(unit_forget_bias)
        if self.peephole:
            self.weight_ci = nn.Parameter(torch.empty(hidden_size))
            self.weight_cf = nn.Parameter(torch.empty(hidden_size))
            self.weight_co = nn.Parameter(torch.empty(hidden_size))
        if proj_size:
            self.weight_hr = nn.Parameter(torch.empty(proj_size, hidden_size))  # (P, H)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        super().reset_parameters()
        if self.unit_forget_bias:
            with torch.no_grad():
                self.bias[self.gate_slices()["f"]] = 1.0
        bound = 1.0 / math.sqrt(self.hidden_size)
        for name in ("weight_ci", "weight_cf", "weight_co", "weight_hr"):
            if hasattr(self, name):
                nn.init.uniform_(getattr(self, name), -bound, bound)

    @property
    def state_sizes(self) -> tuple[int, int]:
        return (self.proj_size or self.hidden_size, self.hidden_size)

    def step_with_cache(self, xp_t: Tensor, state: State, recurrent_mask: Tensor | None = None):
        h_prev, c_prev = state  # (B, P|H), (B, H)
        h_in = h_prev if recurrent_mask is None else h_prev * recurrent_mask
        z = torch.addmm(xp_t, h_in, self.weight_hh.t())  # (B, 4H)
        z_i, z_f, z_g, z_o = z.chunk(4, 1)  # each (B, H)
        if self.peephole:
            z_i = z_i + self.weight_ci * c_prev
            z_f = z_f + self.weight_cf * c_prev
        i, f, g = torch.sigmoid(z_i), torch.sigmoid(z_f), torch.tanh(z_g)
        c = f * c_prev + i * g  # (B, H)
        if self.peephole:
            z_o = z_o + self.weight_co * c
        o = torch.sigmoid(z_o)
        tanh_c = torch.tanh(c)
        m = o * tanh_c  # (B, H)
        h = m @ self.weight_hr.t() if self.proj_size else m  # (B, P|H)
        return (h, c), (h_in, c_prev, i, f, g, o, c, tanh_c, m, recurrent_mask)

    def step_backward(self, cache: tuple, grad_state: State):
        h_in, c_prev, i, f, g, o, c, tanh_c, m, recurrent_mask = cache
        dh, dc = grad_state
        grads = {}
        if self.proj_size:
            grads["weight_hr"] = dh.t() @ m  # (P, H)
            dm = dh @ self.weight_hr  # (B, H)
        else:
            dm = dh
        dz_o = dm * tanh_c * o * (1 - o)  # through o_t = σ(z_o)
        dc = dc + dm * o * (1 - tanh_c * tanh_c)  # through h_t = o_t tanh(C_t)
        if self.peephole:
            dc = dc + dz_o * self.weight_co  # o_t reads C_t
            grads["weight_co"] = (dz_o * c).sum(0)
        dz_i = dc * g * i * (1 - i)
        dz_f = dc * c_prev * f * (1 - f)
        dz_g = dc * i * (1 - g * g)
        dc_prev = dc * f
        if self.peephole:
            dc_prev = dc_prev + dz_i * self.weight_ci + dz_f * self.weight_cf
            grads["weight_ci"] = (dz_i * c_prev).sum(0)
            grads["weight_cf"] = (dz_f * c_prev).sum(0)
        dz = torch.cat((dz_i, dz_f, dz_g, dz_o), 1)  # (B, 4H)
        grads["weight_hh"] = dz.t() @ h_in  # (4H, P|H)
        dh_prev = dz @ self.weight_hh  # (B, P|H)
        if recurrent_mask is not None:
            dh_prev = dh_prev * recurrent_mask
        return dz, (dh_prev, dc_prev), grads

    def get_config(self):
        config = super().get_config()
        config.update(peephole=self.peephole, proj_size=self.proj_size, unit_forget_bias=self.unit_forget_bias)
        return config
