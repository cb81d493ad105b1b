"""sLSTM (Beck et al. 2024, xLSTM) in plain NumPy, forward and hand-written BPTT.

Gate order i, f, z, o. With xi, xf, xz, xo = split(x_t W_ih^T + b) and R_g^k head k's (d, d)
recurrent block of gate g (the heads split h into K slices of d = H / K units):

    ĩ_t = xi + [R_i^k h^k_{t-1}]_k      f̃_t, z̃_t, õ_t likewise
    log f_t = log σ(f̃_t)   (forget_gate="sigmoid")   or   f̃_t   ("exp")
    m_t  = max(log f_t + m_{t-1}, ĩ_t)            (m_{t-1} = -inf where n_{t-1} = 0: the zero state)
    i'_t = exp(ĩ_t - m_t);   f'_t = exp(log f_t + m_{t-1} - m_t)
    c_t  = f'_t c_{t-1} + i'_t tanh(z̃_t);   n_t = f'_t n_{t-1} + i'_t
    h_t  = σ(õ_t) c_t / n_t

Parameters: weight_ih (4H, I), weight_hh (4d, H) (column block k is head k's four (d, d) blocks,
row g*d + a is unit a of gate g), bias (4H). State: (h, c, n, m).
"""

import numpy as np

from rnnkit.reference.base import ReferenceRNN, sigmoid


def log_sigmoid(a):
    """log σ(a) = -log(1 + e^-a), without overflow."""
    return -np.logaddexp(0.0, -a)


class SLSTM(ReferenceRNN):
    """sLSTM with `num_heads` block-diagonal recurrent heads and a sigmoid or exponential forget gate."""

    state_names = ("h", "c", "n", "m")

    def __init__(self, input_size, hidden_size, num_heads=1, forget_gate="sigmoid", seed=0):
        if hidden_size % num_heads:
            raise ValueError(f"hidden_size {hidden_size} must be divisible by num_heads {num_heads}")
        if forget_gate not in ("sigmoid", "exp"):
            raise ValueError(f"forget_gate must be 'sigmoid' or 'exp', got {forget_gate!r}")
        self.num_heads, self.forget_gate = num_heads, forget_gate
        self.head_size = hidden_size // num_heads
        super().__init__(input_size, hidden_size, seed)

    def param_shapes(self):
        H, I, d = self.hidden_size, self.input_size, self.head_size
        return {"weight_ih": (4 * H, I), "weight_hh": (4 * d, H), "bias": (4 * H,)}

    def state_sizes(self):
        return (self.hidden_size,) * 4

    def _blocks(self):
        """R[g][k]: head k's (d, d) block of gate g."""
        d, W = self.head_size, self.params["weight_hh"]
        return [[W[g * d:(g + 1) * d, k * d:(k + 1) * d] for k in range(self.num_heads)] for g in range(4)]

    def step(self, x_t, state):
        p, d = self.params, self.head_size
        h_prev, c_prev, n_prev, m_prev = state                          # each (B, H)
        R = self._blocks()
        rec = np.concatenate([h_prev[:, k * d:(k + 1) * d] @ R[g][k].T            # (B, d)
                              for g in range(4) for k in range(self.num_heads)], axis=1)   # (B, 4H)
        a_i, a_f, a_z, a_o = np.split(x_t @ p["weight_ih"].T + p["bias"] + rec, 4, axis=1)
        log_f = log_sigmoid(a_f) if self.forget_gate == "sigmoid" else a_f
        fresh = n_prev == 0
        carried = np.where(fresh, -np.inf, log_f + m_prev)               # log f_t + m_{t-1}
        m = np.maximum(carried, a_i)                                     # m_t
        i = np.exp(a_i - m)                                              # i'_t
        f = np.exp(carried - m)                                          # f'_t
        z, o = np.tanh(a_z), sigmoid(a_o)
        c = f * c_prev + i * z                                           # c_t
        n = f * n_prev + i                                               # n_t
        h = o * c / n                                                    # h_t
        return (h, c, n, m), (x_t, h_prev, c_prev, n_prev, a_f, carried >= a_i, fresh, i, f, z, o, c, n)

    def step_backward(self, step_cache, d_new_state, grads):
        p, d = self.params, self.head_size
        x_t, h_prev, c_prev, n_prev, a_f, forget_wins, fresh, i, f, z, o, c, n = step_cache
        d_h, d_c, d_n, d_m = d_new_state
        # h_t = o c / n
        d_o = d_h * c / n
        d_c = d_c + d_h * o / n
        d_n = d_n - d_h * o * c / n**2
        # c_t = f' c_{t-1} + i' z;   n_t = f' n_{t-1} + i'
        d_i, d_f, d_z = d_c * z + d_n, d_c * c_prev + d_n * n_prev, d_c * i
        # i' = exp(ĩ - m), f' = exp(carried - m): each sends its value times its gradient to both
        d_carried = d_f * f
        d_a_i = d_i * i
        d_m = d_m - d_a_i - d_carried
        # m = max(carried, ĩ)
        d_carried = np.where(fresh, 0.0, d_carried + np.where(forget_wins, d_m, 0.0))
        d_a_i = d_a_i + np.where(forget_wins, 0.0, d_m)
        d_a_f = d_carried * sigmoid(-a_f) if self.forget_gate == "sigmoid" else d_carried
        d_a = np.concatenate([d_a_i, d_a_f, d_z * (1 - z**2), d_o * o * (1 - o)], axis=1)   # (B, 4H)
        # the pre-activations: x W_ih^T + b + block-diagonal R h_{t-1}
        grads["weight_ih"] += d_a.T @ x_t
        grads["bias"] += d_a.sum(axis=0)
        R, H = self._blocks(), self.hidden_size
        d_h_prev = np.zeros_like(h_prev)
        for g in range(4):
            for k in range(self.num_heads):
                rows, cols = slice(g * d, (g + 1) * d), slice(k * d, (k + 1) * d)
                d_a_gk = d_a[:, g * H + k * d: g * H + (k + 1) * d]                 # (B, d)
                grads["weight_hh"][rows, cols] += d_a_gk.T @ h_prev[:, cols]
                d_h_prev[:, cols] += d_a_gk @ R[g][k]
        return d_a @ p["weight_ih"], (d_h_prev, d_c * f, d_n * f, d_carried)

    def _extra_repr(self):
        return f", num_heads={self.num_heads}, forget_gate={self.forget_gate!r}"
