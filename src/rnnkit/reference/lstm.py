"""LSTM in plain NumPy, forward and hand-written BPTT, with Gers' peepholes and torch's projection.

The equations, in the articles' notation (Colah's "Understanding LSTM Networks", the cnblogs
"RNN和LSTM" article) with torch's gate order i, f, g, o and ONE bias per gate:

    z_t   = x_t W_ih^T + b + h_{t-1} W_hh^T                 (B, 4H) split into z_i, z_f, z_g, z_o
    i_t   = σ(z_i + w_ci ⊙ C_{t-1})                        input gate
    f_t   = σ(z_f + w_cf ⊙ C_{t-1})                        forget gate
    c~_t  = tanh(z_g)                                      candidate cell
    C_t   = f_t ⊙ C_{t-1} + i_t ⊙ c~_t                     the cell state, the "conveyor belt"
    o_t   = σ(z_o + w_co ⊙ C_t)                            output gate (peephole reads the NEW C_t)
    m_t   = o_t ⊙ tanh(C_t)
    h_t   = m_t W_hr^T   with a projection (LSTMP),  else  h_t = m_t

The w_c* terms exist only with peephole=True (Gers & Schmidhuber 2000, diagonal peepholes);
W_hr (P, H) only with proj_size=P (Sak et al. 2014, as torch.nn.LSTM(proj_size=P)).

Parameters: weight_ih (4H, I), weight_hh (4H, P or H), bias (4H) [, weight_ci, weight_cf,
weight_co (H,)] [, weight_hr (P, H)]. State: (h (B, P or H), C (B, H)).

The backward pass is the nicodjimenez "LSTM in under 200 lines" recursion: from dL/dh_t and the
dL/dC_t carried back from step t+1, get dL/dC_{t-1} and dL/dh_{t-1}.

Example (the whole API; the other cells work the same way)::

    import numpy as np
    from rnnkit.reference import LSTM, check_gradients

    lstm = LSTM(input_size=3, hidden_size=4, peephole=True, seed=0)
    x = np.random.default_rng(0).standard_normal((5, 2, 3))      # (T, B, I), time-major
    # Sequence 1 has 3 real steps: its state stops at t=2 and its outputs are 0 from t=3 on.
    outputs, (h_T, c_T), cache = lstm.forward(x, lengths=[5, 3])  # outputs (5, 2, 4)

    # Backpropagation through time for the loss L = sum(outputs) + sum(c_T):
    grads, d_x, (d_h0, d_c0) = lstm.backward(cache, np.ones_like(outputs),
                                             (np.zeros_like(h_T), np.ones_like(c_T)))
    grads["weight_hh"].shape                                      # (16, 4), like lstm.params

    # Every gradient agrees with finite differences: {"weight_ih": 1e-10, ...}
    check_gradients(lstm, x, lengths=[5, 3])
"""

import numpy as np

from rnnkit.reference.base import ReferenceRNN, sigmoid


class LSTM(ReferenceRNN):
    """Long short-term memory with optional diagonal peepholes and output projection."""

    state_names = ("h", "c")

    def __init__(self, input_size, hidden_size, peephole=False, proj_size=0, seed=0):
        if not isinstance(proj_size, (int, np.integer)) or not 0 <= proj_size < hidden_size:
            raise ValueError(f"proj_size must be an int in [0, hidden_size={hidden_size}), "
                             f"got {proj_size!r}")
        self.peephole = bool(peephole)
        self.proj_size = int(proj_size)
        super().__init__(input_size, hidden_size, seed)

    @property
    def output_size(self):
        return self.proj_size or self.hidden_size

    def state_sizes(self):
        return (self.output_size, self.hidden_size)

    def param_shapes(self):
        H, I, P = self.hidden_size, self.input_size, self.output_size
        shapes = {"weight_ih": (4 * H, I), "weight_hh": (4 * H, P), "bias": (4 * H,)}
        if self.peephole:
            shapes.update(weight_ci=(H,), weight_cf=(H,), weight_co=(H,))
        if self.proj_size:
            shapes["weight_hr"] = (P, H)
        return shapes

    def step(self, x_t, state):
        p = self.params
        h_prev, c_prev = state                                           # (B, P), (B, H)
        z = x_t @ p["weight_ih"].T + p["bias"] + h_prev @ p["weight_hh"].T   # (B, 4H)
        z_i, z_f, z_g, z_o = np.split(z, 4, axis=1)                      # 4 x (B, H)
        if self.peephole:
            z_i = z_i + p["weight_ci"] * c_prev
            z_f = z_f + p["weight_cf"] * c_prev
        i = sigmoid(z_i)                                                 # i_t
        f = sigmoid(z_f)                                                 # f_t
        g = np.tanh(z_g)                                                 # c~_t
        c = f * c_prev + i * g                                           # C_t  (B, H)
        if self.peephole:
            z_o = z_o + p["weight_co"] * c
        o = sigmoid(z_o)                                                 # o_t
        tanh_c = np.tanh(c)
        m = o * tanh_c                                                   # m_t  (B, H)
        h = m @ p["weight_hr"].T if self.proj_size else m                # h_t  (B, P)
        return (h, c), (x_t, h_prev, c_prev, i, f, g, o, c, tanh_c, m)

    def step_backward(self, step_cache, d_new_state, grads):
        p = self.params
        x_t, h_prev, c_prev, i, f, g, o, c, tanh_c, m = step_cache
        d_h, d_c = d_new_state           # dL/dh_t (output + step t+1), dL/dC_t (from step t+1)

        # h_t = m_t W_hr^T  (or h_t = m_t)
        if self.proj_size:
            grads["weight_hr"] += d_h.T @ m                              # (P, H)
            d_m = d_h @ p["weight_hr"]                                   # (B, H)
        else:
            d_m = d_h
        # m_t = o_t ⊙ tanh(C_t);  o_t = σ(z_o + w_co ⊙ C_t)
        d_z_o = d_m * tanh_c * o * (1 - o)                               # (B, H)
        # C_t reaches the loss through step t+1, through m_t and (peephole) through o_t
        d_c = d_c + d_m * o * (1 - tanh_c**2)
        if self.peephole:
            d_c = d_c + d_z_o * p["weight_co"]
            grads["weight_co"] += (d_z_o * c).sum(axis=0)
        # C_t = f_t ⊙ C_{t-1} + i_t ⊙ c~_t
        d_z_i = d_c * g * i * (1 - i)                                    # through i_t = σ(z_i)
        d_z_f = d_c * c_prev * f * (1 - f)                               # through f_t = σ(z_f)
        d_z_g = d_c * i * (1 - g**2)                                     # through c~_t = tanh(z_g)
        d_c_prev = d_c * f
        if self.peephole:                                                # i_t, f_t read C_{t-1}
            d_c_prev = d_c_prev + d_z_i * p["weight_ci"] + d_z_f * p["weight_cf"]
            grads["weight_ci"] += (d_z_i * c_prev).sum(axis=0)
            grads["weight_cf"] += (d_z_f * c_prev).sum(axis=0)
        # z_t = x_t W_ih^T + b + h_{t-1} W_hh^T
        d_z = np.concatenate([d_z_i, d_z_f, d_z_g, d_z_o], axis=1)      # (B, 4H)
        grads["weight_ih"] += d_z.T @ x_t                                # (4H, I)
        grads["weight_hh"] += d_z.T @ h_prev                             # (4H, P)
        grads["bias"] += d_z.sum(axis=0)                                 # (4H,)
        d_x = d_z @ p["weight_ih"]                                       # (B, I)
        d_h_prev = d_z @ p["weight_hh"]                                  # (B, P)
        return d_x, (d_h_prev, d_c_prev)

    def _extra_repr(self):
        return (", peephole=True" if self.peephole else "") + \
               (f", proj_size={self.proj_size}" if self.proj_size else "")
