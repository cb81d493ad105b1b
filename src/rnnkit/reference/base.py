"""The time loop shared by every NumPy reference cell: forward over a sequence, BPTT back over it.

A reference cell (SimpleRNN, LSTM, GRU) writes only the equations of ONE time step, `step`, and
their hand-derived gradient, `step_backward`. This base class runs them over a whole sequence:

    forward:   for t = 0 .. T-1:    state_t = step(x_t, state_{t-1})
    backward:  for t = T-1 .. 0:    d state_{t-1}, d x_t += step_backward(d state_t)

which is backpropagation through time (BPTT) exactly as the min-char-rnn / nicodjimenez "LSTM in
under 200 lines" articles do it: keep every step's intermediate values on the way forward, walk the
steps in reverse on the way back, and carry d state_t from step t+1 into step t.

Variable lengths follow torch's packed sequences: for sequence b, the steps t >= lengths[b] do not
update its state (it is carried through unchanged, so the final state is the one at step
lengths[b]-1) and output 0. Backward mirrors that: on a padded step the gradient of the state
passes straight through and nothing reaches the weights or x_t.

Everything is float64 NumPy with no torch import: this is the oracle fast paths are tested against.
"""

import numpy as np


def sigmoid(a):
    """σ(a) = 1 / (1 + e^-a), computed without overflow for large |a|."""
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


class ReferenceRNN:
    """Base class: subclasses set `input_size`, `hidden_size`, `output_size`, `state_names` and
    implement `param_shapes`, `step` and `step_backward`.

    Contract for a subclass:
      param_shapes() -> {name: shape}             the parameters, initialised here from the seed
      step(x_t, state) -> (new_state, step_cache)  one step; new_state[0] is the step's output h_t
      step_backward(step_cache, d_new_state, grads) -> (d_x_t, d_state)
                                                   gradient of one step; adds weight gradients
                                                   into `grads` in place
    """

    state_names = ("h",)

    def __init__(self, input_size, hidden_size, seed=0):
        for name, value in (("input_size", input_size), ("hidden_size", hidden_size)):
            if not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        self.input_size = int(input_size)
        self.hidden_size = int(hidden_size)
        self.seed = seed
        # Uniform ±0.5 rather than torch's ±1/sqrt(H): at H=4 both are similar, and larger weights
        # keep gradients far from zero so finite differences test something.
        rng = np.random.default_rng(seed)
        self.params = {name: rng.uniform(-0.5, 0.5, size=shape)
                       for name, shape in self.param_shapes().items()}

    # --- to be written by each cell -------------------------------------------------------------
    @property
    def output_size(self):
        return self.hidden_size

    def state_sizes(self):
        """Width of each state tensor, in the order of `state_names`."""
        return (self.output_size,)

    def param_shapes(self):
        raise NotImplementedError

    def step(self, x_t, state):
        raise NotImplementedError

    def step_backward(self, step_cache, d_new_state, grads):
        raise NotImplementedError

    # --- the shared time loop -------------------------------------------------------------------
    def zero_state(self, batch_size):
        return tuple(np.zeros((batch_size, size)) for size in self.state_sizes())

    def forward(self, x, state0=None, lengths=None):
        """Run the cell over x (T, B, I).

        Returns (outputs (T, B, H_out), final_state tuple, cache); keep `cache` for `backward`.
        """
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 3 or x.shape[2] != self.input_size:
            raise ValueError(f"x must have shape (T, B, {self.input_size}), got {x.shape}")
        T, B, _ = x.shape
        state = self._check_state(state0, B)
        lengths = self._check_lengths(lengths, T, B)

        outputs = np.zeros((T, B, self.output_size))                     # (T, B, H_out)
        step_caches, masks = [], []
        for t in range(T):
            alive = (t < lengths)[:, None]                               # (B, 1) bool
            new_state, step_cache = self.step(x[t], state)
            # Padded sequences keep their state and output 0 (torch packed-sequence semantics).
            state = tuple(np.where(alive, new, old) for new, old in zip(new_state, state))
            outputs[t] = np.where(alive, new_state[0], 0.0)              # (B, H_out)
            step_caches.append(step_cache)
            masks.append(alive)
        cache = {"steps": step_caches, "masks": masks, "x_shape": x.shape}
        return outputs, state, cache

    def backward(self, cache, d_outputs, d_final_state=None):
        """BPTT: from dL/d outputs (T, B, H_out) and dL/d final_state to every gradient.

        Returns (grads {name: array like params}, d_x (T, B, I), d_state0 tuple).
        """
        T, B, I = cache["x_shape"]
        d_outputs = np.asarray(d_outputs, dtype=np.float64)
        if d_outputs.shape != (T, B, self.output_size):
            raise ValueError(f"d_outputs must have shape {(T, B, self.output_size)}, "
                             f"got {d_outputs.shape}")
        if d_final_state is None:
            d_state = self.zero_state(B)
        else:
            d_state = self._check_state(d_final_state, B, name="d_final_state")

        grads = {name: np.zeros_like(p) for name, p in self.params.items()}
        d_x = np.zeros((T, B, I))                                        # (T, B, I)
        for t in reversed(range(T)):
            alive = cache["masks"][t]                                    # (B, 1)
            # dL/d new_state: what flows back from step t+1, plus this step's output (h_t only).
            d_new = [np.where(alive, d, 0.0) for d in d_state]
            d_new[0] = d_new[0] + np.where(alive, d_outputs[t], 0.0)
            d_x[t], d_prev = self.step_backward(cache["steps"][t], tuple(d_new), grads)
            # On padded rows the state was copied through, so its gradient is too.
            d_state = tuple(np.where(alive, dp, d) for dp, d in zip(d_prev, d_state))
        return grads, d_x, d_state

    # --- argument checks ------------------------------------------------------------------------
    def _check_state(self, state, batch_size, name="state0"):
        if state is None:
            return self.zero_state(batch_size)
        if isinstance(state, np.ndarray):
            state = (state,)
        state = tuple(np.asarray(s, dtype=np.float64) for s in state)
        expected = tuple((batch_size, size) for size in self.state_sizes())
        got = tuple(s.shape for s in state)
        if got != expected:
            raise ValueError(f"{name} must be a tuple of arrays shaped {expected} "
                             f"({', '.join(self.state_names)}), got {got}")
        return state

    @staticmethod
    def _check_lengths(lengths, T, B):
        if lengths is None:
            return np.full(B, T)
        lengths = np.asarray(lengths)
        if (lengths.shape != (B,) or not np.issubdtype(lengths.dtype, np.integer)
                or lengths.min() < 0 or lengths.max() > T):
            raise ValueError(f"lengths must be {B} ints in [0, {T}], got {lengths.tolist()!r}")
        return lengths

    def __repr__(self):
        return f"{type(self).__name__}({self.input_size}, {self.hidden_size}{self._extra_repr()})"

    def _extra_repr(self):
        return ""
