"""Central finite differences: the independent check of every hand-written gradient.

    dL/dw_k ≈ (L(w + eps e_k) - L(w - eps e_k)) / (2 eps)

with error O(eps^2); in float64 with eps = 1e-6 it agrees with an exact gradient to ~1e-9 relative.
`check_gradients` applies it to a reference RNN with the loss sum(outputs * R) + Σ sum(state_T * S),
so every output and every final state entry matters.
"""

import numpy as np


def numerical_gradient(f, array, eps=1e-6):
    """dL/d array by central differences; `f()` returns the scalar loss reading `array`, which is
    perturbed in place one entry at a time and restored afterwards."""
    grad = np.zeros_like(array, dtype=np.float64)
    flat, flat_grad = array.reshape(-1), grad.reshape(-1)   # views: writes reach `array`
    for k in range(flat.size):
        saved = flat[k]
        flat[k] = saved + eps
        loss_plus = f()
        flat[k] = saved - eps
        loss_minus = f()
        flat[k] = saved
        flat_grad[k] = (loss_plus - loss_minus) / (2 * eps)
    return grad


def relative_error(a, b):
    """max |a - b| / max(max |a|, max |b|); 0 when both are exactly zero."""
    scale = max(np.abs(a).max(initial=0.0), np.abs(b).max(initial=0.0))
    return 0.0 if scale == 0 else float(np.abs(a - b).max() / scale)


def check_gradients(model, x, state0=None, lengths=None, seed=0, eps=1e-6):
    """Relative error between `model.backward` and finite differences for every parameter,
    x and each initial-state tensor: {"weight_ih": 3e-10, ..., "x": ..., "state0.h": ...}."""
    x = np.array(x, dtype=np.float64)
    B = x.shape[1]
    state0 = model._check_state(state0, B)
    state0 = tuple(s.copy() for s in state0)
    outputs, final_state, cache = model.forward(x, state0, lengths)
    rng = np.random.default_rng(seed)
    R = rng.standard_normal(outputs.shape)                           # weights of each output
    S = tuple(rng.standard_normal(s.shape) for s in final_state)     # and of each final state

    def loss():
        out, final, _ = model.forward(x, state0, lengths)
        return np.sum(out * R) + sum(np.sum(s * w) for s, w in zip(final, S))

    grads, d_x, d_state0 = model.backward(cache, R, S)
    errors = {name: relative_error(grads[name], numerical_gradient(loss, p, eps))
              for name, p in model.params.items()}
    errors["x"] = relative_error(d_x, numerical_gradient(loss, x, eps))
    for name, s, d_s in zip(model.state_names, state0, d_state0):
        errors[f"state0.{name}"] = relative_error(d_s, numerical_gradient(loss, s, eps))
    return errors
