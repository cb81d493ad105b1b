"""mLSTM cell (Beck et al. 2024, "xLSTM: Extended Long Short-Term Memory", section 2.3): matrix memory.

Each head stores a d x d matrix C_t updated by the covariance rule C_t = f_t C_{t-1} + i_t v_t k_t^T
and read with a query. No gate reads h_{t-1}, so the whole sequence can also be computed at once (the
parallel form: masked matrix products, like causal attention with decay) or chunk by chunk; those forms
are in `rnnkit.engine.mlstm_forms`. This file is ONE step (the recurrent form, for generation) with its
hand-derived gradient, in the step-cell contract of `rnnkit.cells.base`, so the engine's runners serve it
too. Its NumPy oracle is `rnnkit.reference.mlstm`.
"""
from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from ..validation import check_choice
from .base import RecurrentCell, State
from .options import head_size, reject_options
from .stabiliser import FORGET_GATES, log_forget, stabilised_gates, stabilised_gates_backward

OPTIONS = ("num_heads", "forget_gate", "eps")


class MLSTMCell(RecurrentCell):
    r"""One mLSTM step, per head (K heads of d = H / K units; i_t, f_t, m_t are scalars per head).

        q_t = W_q x_t + b_q,   k_t = (W_k x_t + b_k) / √d,   v_t = W_v x_t + b_v
        ĩ_t = w_i x_t + b_i,   f̃_t = w_f x_t + b_f,          o_t = σ(W_o x_t + b_o)
        m_t  = max(log f_t + m_{t-1}, ĩ_t)            log f_t = log σ(f̃_t), or f̃_t with forget_gate="exp"
        i'_t = exp(ĩ_t - m_t),   f'_t = exp(log f_t + m_{t-1} - m_t)
        C_t  = f'_t C_{t-1} + i'_t v_t k_t^T          matrix memory (d, d)
        n_t  = f'_t n_{t-1} + i'_t k_t                normaliser (d)
        h̃_t = C_t q_t / (max(|n_t^T q_t|, exp(-m_t)) + eps)
        h_t  = o_t ⊙ h̃_t

    The stabilised C_t, n_t are the paper's times e^{-m_t}, so its max(|n^T q|, 1) becomes
    max(|n^T q|, e^{-m_t}); `eps` (1e-6) is the `xlstm` package's guard, kept for parity (0 gives
    the paper's formula). A head whose normaliser is zero holds nothing (the zero state): it reads
    m_{t-1} = -∞, so m_t = ĩ_t; that makes this recurrent form equal the parallel form, whose
    stabiliser is the maximum over the steps so far.

    Parameters: weight_ih (4H + 2K, I) and bias (4H + 2K), rows q (H), k (H), v (H), ĩ (K), f̃ (K),
    o (H); no recurrent matrix (weight_hh is None, as the minimal cells': a parameter nothing reads would
    get no gradient). (4H + 2K)(I + 1) parameters.
    State: (h_t (H), C_t (K*d*d, row-major [head, value unit, key unit]), n_t (K*d), m_t (K)).
    Options: num_heads (1), forget_gate "sigmoid" (the package's) or "exp", eps. Recurrent dropout,
    zoneout and weight drop make no sense here (nothing reads h_{t-1}).

    Against the `xlstm` package (2.0.6): its mLSTM backends (parallel_stabilized_simple,
    recurrent_step_stabilized_simple, chunkwise_simple) given the same q, k, v, ĩ, f̃ compute h̃_t as
    `rnnkit.engine.mlstm_forms` does. Its mLSTMCell derives ĩ, f̃ from cat(q, k, v) (linear in x, so a
    special case of w_i, w_f) and group-normalises h̃ per head instead of an output gate; its
    mLSTMLayer is the paper's whole mLSTM block (up-projection, causal conv, learnable skip, SiLU
    output branch, down-projection), which is not a cell and is not reproduced here. Its recurrent
    step starts from m_0 = 0 rather than -∞ (outputs then agree only where eps is negligible) and
    stores C_t transposed ([key unit, value unit]); its chunkwise form also leaves k unscaled (it
    scales q), so its C, n are √d times these.
    """

    gate_names = ("q", "k", "v", "o")

    def __init__(self, input_size: int, hidden_size: int, *, num_heads: int = 1, forget_gate: str = "sigmoid",
                 eps: float = 1e-6, **unknown):
        reject_options("mlstm", unknown, OPTIONS)
        super().__init__(input_size, hidden_size)
        self.num_heads, self.head_size = num_heads, head_size(hidden_size, num_heads)
        self.forget_gate = check_choice("forget_gate", forget_gate, FORGET_GATES)
        if isinstance(eps, bool) or not isinstance(eps, (int, float)) or eps < 0:
            raise ValueError(f"eps must be a float >= 0, got {eps!r}")
        self.eps = float(eps)
        rows = 4 * hidden_size + 2 * num_heads
        self.weight_ih = nn.Parameter(torch.empty(rows, input_size))  # (4H + 2K, I)
        self.weight_hh = None  # nothing reads h_{t-1}: named_parameters() and state_dict() skip it
        self.bias = nn.Parameter(torch.empty(rows))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Glorot q, k, v, o; zero input- and forget-gate weights (xlstm), forget bias spread over [3, 6]."""
        H, K = self.hidden_size, self.num_heads
        limit = math.sqrt(6.0 / (H + self.input_size))
        nn.init.uniform_(self.weight_ih, -limit, limit)
        nn.init.zeros_(self.bias)
        with torch.no_grad():
            self.weight_ih[3 * H : 3 * H + 2 * K] = 0
            self.bias[3 * H + K : 3 * H + 2 * K] = torch.linspace(3.0, 6.0, K)

    def _load_from_state_dict(self, state_dict, prefix, *args):
        # weights saved while weight_hh was an empty (0, H) parameter still load: the empty entry is dropped
        if prefix + "weight_hh" in state_dict and state_dict[prefix + "weight_hh"].numel() == 0:
            del state_dict[prefix + "weight_hh"]
        super()._load_from_state_dict(state_dict, prefix, *args)

    @property
    def state_sizes(self) -> tuple[int, int, int, int]:
        H, K, d = self.hidden_size, self.num_heads, self.head_size
        return (H, K * d * d, K * d, K)

    def split_projection(self, xp: Tensor) -> tuple[Tensor, ...]:
        """(..., 4H + 2K) -> q, k (scaled by 1/√d), v (..., K, d); ĩ, f̃ (..., K); õ (..., H)."""
        H, K, d = self.hidden_size, self.num_heads, self.head_size
        q, k, v, a_i, a_f, a_o = xp.split((H, H, H, K, K, H), -1)
        shape = (*xp.shape[:-1], K, d)
        return q.reshape(shape), k.reshape(shape) / math.sqrt(d), v.reshape(shape), a_i, a_f, a_o

    def log_forget(self, a_f: Tensor) -> Tensor:
        return log_forget(a_f, self.forget_gate)

    def step(self, xp_t: Tensor, state: State, recurrent_mask: Tensor | None = None,
             weight_hh: Tensor | None = None):
        if recurrent_mask is not None:
            raise ValueError("recurrent_dropout makes no sense for the mlstm cell (no gate reads h_{t-1})")
        B, K, d = xp_t.shape[0], self.num_heads, self.head_size
        q, k, v, a_i, a_f, a_o = self.split_projection(xp_t)  # (B, K, d) x3, (B, K) x2, (B, H)
        C_prev, n_prev, m_prev = state[1].view(B, K, d, d), state[2].view(B, K, d), state[3]
        fresh = (n_prev == 0).all(-1)  # (B, K): nothing stored yet, m_{t-1} = -inf
        m, i, f, forget_wins = stabilised_gates(a_i, a_f, m_prev, fresh, self.forget_gate)  # (B, K) each
        C = f[..., None, None] * C_prev + i[..., None, None] * v.unsqueeze(-1) * k.unsqueeze(-2)  # (B, K, d, d)
        n = f[..., None] * n_prev + i[..., None] * k  # (B, K, d)
        num = (C @ q.unsqueeze(-1)).squeeze(-1)  # (B, K, d)
        qn = (n * q).sum(-1)  # (B, K)
        lower = torch.exp(-m)
        denom = torch.maximum(qn.abs(), lower) + self.eps
        h_tilde = num / denom[..., None]  # (B, K, d)
        o = torch.sigmoid(a_o)
        h = o * h_tilde.reshape(B, -1)  # (B, H)
        cache = (q, k, v, a_f, forget_wins, fresh, i, f, C_prev, n_prev, C, n, qn, lower, denom, h_tilde, o)
        return (h, C.reshape(B, -1), n.reshape(B, -1), m), cache

    def step_backward(self, cache: tuple, grad_state: State):
        q, k, v, a_f, forget_wins, fresh, i, f, C_prev, n_prev, C, n, qn, lower, denom, h_tilde, o = cache
        B, K, d = q.shape
        dh, dC, dn, dm = grad_state
        dC, dn = dC.view(B, K, d, d), dn.view(B, K, d)
        do = (dh * h_tilde.reshape(B, -1)) * o * (1 - o)  # (B, H)
        dht = (dh * o).view(B, K, d)
        dnum = dht / denom[..., None]
        ddenom = -(dht * h_tilde).sum(-1) / denom  # (B, K)
        qn_wins = qn.abs() >= lower
        dqn = torch.where(qn_wins, ddenom, 0.0) * torch.sign(qn)
        dm = dm - torch.where(qn_wins, 0.0, ddenom) * lower  # lower = exp(-m): d/dm = -lower
        dC = dC + dnum.unsqueeze(-1) * q.unsqueeze(-2)  # num = C q
        dn = dn + dqn[..., None] * q  # qn = n . q
        dq = (C.transpose(-1, -2) @ dnum.unsqueeze(-1)).squeeze(-1) + dqn[..., None] * n  # (B, K, d)
        dCv = (dC @ k.unsqueeze(-1)).squeeze(-1)  # Σ_c dC[a, c] k_c  (B, K, d)
        dCk = (dC.transpose(-1, -2) @ v.unsqueeze(-1)).squeeze(-1)  # Σ_a dC[a, c] v_a
        di = (dCv * v).sum(-1) + (dn * k).sum(-1)  # d i'_t  (B, K)
        df = (dC * C_prev).sum((-1, -2)) + (dn * n_prev).sum(-1)  # d f'_t
        dv = i[..., None] * dCv
        dk = i[..., None] * (dCk + dn) / math.sqrt(d)  # back through k / √d
        da_i, da_f, dm_prev = stabilised_gates_backward(di, df, dm, i, f, a_f, forget_wins, fresh, self.forget_gate)
        dxp = torch.cat((dq.reshape(B, -1), dk.reshape(B, -1), dv.reshape(B, -1), da_i, da_f, do), 1)
        grad_prev = (torch.zeros_like(do), (f[..., None, None] * dC).reshape(B, -1), (f[..., None] * dn).reshape(B, -1),
                     dm_prev)
        return dxp, grad_prev, {}

    def get_config(self):
        return {**super().get_config(), "num_heads": self.num_heads, "forget_gate": self.forget_gate, "eps": self.eps}
