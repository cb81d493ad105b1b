"""GRU in plain NumPy, forward and hand-written BPTT, reset gate after or before the matmul.

Torch's gate order r, z, n and the torch/Keras update h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}.
With xr, xz, xn = split(x_t W_ih^T + b) and W_hr, W_hz, W_hn the row blocks of W_hh:

reset_after=True (torch; Keras and cuDNN default), a second, recurrent bias b_hh:
    hr, hz, hn = split(h_{t-1} W_hh^T + b_hh)
    r_t = σ(xr + hr);   z_t = σ(xz + hz);   n_t = tanh(xn + r_t ⊙ hn)

reset_after=False (Cho et al. 2014, the original), the reset gate acts BEFORE the matmul:
    r_t = σ(xr + h_{t-1} W_hr^T);   z_t = σ(xz + h_{t-1} W_hz^T)
    n_t = tanh(xn + (r_t ⊙ h_{t-1}) W_hn^T)

    h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}

Parameters: weight_ih (3H, I), weight_hh (3H, H), bias (3H) [, bias_hh (3H) if reset_after].
State: (h,).
"""

import numpy as np

from rnnkit.reference.base import ReferenceRNN, sigmoid


class GRU(ReferenceRNN):
    """Gated recurrent unit; `reset_after` picks torch's (True) or Cho's (False) candidate."""

    def __init__(self, input_size, hidden_size, reset_after=True, seed=0):
        self.reset_after = bool(reset_after)
        super().__init__(input_size, hidden_size, seed)

    def param_shapes(self):
        H, I = self.hidden_size, self.input_size
        shapes = {"weight_ih": (3 * H, I), "weight_hh": (3 * H, H), "bias": (3 * H,)}
        if self.reset_after:
            shapes["bias_hh"] = (3 * H,)
        return shapes

    def step(self, x_t, state):
        p = self.params
        (h_prev,) = state                                                # (B, H)
        xr, xz, xn = np.split(x_t @ p["weight_ih"].T + p["bias"], 3, axis=1)   # 3 x (B, H)
        if self.reset_after:
            hr, hz, hn = np.split(h_prev @ p["weight_hh"].T + p["bias_hh"], 3, axis=1)
            r = sigmoid(xr + hr)                                         # r_t
            z = sigmoid(xz + hz)                                         # z_t
            n = np.tanh(xn + r * hn)                                     # n_t
            step_cache = (x_t, h_prev, r, z, n, hn)
        else:
            W_hr, W_hz, W_hn = np.split(p["weight_hh"], 3, axis=0)       # 3 x (H, H)
            r = sigmoid(xr + h_prev @ W_hr.T)                            # r_t
            z = sigmoid(xz + h_prev @ W_hz.T)                            # z_t
            rh = r * h_prev                                              # r_t ⊙ h_{t-1}
            n = np.tanh(xn + rh @ W_hn.T)                                # n_t
            step_cache = (x_t, h_prev, r, z, n, rh)
        h = (1 - z) * n + z * h_prev                                     # h_t  (B, H)
        return (h,), step_cache

    def step_backward(self, step_cache, d_new_state, grads):
        p = self.params
        x_t, h_prev, r, z, n, extra = step_cache
        (d_h,) = d_new_state
        # h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}
        d_n = d_h * (1 - z)
        d_a_z = d_h * (h_prev - n) * z * (1 - z)                         # through z_t = σ(a_z)
        d_h_prev = d_h * z
        d_a_n = d_n * (1 - n**2)                                         # through n_t = tanh(a_n)
        if self.reset_after:
            hn = extra
            # a_n = xn + r_t ⊙ hn
            d_a_r = d_a_n * hn * r * (1 - r)                             # through r_t = σ(a_r)
            d_gates_h = np.concatenate([d_a_r, d_a_z, d_a_n * r], axis=1)   # dL/d(h W_hh^T + b_hh)
            grads["weight_hh"] += d_gates_h.T @ h_prev                   # (3H, H)
            grads["bias_hh"] += d_gates_h.sum(axis=0)                    # (3H,)
            d_h_prev = d_h_prev + d_gates_h @ p["weight_hh"]             # (B, H)
        else:
            rh = extra
            W_hr, W_hz, W_hn = np.split(p["weight_hh"], 3, axis=0)       # 3 x (H, H)
            # a_n = xn + (r_t ⊙ h_{t-1}) W_hn^T
            d_rh = d_a_n @ W_hn                                          # (B, H)
            d_a_r = d_rh * h_prev * r * (1 - r)                          # through r_t = σ(a_r)
            grads["weight_hh"] += np.concatenate(
                [d_a_r.T @ h_prev, d_a_z.T @ h_prev, d_a_n.T @ rh], axis=0)   # (3H, H)
            d_h_prev = d_h_prev + d_rh * r + d_a_r @ W_hr + d_a_z @ W_hz   # (B, H)
        # xr, xz, xn = split(x_t W_ih^T + b)
        d_gates_x = np.concatenate([d_a_r, d_a_z, d_a_n], axis=1)        # (B, 3H)
        grads["weight_ih"] += d_gates_x.T @ x_t                          # (3H, I)
        grads["bias"] += d_gates_x.sum(axis=0)                           # (3H,)
        d_x = d_gates_x @ p["weight_ih"]                                 # (B, I)
        return d_x, (d_h_prev,)

    def _extra_repr(self):
        return "" if self.reset_after else ", reset_after=False"
