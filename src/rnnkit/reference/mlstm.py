"""mLSTM (Beck et al. 2024, xLSTM) in plain NumPy: the recurrent form, forward and hand-written BPTT.

Per head (K heads of d = H / K units), with q, k, v, ĩ, f̃, õ = split(x_t W_ih^T + b) and k scaled by 1/√d:

    m_t  = max(log σ(f̃_t) + m_{t-1}, ĩ_t)        (m_{t-1} = -inf where n_{t-1} = 0: the zero state)
    i'_t = exp(ĩ_t - m_t);   f'_t = exp(log σ(f̃_t) + m_{t-1} - m_t)
    C_t  = f'_t C_{t-1} + i'_t v_t k_t^T;   n_t = f'_t n_{t-1} + i'_t k_t
    h_t  = σ(õ_t) ⊙ C_t q_t / (max(|n_t^T q_t|, exp(-m_t)) + eps)

(forget_gate="exp" uses f̃_t for log f_t.) Parameters: weight_ih (4H + 2K, I), bias (4H + 2K), rows
q, k, v (H each), ĩ, f̃ (K each), o (H). State: (h (H), C (K*d*d), n (K*d), m (K)), flattened per row.
"""

import numpy as np

from rnnkit.reference.base import ReferenceRNN, sigmoid
from rnnkit.reference.slstm import log_sigmoid


class MLSTM(ReferenceRNN):
    """Matrix-memory LSTM with `num_heads` heads."""

    state_names = ("h", "C", "n", "m")

    def __init__(self, input_size, hidden_size, num_heads=1, forget_gate="sigmoid", eps=1e-6, seed=0):
        if hidden_size % num_heads:
            raise ValueError(f"hidden_size {hidden_size} must be divisible by num_heads {num_heads}")
        self.num_heads, self.forget_gate, self.eps = num_heads, forget_gate, eps
        self.head_size = hidden_size // num_heads
        super().__init__(input_size, hidden_size, seed)

    def param_shapes(self):
        rows = 4 * self.hidden_size + 2 * self.num_heads
        return {"weight_ih": (rows, self.input_size), "bias": (rows,)}

    def state_sizes(self):
        H, K, d = self.hidden_size, self.num_heads, self.head_size
        return (H, K * d * d, K * d, K)

    def step(self, x_t, state):
        p, H, K, d = self.params, self.hidden_size, self.num_heads, self.head_size
        B = x_t.shape[0]
        proj = x_t @ p["weight_ih"].T + p["bias"]
        q, k, v, a_i, a_f, a_o = np.split(proj, np.cumsum([H, H, H, K, K]), axis=1)
        q, v = q.reshape(B, K, d), v.reshape(B, K, d)
        k = k.reshape(B, K, d) / np.sqrt(d)
        C_prev, n_prev, m_prev = state[1].reshape(B, K, d, d), state[2].reshape(B, K, d), state[3]
        log_f = log_sigmoid(a_f) if self.forget_gate == "sigmoid" else a_f
        fresh = np.all(n_prev == 0, axis=-1)                               # (B, K)
        carried = np.where(fresh, -np.inf, log_f + m_prev)
        m = np.maximum(carried, a_i)
        i, f = np.exp(a_i - m), np.exp(carried - m)                        # (B, K)
        C = f[..., None, None] * C_prev + i[..., None, None] * v[..., :, None] * k[..., None, :]
        n = f[..., None] * n_prev + i[..., None] * k
        num = np.einsum("bkac,bkc->bka", C, q)                             # C_t q_t
        qn = np.einsum("bkc,bkc->bk", n, q)                                # n_t . q_t
        lower = np.exp(-m)
        denom = np.maximum(np.abs(qn), lower) + self.eps
        h_tilde = (num / denom[..., None]).reshape(B, H)
        o = sigmoid(a_o)
        new = (o * h_tilde, C.reshape(B, -1), n.reshape(B, -1), m)
        return new, (x_t, q, k, v, a_f, carried >= a_i, fresh, i, f, C_prev, n_prev, C, n, qn, lower, denom,
                     h_tilde, o)

    def step_backward(self, step_cache, d_new_state, grads):
        p = self.params
        (x_t, q, k, v, a_f, forget_wins, fresh, i, f, C_prev, n_prev, C, n, qn, lower, denom,
         h_tilde, o) = step_cache
        B, K, d = q.shape
        d_h, d_C, d_n, d_m = d_new_state
        d_C, d_n = d_C.reshape(B, K, d, d), d_n.reshape(B, K, d)
        d_a_o = d_h * h_tilde * o * (1 - o)
        d_ht = (d_h * o).reshape(B, K, d)
        ht = h_tilde.reshape(B, K, d)
        # h̃ = num / denom,  denom = max(|qn|, exp(-m)) + eps
        d_num = d_ht / denom[..., None]
        d_denom = -np.sum(d_ht * ht, axis=-1) / denom
        qn_wins = np.abs(qn) >= lower
        d_qn = np.where(qn_wins, d_denom, 0.0) * np.sign(qn)
        d_m = d_m - np.where(qn_wins, 0.0, d_denom) * lower
        # num = C q,  qn = n . q
        d_C = d_C + d_num[..., :, None] * q[..., None, :]
        d_n = d_n + d_qn[..., None] * q
        d_q = np.einsum("bkac,bka->bkc", C, d_num) + d_qn[..., None] * n
        # C = f' C_prev + i' v k^T,  n = f' n_prev + i' k
        d_Ck = np.einsum("bkac,bkc->bka", d_C, k)                         # Σ_c dC[a, c] k_c
        d_Cv = np.einsum("bkac,bka->bkc", d_C, v)                         # Σ_a dC[a, c] v_a
        d_i = np.sum(d_Ck * v, axis=-1) + np.sum(d_n * k, axis=-1)
        d_f = np.sum(d_C * C_prev, axis=(-1, -2)) + np.sum(d_n * n_prev, axis=-1)
        d_v = i[..., None] * d_Ck
        d_k = i[..., None] * (d_Cv + d_n) / np.sqrt(d)
        # i' = exp(ĩ - m), f' = exp(carried - m), m = max(carried, ĩ)
        u_i, u_f = d_i * i, d_f * f
        d_m = d_m - u_i - u_f
        d_carried = np.where(fresh, 0.0, u_f + np.where(forget_wins, d_m, 0.0))
        d_a_i = u_i + np.where(forget_wins, 0.0, d_m)
        d_a_f = d_carried * sigmoid(-a_f) if self.forget_gate == "sigmoid" else d_carried
        d_proj = np.concatenate([d_q.reshape(B, -1), d_k.reshape(B, -1), d_v.reshape(B, -1), d_a_i, d_a_f, d_a_o], axis=1)
        grads["weight_ih"] += d_proj.T @ x_t
        grads["bias"] += d_proj.sum(axis=0)
        d_prev = (np.zeros((B, self.hidden_size)), (f[..., None, None] * d_C).reshape(B, -1),
                  (f[..., None] * d_n).reshape(B, -1), d_carried)
        return d_proj @ p["weight_ih"], d_prev

    def _extra_repr(self):
        return f", num_heads={self.num_heads}, forget_gate={self.forget_gate!r}"
