"""LSTM cell (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al. 2000).

Articles 000, 001 and 004 describe it: three gates decide what the "carry track" C_t (the cell
state) forgets, what it writes, and what it shows. Options: peepholes (Gers & Schmidhuber 2000:
the gates also read the cell state, article 001's D_O N_t term and article 004's figure), a
projection of the output (LSTMP, Sak et al. 2014, as torch's proj_size), Keras'
unit_forget_bias (article 001's forget_bias=1.0), layer normalisation as haste's LayerNormLSTM
(Ba et al. 2016), TensorFlow's cell_clip, zoneout (Krueger et al. 2016) and weight drop (Merity et
al. 2018; both implemented once in `rnnkit.cells.base`).
"""
from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from ..validation import check_positive, check_rate
from .base import RecurrentCell, State
from .norm import EPS, layer_norm, layer_norm_backward


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

    layer_norm=True (haste's LayerNormLSTM): the input and the recurrent pre-activations are
    normalised separately over all 4H gates, each with its own gain and no bias of its own (the
    gate bias b is added after), and the cell state is normalised, with gain and bias, before tanh:

        z_t  = LN(W_ih x_t) ⊙ γ_ih + LN(W_hh h_{t-1}) ⊙ γ_hh + b
        h_t  = o_t ⊙ tanh(LN(C_t) ⊙ γ_c + β_c)      (C_t itself is carried un-normalised)

    with LN(a) = (a - mean(a)) / sqrt(var(a) + 1e-5). Parameters ln_ih_gain, ln_hh_gain (4H,),
    ln_c_gain, ln_c_bias (H,), initialised to 1, 1, 1, 0.

    cell_clip=c (TensorFlow's LSTMCell): C_t = clip(f_t ⊙ C_{t-1} + i_t ⊙ c~_t, -c, c); the gradient
    is zero where the value was clipped. zoneout (both h and C) or zoneout_h / zoneout_c, and
    weight_drop on W_hh: see `rnnkit.cells.base`.

    Equivalent plain loop::

        state = cell.init_state(batch)
        for x_t in x:                       # x: (T, B, I)
            state, _ = cell.step(cell.project_input(x_t), state)
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
        layer_norm: bool = False,
        cell_clip: float | None = None,
        zoneout: float = 0.0,
        zoneout_h: float | None = None,
        zoneout_c: float | None = None,
        weight_drop: float = 0.0,
    ):
        if proj_size != 0:
            check_positive("proj_size", proj_size)
            if proj_size >= hidden_size:
                raise ValueError(f"proj_size must be smaller than hidden_size={hidden_size}, got {proj_size}")
        if cell_clip is not None and (isinstance(cell_clip, bool) or not isinstance(cell_clip, (int, float)) or cell_clip <= 0):
            raise ValueError(f"cell_clip must be a positive number or None, got {cell_clip!r}")
        super().__init__(input_size, hidden_size, recurrent_size=proj_size or hidden_size)
        self.peephole = bool(peephole)
        self.proj_size = proj_size
        self.unit_forget_bias = bool(unit_forget_bias)
        self.layer_norm = bool(layer_norm)
        self.cell_clip = None if cell_clip is None else float(cell_clip)
        self.zoneout = check_rate("zoneout", zoneout)
        self.zoneout_h = self.zoneout if zoneout_h is None else check_rate("zoneout_h", zoneout_h)
        self.zoneout_c = self.zoneout if zoneout_c is None else check_rate("zoneout_c", zoneout_c)
        self.set_regularisers((self.zoneout_h, self.zoneout_c), weight_drop)
        if self.peephole:
            self.weight_ci = nn.Parameter(torch.empty(hidden_size))
            self.weight_cf = nn.Parameter(torch.empty(hidden_size))
            self.weight_co = nn.Parameter(torch.empty(hidden_size))
        if proj_size:
            self.weight_hr = nn.Parameter(torch.empty(proj_size, hidden_size))  # (P, H)
        if self.layer_norm:
            self.ln_ih_gain = nn.Parameter(torch.empty(4 * hidden_size))
            self.ln_hh_gain = nn.Parameter(torch.empty(4 * hidden_size))
            self.ln_c_gain = nn.Parameter(torch.empty(hidden_size))
            self.ln_c_bias = nn.Parameter(torch.empty(hidden_size))
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
        if getattr(self, "layer_norm", False):
            for name in ("ln_ih_gain", "ln_hh_gain", "ln_c_gain"):
                nn.init.ones_(getattr(self, name))
            nn.init.zeros_(self.ln_c_bias)

    @property
    def state_sizes(self) -> tuple[int, int]:
        return (self.proj_size or self.hidden_size, self.hidden_size)

    def project_input(self, x: Tensor) -> Tensor:
        """W_ih x + b, or LN(W_ih x) ⊙ γ_ih + b with layer norm, for every step at once."""
        if not self.layer_norm:
            return super().project_input(x)
        if x.shape[-1] != self.input_size:
            raise ValueError(f"input feature size must be {self.input_size}, got {x.shape[-1]} (input shape {tuple(x.shape)})")
        a = torch.nn.functional.linear(x, self.weight_ih)  # (..., 4H)
        return torch.nn.functional.layer_norm(a, a.shape[-1:], self.ln_ih_gain, self.bias, EPS)

    def step(self, xp_t: Tensor, state: State, recurrent_mask: Tensor | None = None,
             weight_hh: Tensor | None = None):
        weight_hh = self.weight_hh if weight_hh is None else weight_hh
        h_prev, c_prev = state  # (B, P|H), (B, H)
        h_in = h_prev if recurrent_mask is None else h_prev * recurrent_mask
        if self.layer_norm:
            r_hat, r_inv = layer_norm(h_in @ weight_hh.t())  # (B, 4H)
            z = xp_t + r_hat * self.ln_hh_gain
        else:
            r_hat = r_inv = None
            z = torch.addmm(xp_t, h_in, weight_hh.t())  # (B, 4H)
        z_i, z_f, z_g, z_o = z.chunk(4, 1)  # each (B, H)
        if self.peephole:
            z_i = z_i + self.weight_ci * c_prev
            z_f = z_f + self.weight_cf * c_prev
        i, f, g = torch.sigmoid(z_i), torch.sigmoid(z_f), torch.tanh(z_g)
        c = f * c_prev + i * g  # (B, H)
        clipped = None
        if self.cell_clip is not None:
            clipped = (c >= -self.cell_clip) & (c <= self.cell_clip)  # where the gradient passes
            c = c.clamp(-self.cell_clip, self.cell_clip)
        if self.peephole:
            z_o = z_o + self.weight_co * c
        o = torch.sigmoid(z_o)
        if self.layer_norm:
            c_hat, c_inv = layer_norm(c)
            tanh_c = torch.tanh(c_hat * self.ln_c_gain + self.ln_c_bias)
        else:
            c_hat = c_inv = None
            tanh_c = torch.tanh(c)
        m = o * tanh_c  # (B, H)
        h = m @ self.weight_hr.t() if self.proj_size else m  # (B, P|H)
        cache = (h_in, c_prev, i, f, g, o, c, tanh_c, m, recurrent_mask, weight_hh, r_hat, r_inv, c_hat, c_inv, clipped)
        return (h, c), cache

    def step_backward(self, cache: tuple, grad_state: State):
        h_in, c_prev, i, f, g, o, c, tanh_c, m, recurrent_mask, weight_hh, r_hat, r_inv, c_hat, c_inv, clipped = cache
        dh, dc = grad_state
        grads = {}
        if self.proj_size:
            grads["weight_hr"] = dh.t() @ m  # (P, H)
            dm = dh @ self.weight_hr  # (B, H)
        else:
            dm = dh
        dz_o = dm * tanh_c * o * (1 - o)  # through o_t = σ(z_o)
        d_pre_tanh = dm * o * (1 - tanh_c * tanh_c)  # through h_t = o_t tanh(.)
        if self.layer_norm:
            grads["ln_c_gain"] = (d_pre_tanh * c_hat).sum(0)
            grads["ln_c_bias"] = d_pre_tanh.sum(0)
            dc = dc + layer_norm_backward(d_pre_tanh * self.ln_c_gain, c_hat, c_inv)
        else:
            dc = dc + d_pre_tanh
        if self.peephole:
            dc = dc + dz_o * self.weight_co  # o_t reads C_t
            grads["weight_co"] = (dz_o * c).sum(0)
        if clipped is not None:
            dc = dc * clipped  # no gradient where C_t was clipped
        dz_i = dc * g * i * (1 - i)
        dz_f = dc * c_prev * f * (1 - f)
        dz_g = dc * i * (1 - g * g)
        dc_prev = dc * f
        if self.peephole:
            dc_prev = dc_prev + dz_i * self.weight_ci + dz_f * self.weight_cf
            grads["weight_ci"] = (dz_i * c_prev).sum(0)
            grads["weight_cf"] = (dz_f * c_prev).sum(0)
        dz = torch.cat((dz_i, dz_f, dz_g, dz_o), 1)  # (B, 4H)
        if self.layer_norm:
            grads["ln_hh_gain"] = (dz * r_hat).sum(0)
            dr = layer_norm_backward(dz * self.ln_hh_gain, r_hat, r_inv)  # grad of W_hh h_{t-1}
        else:
            dr = dz
        grads["weight_hh"] = dr.t() @ h_in  # (4H, P|H)
        dh_prev = dr @ weight_hh  # (B, P|H)
        if recurrent_mask is not None:
            dh_prev = dh_prev * recurrent_mask
        return dz, (dh_prev, dc_prev), grads

    def get_config(self):
        config = super().get_config()
        config.update(peephole=self.peephole, proj_size=self.proj_size, unit_forget_bias=self.unit_forget_bias,
                      layer_norm=self.layer_norm, cell_clip=self.cell_clip, zoneout_h=self.zoneout_h,
                      zoneout_c=self.zoneout_c, weight_drop=self.weight_drop)
        return config


def chrono_init_(cell: LSTMCell, max_steps: int) -> LSTMCell:
    """Chrono initialisation (Tallec & Ollivier 2018, "Can recurrent neural networks warp time?"), in place.

        b_f ~ log(U(1, max_steps - 1)),   b_i = -b_f

    The forget gate then starts open (σ(b_f) up to 1 - 1/max_steps), so the carry track C_t keeps
    what it saw for a spread of time scales up to `max_steps`, and the input gate starts mostly
    closed: the remedy for long inputs (784 pixels) where the usual forget bias of 1 forgets within a
    few dozen steps and training sits at chance. Only the starting bias changes, not the cell's math.
    """
    if isinstance(max_steps, bool) or not isinstance(max_steps, int) or max_steps < 3:
        raise ValueError(f"max_steps must be an integer >= 3, got {max_steps!r}")
    slices = cell.gate_slices()
    with torch.no_grad():
        forget = torch.log(torch.empty(cell.hidden_size).uniform_(1, max_steps - 1))  # (H,)
        cell.bias[slices["f"]] = forget.to(cell.bias)
        cell.bias[slices["i"]] = -forget.to(cell.bias)
    return cell
