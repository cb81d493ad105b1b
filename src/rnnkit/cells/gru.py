"""GRU cell (Cho et al. 2014), article 001's "simplified LSTM": two gates, no separate carry track.

Two variants that differ in where the reset gate acts:
  reset_after=True   r_t multiplies the recurrent projection (W_hn h_{t-1} + b_hn): torch, cuDNN and
                     Keras' default. Keeps a second, recurrent bias `bias_hh`, as Keras and torch do.
  reset_after=False  r_t multiplies h_{t-1} before the projection: the original paper. One bias.
Options: layer normalisation of the input and recurrent pre-activations (as haste's LayerNormLSTM,
Ba et al. 2016), zoneout on h (Krueger et al. 2016) and weight drop on W_hh (Merity et al. 2018),
the last two implemented once in `rnnkit.cells.base`.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from ..validation import check_rate
from .base import RecurrentCell, State
from .norm import EPS, layer_norm, layer_norm_backward


class GRUCell(RecurrentCell):
    r"""One GRU step. Gate order r, z, n (torch's).

        r_t  = σ(W_ir x_t + b_r + W_hr h_{t-1} [+ b_hr])        reset gate
        z_t  = σ(W_iz x_t + b_z + W_hz h_{t-1} [+ b_hz])        update gate
        n_t  = tanh(W_in x_t + b_n + r_t ⊙ (W_hn h_{t-1} + b_hn))   reset_after=True
        n_t  = tanh(W_in x_t + b_n + W_hn (r_t ⊙ h_{t-1}))          reset_after=False
        h_t  = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}

    Parameters: weight_ih (3H, I), weight_hh (3H, H), bias (3H); reset_after adds bias_hh (3H).
    State: (h_t,).

    layer_norm=True (reset_after only): the input and the recurrent pre-activations of all 3H gates
    are normalised separately, each with its own gain, before the biases are added:

        W_ih x_t + b       ->  LN(W_ih x_t) ⊙ γ_ih + b
        W_hh h_{t-1} + b_h ->  LN(W_hh h_{t-1}) ⊙ γ_hh + b_h     (then split into r, z, n parts)

    with LN(a) = (a - mean(a)) / sqrt(var(a) + 1e-5). Parameters ln_ih_gain, ln_hh_gain (3H,), init 1.
    zoneout on h_t and weight_drop on W_hh: see `rnnkit.cells.base`.
    """

    gate_names = ("r", "z", "n")

    def __init__(self, input_size: int, hidden_size: int, *, reset_after: bool = True, layer_norm: bool = False,
                 zoneout: float = 0.0, weight_drop: float = 0.0):
        super().__init__(input_size, hidden_size)
        self.reset_after = bool(reset_after)
        self.layer_norm = bool(layer_norm)
        if self.layer_norm and not self.reset_after:
            raise ValueError("layer_norm=True needs reset_after=True (the GRU whose recurrent projection is one matmul)")
        self.zoneout = check_rate("zoneout", zoneout)
        self.set_regularisers((self.zoneout,), weight_drop)
        if self.reset_after:
            self.bias_hh = nn.Parameter(torch.empty(3 * hidden_size))  # (3H,)
        if self.layer_norm:
            self.ln_ih_gain = nn.Parameter(torch.empty(3 * hidden_size))
            self.ln_hh_gain = nn.Parameter(torch.empty(3 * hidden_size))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        super().reset_parameters()
        if self.reset_after:
            nn.init.zeros_(self.bias_hh)
        if getattr(self, "layer_norm", False):
            nn.init.ones_(self.ln_ih_gain)
            nn.init.ones_(self.ln_hh_gain)

    def project_input(self, x: Tensor) -> Tensor:
        """W_ih x + b, or LN(W_ih x) ⊙ γ_ih + b with layer norm, for every step at once."""
        if not self.layer_norm:
            return super().project_input(x)
        if x.shape[-1] != self.input_size:
            raise ValueError(f"input feature size must be {self.input_size}, got {x.shape[-1]} (input shape {tuple(x.shape)})")
        a = torch.nn.functional.linear(x, self.weight_ih)  # (..., 3H)
        return torch.nn.functional.layer_norm(a, a.shape[-1:], self.ln_ih_gain, self.bias, EPS)

    @property
    def state_sizes(self) -> tuple[int]:
        return (self.hidden_size,)

    def step(self, xp_t: Tensor, state: State, recurrent_mask: Tensor | None = None,
             weight_hh: Tensor | None = None):
        weight_hh = self.weight_hh if weight_hh is None else weight_hh
        (h_prev,) = state  # (B, H)
        h_in = h_prev if recurrent_mask is None else h_prev * recurrent_mask
        x_r, x_z, x_n = xp_t.chunk(3, 1)  # each (B, H)
        H = self.hidden_size
        r_hat = r_inv = None
        if self.reset_after:
            if self.layer_norm:
                r_hat, r_inv = layer_norm(h_in @ weight_hh.t())  # (B, 3H)
                hp = r_hat * self.ln_hh_gain + self.bias_hh
            else:
                hp = torch.addmm(self.bias_hh, h_in, weight_hh.t())  # (B, 3H)
            h_r, h_z, h_n = hp.chunk(3, 1)
            r = torch.sigmoid(x_r + h_r)
            z = torch.sigmoid(x_z + h_z)
            n = torch.tanh(x_n + r * h_n)
            rh = h_n  # what r_t multiplied
        else:
            hp = h_in @ weight_hh[: 2 * H].t()  # (B, 2H)
            h_r, h_z = hp.chunk(2, 1)
            r = torch.sigmoid(x_r + h_r)
            z = torch.sigmoid(x_z + h_z)
            rh = r * h_in  # (B, H)
            n = torch.tanh(torch.addmm(x_n, rh, weight_hh[2 * H :].t()))
        h = (1 - z) * n + z * h_prev
        return (h,), (h_prev, h_in, r, z, n, rh, recurrent_mask, weight_hh, r_hat, r_inv)

    def step_backward(self, cache: tuple, grad_state: State):
        h_prev, h_in, r, z, n, rh, recurrent_mask, weight_hh, r_hat, r_inv = cache
        (dh,) = grad_state
        H = self.hidden_size
        dz_n = dh * (1 - z) * (1 - n * n)  # grad of n's pre-activation
        dz_z = dh * (h_prev - n) * z * (1 - z)
        dh_prev = dh * z  # the direct path h_t = ... + z_t h_{t-1}
        grads = {}
        if self.reset_after:
            dz_r = dz_n * rh * r * (1 - r)  # rh = W_hn h + b_hn
            dhp = torch.cat((dz_r, dz_z, dz_n * r), 1)  # grad of the recurrent projection  (B, 3H)
            grads["bias_hh"] = dhp.sum(0)
            if self.layer_norm:
                grads["ln_hh_gain"] = (dhp * r_hat).sum(0)
                dhp = layer_norm_backward(dhp * self.ln_hh_gain, r_hat, r_inv)  # grad of W_hh h
            grads["weight_hh"] = dhp.t() @ h_in  # (3H, H)
            dh_in = dhp @ weight_hh  # (B, H)
        else:
            w_hn = weight_hh[2 * H :]  # (H, H)
            drh = dz_n @ w_hn  # grad of r ⊙ h   (B, H)
            dz_r = drh * h_in * r * (1 - r)
            drz = torch.cat((dz_r, dz_z), 1)  # (B, 2H)
            grads["weight_hh"] = torch.cat((drz.t() @ h_in, dz_n.t() @ rh), 0)  # (3H, H)
            dh_in = drz @ weight_hh[: 2 * H] + drh * r
        if recurrent_mask is not None:
            dh_in = dh_in * recurrent_mask
        dxp = torch.cat((dz_r, dz_z, dz_n), 1)  # (B, 3H)
        return dxp, (dh_prev + dh_in,), grads

    def get_config(self):
        return {**super().get_config(), "reset_after": self.reset_after, "layer_norm": self.layer_norm,
                "zoneout": self.zoneout, "weight_drop": self.weight_drop}
