"""minGRU and minLSTM in plain NumPy (Feng et al. 2024, log-space versions), forward and hand-written BPTT.

The paper's "sequential mode", one step at a time, as the other reference cells. Gates read x_t only;
g(v) = v + 0.5 for v >= 0, σ(v) below, keeps the candidate positive.

minGRU, with [v; k] = x_t W_ih^T + b (weight_ih rows: candidate, then update gate):
    z_t = σ(k);   h~_t = g(v);   h_t = (1 - z_t) ⊙ h_{t-1} + z_t ⊙ h~_t

minLSTM, with [v; k_f; k_i] = x_t W_ih^T + b (candidate, forget gate, input gate):
    f_t = σ(k_f);   i_t = σ(k_i);   f'_t = f_t / (f_t + i_t);   i'_t = i_t / (f_t + i_t)
    h~_t = g(v);    h_t = f'_t ⊙ h_{t-1} + i'_t ⊙ h~_t

Written here exactly as the paper writes them (f_t / (f_t + i_t), no rewriting through d_t as the torch
cell does), so that the two are independent. Parameters: weight_ih (2H or 3H, I), bias (2H or 3H).
State: (h,).
"""

import numpy as np

from rnnkit.reference.base import ReferenceRNN, sigmoid


def g(v):
    """v + 0.5 for v >= 0, σ(v) below."""
    return np.where(v >= 0, v + 0.5, sigmoid(v))


def g_grad(v):
    """dg/dv: 1 for v >= 0, σ(v)(1 - σ(v)) below."""
    s = sigmoid(v)
    return np.where(v >= 0, 1.0, s * (1 - s))


class MinGRU(ReferenceRNN):
    """minGRU: an update gate and a candidate from x_t alone."""

    def param_shapes(self):
        H, I = self.hidden_size, self.input_size
        return {"weight_ih": (2 * H, I), "bias": (2 * H,)}

    def step(self, x_t, state):
        p = self.params
        (h_prev,) = state                                                # (B, H)
        v, k = np.split(x_t @ p["weight_ih"].T + p["bias"], 2, axis=1)   # 2 x (B, H)
        z = sigmoid(k)                                                   # z_t
        h_tilde = g(v)                                                   # h~_t
        h = (1 - z) * h_prev + z * h_tilde                               # h_t
        return (h,), (x_t, h_prev, v, z, h_tilde)

    def step_backward(self, step_cache, d_new_state, grads):
        p = self.params
        x_t, h_prev, v, z, h_tilde = step_cache
        (d_h,) = d_new_state
        d_h_prev = d_h * (1 - z)
        d_k = d_h * (h_tilde - h_prev) * z * (1 - z)                     # through z_t = σ(k)
        d_v = d_h * z * g_grad(v)                                        # through h~_t = g(v)
        d_gates = np.concatenate([d_v, d_k], axis=1)                     # (B, 2H)
        grads["weight_ih"] += d_gates.T @ x_t                            # (2H, I)
        grads["bias"] += d_gates.sum(axis=0)
        return d_gates @ p["weight_ih"], (d_h_prev,)


class MinLSTM(ReferenceRNN):
    """minLSTM: forget and input gates from x_t alone, normalised to sum to one."""

    def param_shapes(self):
        H, I = self.hidden_size, self.input_size
        return {"weight_ih": (3 * H, I), "bias": (3 * H,)}

    def step(self, x_t, state):
        p = self.params
        (h_prev,) = state                                                # (B, H)
        v, k_f, k_i = np.split(x_t @ p["weight_ih"].T + p["bias"], 3, axis=1)   # 3 x (B, H)
        f, i = sigmoid(k_f), sigmoid(k_i)                                # f_t, i_t
        s = f + i
        f_n, i_n = f / s, i / s                                          # f'_t, i'_t
        h_tilde = g(v)                                                   # h~_t
        h = f_n * h_prev + i_n * h_tilde                                 # h_t
        return (h,), (x_t, h_prev, v, f, i, f_n, i_n, h_tilde)

    def step_backward(self, step_cache, d_new_state, grads):
        p = self.params
        x_t, h_prev, v, f, i, f_n, i_n, h_tilde = step_cache
        (d_h,) = d_new_state
        d_f_n, d_i_n = d_h * h_prev, d_h * h_tilde
        d_h_prev = d_h * f_n
        d_v = d_h * i_n * g_grad(v)
        s2 = (f + i) ** 2
        # f' = f / (f + i): df'/df = i / s², df'/di = -f / s²;  i' = i / (f + i): di'/df = -i / s², di'/di = f / s²
        d_f = (d_f_n - d_i_n) * i / s2
        d_i = (d_i_n - d_f_n) * f / s2
        d_gates = np.concatenate([d_v, d_f * f * (1 - f), d_i * i * (1 - i)], axis=1)   # (B, 3H)
        grads["weight_ih"] += d_gates.T @ x_t                            # (3H, I)
        grads["bias"] += d_gates.sum(axis=0)
        return d_gates @ p["weight_ih"], (d_h_prev,)
