"""sLSTM cell (Beck et al. 2024, "xLSTM: Extended Long Short-Term Memory", section 2.2 and appendix).

The scalar-memory half of xLSTM: the LSTM's cell state with an exponential input gate, a normaliser
state n_t that the output divides by, and a stabiliser state m_t that keeps exp() from overflowing.
Its recurrent weights are block-diagonal: `num_heads` heads that each read only their own part of
h_{t-1} (the paper's "multiple heads with memory mixing within each head but not across heads").
It follows the step-cell contract of `rnnkit.cells.base`, so every runner (autograd loop, fused BPTT)
and `rnnkit.layers.Recurrent` serve it; its NumPy oracle is `rnnkit.reference.slstm`.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from ..validation import check_choice, check_rate
from .base import RecurrentCell, State
from .options import head_size, reject_options
from .stabiliser import FORGET_GATES, stabilised_gates, stabilised_gates_backward

OPTIONS = ("num_heads", "forget_gate", "zoneout", "weight_drop")


class SLSTMCell(RecurrentCell):
    r"""One sLSTM step. Gate order i, f, z, o (the paper's and the `xlstm` package's).

    Pre-activations (R_* block-diagonal over the heads, each head reading its own slice of h_{t-1}):

        ĩ_t = W_i x_t + R_i h_{t-1} + b_i        f̃_t, z̃_t, õ_t likewise

    The paper's equations, stabilised form (log f_t = log σ(f̃_t), or f̃_t with forget_gate="exp"):

        m_t  = max(log f_t + m_{t-1}, ĩ_t)                 stabiliser state
        i'_t = exp(ĩ_t - m_t)                              stabilised input gate   (= i_t / e^{m_t})
        f'_t = exp(log f_t + m_{t-1} - m_t)                stabilised forget gate
        z_t  = tanh(z̃_t)                                   cell input
        o_t  = σ(õ_t)                                      output gate
        c_t  = f'_t ⊙ c_{t-1} + i'_t ⊙ z_t                 cell state
        n_t  = f'_t ⊙ n_{t-1} + i'_t                       normaliser state
        h_t  = o_t ⊙ c_t / n_t                             hidden state  (h̃_t = c_t / n_t)

    c_t and n_t are the unstabilised ones times e^{-m_t}, so h_t does not depend on the stabiliser.
    A unit whose normaliser is zero holds nothing yet (the zero state): it reads m_{t-1} = -∞, so
    m_t = ĩ_t, i'_t = 1 and f'_t = 0, as the `xlstm` package's kernels start. After any step
    n_t >= 1 (one of f'_t, i'_t is 1), so h̃ never divides by a vanishing number.

    Parameters: weight_ih (4H, I), weight_hh (4d, H) with d = H / num_heads, bias (4H):
    weight_hh[g*d + a, k*d + b] is head k's weight from unit b of its h-slice to unit a of gate g,
    so column block k holds head k's 4 (d, d) matrices and num_heads=1 is the LSTM's (4H, H) layout.
    4H*I + 4H*H/num_heads + 4H parameters. State: (h_t, c_t, n_t, m_t), each (B, H).
    Options: num_heads (1; the paper's blocks use 4), forget_gate "sigmoid" (the package's) or
    "exp", zoneout on h_t and weight_drop on weight_hh (`rnnkit.cells.base`).

    Against the `xlstm` package (2.0.6): its sLSTMCell (backend="vanilla") with these weights gives
    the same h_t; its sLSTMLayer adds, outside the recurrence, a causal conv1d feeding i and f
    (`conv1d_kernel_size`, matched only at 0), head-wise (block-diagonal) input projections (a special
    case of the dense weight_ih: copied with zeros off the blocks; note the layer feeds its `fgate`
    module's output into the input gate and `igate`'s into the forget gate) and a head-wise group
    norm of h_t (apply `torch.nn.functional.group_norm(h, num_heads)` to the outputs). Its
    forget_gate is always the sigmoid; its "lstm" function is rnnkit's LSTMCell.
    """

    gate_names = ("i", "f", "z", "o")

    def __init__(self, input_size: int, hidden_size: int, *, num_heads: int = 1, forget_gate: str = "sigmoid",
                 zoneout: float = 0.0, weight_drop: float = 0.0, **unknown):
        reject_options("slstm", unknown, OPTIONS)
        super().__init__(input_size, hidden_size)
        self.num_heads, self.head_size = num_heads, head_size(hidden_size, num_heads)
        self.forget_gate = check_choice("forget_gate", forget_gate, FORGET_GATES)
        self.zoneout = check_rate("zoneout", zoneout)
        self.set_regularisers((self.zoneout,), weight_drop)
        self.weight_hh = nn.Parameter(torch.empty(4 * self.head_size, hidden_size))  # (4d, H) block-diagonal
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Glorot input kernel, orthogonal (d, d) recurrent block per gate and head, zero biases except
        the forget gate's, spread over [3, 6] in each head (xlstm's "small_init"): remember by default."""
        super().reset_parameters()
        d = self.head_size
        with torch.no_grad():
            for block in self.weight_hh.view(4, d, self.num_heads, d).unbind(0):  # (d, K, d) per gate
                for k in range(self.num_heads):
                    nn.init.orthogonal_(block[:, k])
            f = self.gate_slices()["f"]
            self.bias[f] = torch.linspace(3.0, 6.0, d).repeat(self.num_heads)

    @property
    def state_sizes(self) -> tuple[int, int, int, int]:
        H = self.hidden_size
        return (H, H, H, H)

    # ---- the block-diagonal recurrent matmul and its two gradients ------------------------------------
    def _recurrent(self, h: Tensor, weight_hh: Tensor) -> Tensor:
        """R h for every gate: (B, H) -> (B, 4H) in gate order, each gate's H ordered by head."""
        if self.num_heads == 1:
            return h @ weight_hh.t()  # (B, 4H)
        B, K, d = h.shape[0], self.num_heads, self.head_size
        w = weight_hh.view(4 * d, K, d).permute(1, 2, 0)  # (K, d_in, 4d_out), a view
        out = torch.bmm(h.view(B, K, d).transpose(0, 1), w)  # (K, B, 4d)
        return out.view(K, B, 4, d).permute(1, 2, 0, 3).reshape(B, 4 * self.hidden_size)  # (B, 4H)

    def _recurrent_backward(self, grad: Tensor, h: Tensor, weight_hh: Tensor) -> tuple[Tensor, Tensor]:
        """From dLoss/d(R h) (B, 4H): dLoss/dh (B, H) and dLoss/dweight_hh (4d, H)."""
        if self.num_heads == 1:
            return grad @ weight_hh, grad.t() @ h
        B, K, d = h.shape[0], self.num_heads, self.head_size
        g = grad.view(B, 4, K, d).permute(2, 0, 1, 3).reshape(K, B, 4 * d)  # (K, B, 4d)
        hk = h.view(B, K, d).transpose(0, 1)  # (K, B, d)
        w = weight_hh.view(4 * d, K, d).transpose(0, 1)  # (K, 4d, d_in)
        dh = torch.bmm(g, w).transpose(0, 1).reshape(B, self.hidden_size)  # (B, H)
        dw = torch.bmm(g.transpose(1, 2), hk).transpose(0, 1).reshape(4 * d, self.hidden_size)  # (4d, H)
        return dh, dw

    # ---- one step -----------------------------------------------------------------------------------
    def step(self, xp_t: Tensor, state: State, recurrent_mask: Tensor | None = None,
             weight_hh: Tensor | None = None):
        weight_hh = self.weight_hh if weight_hh is None else weight_hh
        h_prev, c_prev, n_prev, m_prev = state  # each (B, H)
        h_in = h_prev if recurrent_mask is None else h_prev * recurrent_mask
        a_i, a_f, a_z, a_o = (xp_t + self._recurrent(h_in, weight_hh)).chunk(4, 1)  # each (B, H)
        fresh = n_prev == 0  # nothing stored yet: m_{t-1} = -inf
        m, i, f, forget_wins = stabilised_gates(a_i, a_f, m_prev, fresh, self.forget_gate)  # m_t, i'_t, f'_t
        z = torch.tanh(a_z)
        o = torch.sigmoid(a_o)
        c = f * c_prev + i * z
        n = f * n_prev + i
        h_tilde = c / n
        h = o * h_tilde
        cache = (h_in, c_prev, n_prev, a_f, forget_wins, fresh, i, f, z, o, n, h_tilde, recurrent_mask, weight_hh)
        return (h, c, n, m), cache

    def step_backward(self, cache: tuple, grad_state: State):
        h_in, c_prev, n_prev, a_f, forget_wins, fresh, i, f, z, o, n, h_tilde, recurrent_mask, weight_hh = cache
        dh, dc, dn, dm = grad_state
        do = dh * h_tilde
        dc = dc + dh * o / n  # h_t = o c / n
        dn = dn - dh * o * h_tilde / n
        di = dc * z + dn  # d i'_t
        df = dc * c_prev + dn * n_prev  # d f'_t
        dz = dc * i
        da_i, da_f, dm_prev = stabilised_gates_backward(di, df, dm, i, f, a_f, forget_wins, fresh, self.forget_gate)
        da = torch.cat((da_i, da_f, dz * (1 - z * z), do * o * (1 - o)), 1)  # (B, 4H)
        dh_in, dw = self._recurrent_backward(da, h_in, weight_hh)
        if recurrent_mask is not None:
            dh_in = dh_in * recurrent_mask
        return da, (dh_in, dc * f, dn * f, dm_prev), {"weight_hh": dw}

    def get_config(self):
        return {**super().get_config(), "num_heads": self.num_heads, "forget_gate": self.forget_gate,
                "zoneout": self.zoneout, "weight_drop": self.weight_drop}
