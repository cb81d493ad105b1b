"""SimpleRNN (Elman network) in plain NumPy, forward and hand-written BPTT.

The articles write it s_t = f(U x_t + W s_{t-1}); here, in torch's layout and row-vector batches:

    a_t = x_t W_ih^T + b + h_{t-1} W_hh^T          (B, H)
    h_t = act(a_t)                                  act = tanh or relu

Parameters: weight_ih (H, I), weight_hh (H, H), bias (H). State: (h,).
"""

import numpy as np

from rnnkit.reference.base import ReferenceRNN

ACTIVATIONS = ("tanh", "relu")


class SimpleRNN(ReferenceRNN):
    """Elman RNN; `activation` is "tanh" or "relu"."""

    def __init__(self, input_size, hidden_size, activation="tanh", seed=0):
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
        self.activation = activation
        super().__init__(input_size, hidden_size, seed)

    def param_shapes(self):
        H, I = self.hidden_size, self.input_size
        return {"weight_ih": (H, I), "weight_hh": (H, H), "bias": (H,)}

    def step(self, x_t, state):
        p = self.params
        (h_prev,) = state
        a = x_t @ p["weight_ih"].T + p["bias"] + h_prev @ p["weight_hh"].T   # (B, H)
        h = np.tanh(a) if self.activation == "tanh" else np.maximum(a, 0.0)  # (B, H)
        return (h,), (x_t, h_prev, a, h)

    def step_backward(self, step_cache, d_new_state, grads):
        p = self.params
        x_t, h_prev, a, h = step_cache
        (d_h,) = d_new_state
        # h = act(a):  tanh' = 1 - h^2,  relu' = [a > 0]
        d_a = d_h * (1.0 - h**2) if self.activation == "tanh" else d_h * (a > 0)  # (B, H)
        # a = x W_ih^T + b + h_prev W_hh^T
        grads["weight_ih"] += d_a.T @ x_t                                # (H, I)
        grads["weight_hh"] += d_a.T @ h_prev                             # (H, H)
        grads["bias"] += d_a.sum(axis=0)                                 # (H,)
        d_x = d_a @ p["weight_ih"]                                       # (B, I)
        d_h_prev = d_a @ p["weight_hh"]                                  # (B, H)
        return d_x, (d_h_prev,)

    def _extra_repr(self):
        return "" if self.activation == "tanh" else f", activation={self.activation!r}"
