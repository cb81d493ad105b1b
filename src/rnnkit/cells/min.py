"""minGRU and minLSTM (Feng et al. 2024, "Were RNNs All We Needed?"): gates that do not read h(t-1).

Both cells drop h(t-1) from every gate and from the candidate, so a layer's whole sequence is the
linear recurrence h_t = a_t ⊙ h_{t-1} + b_t with a_t, b_t known for all steps before the loop. That
is what lets training run as a scan over all steps (`rnnkit.engine.scan`: Heinsen's (2023) parallel
scan in log space, or on the CPU one fused multiply-add per step), while `step` (the paper's
"sequential mode") serves generation one step at a time and the autograd and fused runners. The two modes are tested equal to each other and to the NumPy oracle
(`rnnkit.reference.min`).

Both are the paper's log-space versions (its appendix B.3): the candidate goes through
g(v) = v + 0.5 (v >= 0), σ(v) (v < 0), so that every h~_t > 0 and log h~_t exists. Both mix h(t-1) and
h~_t with weights that sum to one, so they share one step, written once (`MinimalCell`):

    h_t = (1 - w_t) ⊙ h_{t-1} + w_t ⊙ h~_t,   w_t = σ(u_t),  h~_t = g(v_t)
    log a_t = log(1 - w_t) = -softplus(u_t),   log b_t = log w_t + log h~_t = -softplus(-u_t) + log g(v_t)

and differ only in the logit u_t of the mixing weight. Weight layout as `mingru-pytorch` (0.2.1),
candidate rows first, so its `to_hidden_and_gate` / `to_hidden_and_f_i_gate` weights copy as they are
(it has no bias: zero ours).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .base import RecurrentCell, State

# What a user may reasonably try on these cells (options of the LSTM and GRU cells), and why it has no
# meaning here: the answer of the one-line ValueError.
NO_RECURRENCE = "its gates do not read h(t-1), so there is no recurrent matrix"
MEANINGLESS = {
    "peephole": "its gates read x_t only: there is no cell state for them to peep at",
    "proj_size": "h_t is the mix of h(t-1) and h~_t itself: there is no separate output to project",
    "layer_norm": "its gates read x_t only: normalise the layer's input instead (Recurrent's norm option)",
    "cell_clip": "h_t is a convex mix of h(t-1) and h~_t and needs no clip",
    "reset_after": "there is no reset gate",
    "unit_forget_bias": "the forget and input gates are normalised against each other (f'_t + i'_t = 1)",
    "coupled": "the forget and input gates are already coupled (f'_t + i'_t = 1)",
    "activation": "the candidate's activation is g, which keeps h~_t > 0 for the log-space scan",
    "weight_drop": NO_RECURRENCE,
    "zoneout": "zoneout is not offered on the parallel scan",
    "zoneout_h": "zoneout is not offered on the parallel scan",
    "zoneout_c": "there is no cell state c_t",
}


def g(v: Tensor) -> Tensor:
    """The paper's positive activation: v + 0.5 for v >= 0, σ(v) below (continuous, g(0) = 0.5).
    Written as max(v, 0) + σ(min(v, 0)): vectorised arithmetic, faster than a select on the CPU."""
    return v.clamp(min=0) + torch.sigmoid(v.clamp(max=0))


def g_grad(v: Tensor) -> Tensor:
    """dg/dv: 1 for v >= 0, σ(v)(1 - σ(v)) below."""
    s = torch.sigmoid(v.clamp(max=0))
    d = s * (1 - s)  # 1/4 at v >= 0
    return d + (v >= 0).to(v.dtype) * (1 - d)


def log_g(v: Tensor) -> Tensor:
    """log g(v) without overflow: log(v + 0.5) for v >= 0, -softplus(-v) = log σ(v) below."""
    return torch.where(v >= 0, torch.log(F.relu(v) + 0.5), -F.softplus(-v))


class MinimalCell(RecurrentCell):
    """A cell whose step is h_t = (1 - σ(u_t)) ⊙ h_{t-1} + σ(u_t) ⊙ g(v_t), u_t and v_t from x_t alone.

    Subclasses say how the projection xp_t = W_ih x_t + b splits into the candidate's pre-activation
    v_t and the mixing logit u_t (`mix_logits`), and its gradient (`mix_logits_backward`). The scan
    runner (`rnnkit.engine.scan`) reads the recurrence's a_t and b_t for many steps at once:
    `coefficients` and `coefficients_backward` (its linear method), or `log_coefficients` (Heinsen's
    log-space method). No recurrent weight: `weight_hh` is None.
    """

    cell_name = ""  # the paper's name, used in messages

    def __init__(self, input_size: int, hidden_size: int, **options):
        for name, value in options.items():
            why = MEANINGLESS.get(name)
            if why is None:
                raise ValueError(f"{self.cell_name} has no option {name!r} (it takes input_size and hidden_size only)")
            raise ValueError(f"{name}={value!r} makes no sense for {self.cell_name}: {why}")
        super().__init__(input_size, hidden_size)
        self.weight_hh = None  # registered as None: named_parameters() and state_dict() skip it
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Glorot-uniform input kernel (Keras' default), zero bias; there is no recurrent kernel."""
        fan = self.weight_ih.shape[0] + self.weight_ih.shape[1]
        limit = (6.0 / fan) ** 0.5
        nn.init.uniform_(self.weight_ih, -limit, limit)
        nn.init.zeros_(self.bias)

    @property
    def state_sizes(self) -> tuple[int]:
        return (self.hidden_size,)

    # ---- what a subclass writes ------------------------------------------------------------------
    def mix_logits(self, xp: Tensor) -> tuple[Tensor, Tensor]:
        """(v, u): the candidate's pre-activation and the mixing logit, each (..., H), from xp (..., G*H)."""
        raise NotImplementedError

    def mix_logits_backward(self, xp: Tensor, dv: Tensor, du: Tensor) -> Tensor:
        """dLoss/dxp (..., G*H) from dLoss/dv and dLoss/du."""
        raise NotImplementedError

    # ---- the sequential form: one step -------------------------------------------------------------
    def step(self, xp_t: Tensor, state: State, recurrent_mask: Tensor | None = None,
             weight_hh: Tensor | None = None):
        if recurrent_mask is not None:
            raise ValueError(f"recurrent dropout makes no sense for {self.cell_name}: {NO_RECURRENCE}")
        (h_prev,) = state  # (B, H)
        v, u = self.mix_logits(xp_t)  # (B, H) each
        w = torch.sigmoid(u)  # z_t (minGRU) or i'_t (minLSTM)
        h_tilde = g(v)
        h = torch.lerp(h_prev, h_tilde, w)  # (1 - w) h_{t-1} + w h~_t
        return (h,), (xp_t, h_prev, v, w, h_tilde)

    def step_backward(self, cache: tuple, grad_state: State):
        xp_t, h_prev, v, w, h_tilde = cache
        (dh,) = grad_state
        du = dh * (h_tilde - h_prev) * w * (1 - w)  # through w = σ(u)
        dv = dh * w * g_grad(v)  # through h~ = g(v)
        return self.mix_logits_backward(xp_t, dv, du), (dh * (1 - w),), {}

    # ---- the parallel form: every step's coefficients at once ------------------------------------------
    def coefficients(self, xp: Tensor) -> tuple[Tensor, Tensor]:
        """a_t = 1 - w_t, b_t = w_t ⊙ h~_t of h_t = a_t ⊙ h_{t-1} + b_t for xp (T, B, G*H): each (T, B, H)."""
        v, u = self.mix_logits(xp)
        return torch.sigmoid(-u), torch.sigmoid(u) * g(v)  # 1 - σ(u) as σ(-u): exact when σ(u) nears 1

    def coefficients_backward(self, xp: Tensor, grad_a: Tensor, grad_b: Tensor) -> Tensor:
        """dLoss/dxp from dLoss/da and dLoss/db of `coefficients` (the scan's hand-derived backward)."""
        v, u = self.mix_logits(xp)
        w = torch.sigmoid(u)
        du = w * (1 - w) * (grad_b * g(v) - grad_a)  # a = σ(-u), b = σ(u) g(v)
        dv = grad_b * w * g_grad(v)
        return self.mix_logits_backward(xp, dv, du)

    def log_coefficients(self, xp: Tensor) -> tuple[Tensor, Tensor]:
        """log a_t, log b_t of h_t = a_t ⊙ h_{t-1} + b_t for xp (T, B, G*H): each (T, B, H), b_t > 0."""
        v, u = self.mix_logits(xp)
        return -F.softplus(u), -F.softplus(-u) + log_g(v)  # log(1 - σ(u)), log σ(u) + log g(v)


class MinGRUCell(MinimalCell):
    r"""minGRU (Feng et al. 2024), log-space version: an update gate and a candidate, both from x_t only.

        z_t  = σ(W_z x_t + b_z)                      update gate
        h~_t = g(W_h x_t + b_h)                      candidate, g(v) = v + 0.5 (v >= 0), σ(v) (v < 0)
        h_t  = (1 - z_t) ⊙ h_{t-1} + z_t ⊙ h~_t

    Training runs it as a parallel scan in log space (Heinsen 2023) with
        log(1 - z_t) = -softplus(k_t),  log z_t = -softplus(-k_t),  log h~_t = log g(W_h x_t + b_h)
    (k_t = W_z x_t + b_z), the paper's appendix B.3.1; `rnnkit.engine.scan` carries h_0 outside the logs,
    so the initial state may have any sign.

    Parameters: weight_ih (2H, I) rows [W_h; W_z] (mingru-pytorch's `to_hidden_and_gate` order), bias (2H,).
    2H(I + 1) in all. State: (h_t,).

    Against `mingru-pytorch` 0.2.1's `minGRU` (test-only anchor): equal with copied weights and bias zero,
    expansion_factor=1 and proj_out=False. Not matched: expansion_factor != 1 and proj_out (a linear map
    after the cell: in rnnkit a Dense layer after the Recurrent), and a `prev_hidden` <= 0 in its
    parallel mode (it takes prev_hidden.log(): NaN; rnnkit takes any initial state).
    """

    gate_names = ("h", "z")
    cell_name = "minGRU"

    def mix_logits(self, xp: Tensor) -> tuple[Tensor, Tensor]:
        v, k = xp.chunk(2, -1)  # candidate, update gate: (..., H) each
        return v, k  # u = k: w = z_t

    def mix_logits_backward(self, xp: Tensor, dv: Tensor, du: Tensor) -> Tensor:
        return torch.cat((dv, du), -1)  # (..., 2H)


class MinLSTMCell(MinimalCell):
    r"""minLSTM (Feng et al. 2024), log-space version: forget and input gates from x_t only, normalised.

        f_t  = σ(W_f x_t + b_f)                      forget gate
        i_t  = σ(W_i x_t + b_i)                      input gate
        f'_t = f_t / (f_t + i_t),   i'_t = i_t / (f_t + i_t)      normalised: f'_t + i'_t = 1
        h~_t = g(W_h x_t + b_h)                      candidate, g as in minGRU
        h_t  = f'_t ⊙ h_{t-1} + i'_t ⊙ h~_t

    With d_t = log i_t - log f_t = softplus(-k^f_t) - softplus(-k^i_t) (k the gates' pre-activations),
    i'_t = σ(d_t) and f'_t = 1 - i'_t: the step is computed that way (no 0/0 when both gates
    underflow), and the log-space scan uses log f'_t = -softplus(d_t), log i'_t = -softplus(-d_t),
    the paper's appendix B.3.2.

    Parameters: weight_ih (3H, I) rows [W_h; W_f; W_i] (mingru-pytorch's `to_hidden_and_f_i_gate`
    order), bias (3H,). 3H(I + 1) in all. State: (h_t,).

    Against `mingru-pytorch` 0.2.1's `minLSTM` (module `minGRU_pytorch.minLSTM`, not exported): equal
    with copied weights and bias zero, expansion_factor=1, proj_out=False, from a zero state. Not
    matched: its parallel mode with a `prev_hidden`, which it passes through g (log_g(prev_hidden))
    while its sequential mode uses prev_hidden itself, so its two modes disagree for any given state;
    rnnkit follows the paper (h_0 enters as it is), as its sequential mode does; and expansion_factor /
    proj_out as for minGRU.
    """

    gate_names = ("h", "f", "i")
    cell_name = "minLSTM"

    def mix_logits(self, xp: Tensor) -> tuple[Tensor, Tensor]:
        v, k_f, k_i = xp.chunk(3, -1)  # candidate, forget, input: (..., H) each
        return v, F.softplus(-k_f) - F.softplus(-k_i)  # u = d_t: w = i'_t

    def mix_logits_backward(self, xp: Tensor, dv: Tensor, du: Tensor) -> Tensor:
        _, k_f, k_i = xp.chunk(3, -1)
        # d softplus(-k)/dk = -σ(-k)
        return torch.cat((dv, -du * torch.sigmoid(-k_f), du * torch.sigmoid(-k_i)), -1)  # (..., 3H)
