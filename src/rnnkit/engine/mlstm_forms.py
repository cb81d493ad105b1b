"""The mLSTM over a whole sequence at once (parallel form) or chunk by chunk (chunkwise form).

Beck et al. 2024 (xLSTM), appendix "mLSTM parallel form": no mLSTM gate reads h_{t-1}, so the
recurrence C_t = f'_t C_{t-1} + i'_t v_t k_t^T unrolls into a weighted causal sum. With
F_t = Σ_{s<=t} log f_s (cumulative log forget gates) and the log weight of step j seen from step t

    log D_tj = F_t - F_j + ĩ_j   (j <= t; -∞ above the diagonal)
    log D_t0 = F_t + m_0         (the initial memory C_0, n_0; -∞ for the zero state)
    m_t  = max_j log D_tj                                    the stabiliser, the recurrent form's m_t
    h̃_t = Σ_j e^{log D_tj - m_t} (q_t·k_j) v_j / (max(|Σ_j e^{log D_tj - m_t} q_t·k_j|, e^{-m_t}) + eps)

(terms of j = 0 read q_t C_0^T and q_t·n_0), which is masked matrix products over (T, T): training's
form. F_t cancels in every stabilised weight: with g_j = ĩ_j - F_j and m'_t = max(max_{j<=t} g_j, m_0)
(a running maximum), m_t = F_t + m'_t and e^{log D_tj - m_t} = e^{g_j - m'_t}, so the (T, T) matrix is
the exponential of a difference of two vectors and the stabiliser needs no (T, T) reduction. The chunkwise form runs the parallel form over chunks of `chunk_size` steps and carries the
state (C, n, m) between them: (T/L)·L² memory instead of T², for long sequences. The cell's recurrent
form (`rnnkit.cells.mlstm`, one step, for generation) is the third; all three are tested equal.
Gradients are autograd's (every operation here is a large matmul or elementwise over the sequence).
"""
from __future__ import annotations

import math

import torch
from torch import Tensor

from ..cells.mlstm import MLSTMCell
from ..cells.base import State

FORMS = ("parallel", "chunkwise", "recurrent")


def parallel_form(q: Tensor, k: Tensor, v: Tensor, a_i: Tensor, log_f: Tensor, state: tuple[Tensor, Tensor, Tensor],
                  counts: Tensor | None, eps: float) -> tuple[Tensor, tuple[Tensor, Tensor, Tensor] | None]:
    """h̃ for every step and the state after `counts` (B,) steps (each >= 1; None: the state is not wanted).

    q, k (already scaled by 1/√d), v: (B, K, T, d); a_i = ĩ, log_f: (B, K, T);
    state = (C_0 (B, K, d, d) [value unit, key unit], n_0 (B, K, d), m_0 (B, K)).
    """
    C0, n0, m0 = state
    T = q.shape[2]
    empty = (n0 == 0).all(-1)  # (B, K): the zero state, nothing to weigh
    m0 = m0.masked_fill(empty, -math.inf)
    carry = torch.compiler.is_exporting() or not bool(empty.all())  # else skip the initial state's terms
    F = log_f.cumsum(-1)  # (B, K, T)
    g = a_i - F  # (B, K, T)
    m_run = running_max(g)  # m'_t  (B, K, T)
    if carry:
        m_run = torch.maximum(m_run, m0.unsqueeze(-1))
    causal = torch.ones(T, T, dtype=torch.bool, device=q.device).tril()
    D = (g.unsqueeze(-2) - m_run.unsqueeze(-1)).masked_fill_(~causal, -math.inf).exp_()  # (B, K, T, T) decay weights
    qk = q @ k.transpose(-1, -2)  # (B, K, T, T)
    S = qk.mul_(D) if not torch.is_grad_enabled() else qk * D  # in place where nothing is kept for backward
    num = S @ v  # (B, K, T, d)
    qn = S.sum(-1)  # (B, K, T)
    if carry:
        w0 = torch.exp(m0.unsqueeze(-1) - m_run)  # (B, K, T) weight of the initial memory
        num = num + w0.unsqueeze(-1) * (q @ C0.transpose(-1, -2))
        qn = qn + w0 * (q @ n0.unsqueeze(-1)).squeeze(-1)
    h_tilde = num / (torch.maximum(qn.abs(), torch.exp(-F - m_run)) + eps).unsqueeze(-1)  # e^{-m_t}
    return h_tilde, None if counts is None else final_state(k, v, g, F, m_run, (C0, n0, m0), counts)


def running_max(g: Tensor) -> Tensor:
    """max_{j<=t} g_j along the last axis: `cummax`, or, while torch.onnx exports (ONNX has no cumulative
    maximum), the maximum of each row of the causally masked (T, T) matrix, which the form builds anyway."""
    if not torch.compiler.is_exporting():
        return g.cummax(-1).values
    T = g.shape[-1]
    causal = torch.ones(T, T, dtype=torch.bool, device=g.device).tril()
    return g.unsqueeze(-2).masked_fill(~causal, -math.inf).amax(-1)  # (..., T)


def final_state(k: Tensor, v: Tensor, g: Tensor, F: Tensor, m_run: Tensor, state: tuple[Tensor, Tensor, Tensor],
                counts: Tensor):
    """(C, n, m) after counts[b] steps: the row t = counts - 1 of the weights above, summed into the memory."""
    C0, n0, m0 = state  # m0 already -inf for the zero state
    T = k.shape[2]
    last = (counts - 1).view(-1, 1, 1).expand(-1, F.shape[1], 1)  # (B, K, 1)
    m_last = m_run.gather(-1, last)  # (B, K, 1)
    seen = torch.arange(T, device=k.device).view(1, 1, T) < counts.view(-1, 1, 1)  # (B, 1, T)
    e = (g - m_last).masked_fill(~seen, -math.inf).exp()  # (B, K, T)
    s0 = torch.exp(m0 - m_last.squeeze(-1))  # (B, K)
    C = (v * e.unsqueeze(-1)).transpose(-1, -2) @ k + s0[..., None, None] * C0  # (B, K, d, d)
    n = (k * e.unsqueeze(-1)).sum(-2) + s0.unsqueeze(-1) * n0  # (B, K, d)
    return C, n, (F.gather(-1, last) + m_last).squeeze(-1)


def chunkwise_form(q, k, v, a_i, log_f, state, counts: Tensor, eps: float, chunk_size: int, need_state: bool = True):
    """The parallel form over chunks of `chunk_size` steps, the state carried between them."""
    T = q.shape[2]
    chunks = zip(*(t.split(chunk_size, 2) for t in (q, k, v, a_i, log_f)))  # one split: backward is one cat
    outputs = []
    for start, parts in zip(range(0, T, chunk_size), chunks):
        last = start + chunk_size >= T
        steps = (counts - start).clamp(0, min(chunk_size, T - start))  # (B,) real steps in this chunk
        h, new = parallel_form(*parts, state, None if last and not need_state else steps.clamp(min=1), eps)
        outputs.append(h)
        if new is not None:
            done = (steps == 0).view(-1, 1)  # rows whose sequence ended before this chunk keep their state
            state = tuple(torch.where(done.view(-1, *[1] * (s.dim() - 1)), s, n) for s, n in zip(state, new))
    return torch.cat(outputs, 2), state


def run_mlstm(cell: MLSTMCell, x: Tensor, state: State, lengths: Tensor | None = None, form: str = "parallel",
              chunk_size: int = 64, need_state: bool = True) -> tuple[Tensor, State]:
    """The runner contract (`rnnkit.engine.contract`) for an mLSTM cell in its parallel or chunkwise form:
    x (T, B, I) from `state` -> outputs (T, B, H) (zeros past each length) and the final state.
    need_state=False skips computing the final memory (C, n, m), whose matmuls cost about as much as the
    initial state's: the returned state then holds the final h_t and the initial C, n, m."""
    T, B = x.shape[0], x.shape[1]
    K, d, H = cell.num_heads, cell.head_size, cell.hidden_size
    q, k, v, a_i, a_f, a_o = cell.split_projection(cell.project_input(x))  # (T, B, K, d) x3, (T, B, K) x2, (T, B, H)
    heads = [t.permute(1, 2, 0, 3) for t in (q, k, v)]  # (B, K, T, d)
    gates = [a_i.permute(1, 2, 0), cell.log_forget(a_f).permute(1, 2, 0)]  # (B, K, T)
    memory = (state[1].view(B, K, d, d), state[2].view(B, K, d), state[3])
    counts = torch.full((B,), T, device=x.device) if lengths is None else lengths.to(x.device).long()
    if form == "parallel":
        h_tilde, final = parallel_form(*heads, *gates, memory, counts if need_state else None, cell.eps)
    elif form == "chunkwise":
        h_tilde, final = chunkwise_form(*heads, *gates, memory, counts, cell.eps, chunk_size, need_state)
    else:
        raise ValueError(f"form must be 'parallel' or 'chunkwise' here (the recurrent form is the cell's step), got {form!r}")
    out = torch.sigmoid(a_o) * h_tilde.permute(2, 0, 1, 3).reshape(T, B, H)  # (T, B, H)
    if lengths is not None:
        alive = torch.arange(T, device=x.device).view(T, 1) < counts.view(1, B)  # (T, B)
        out = out * alive.unsqueeze(-1).to(out.dtype)
    h_last = out.gather(0, (counts - 1).view(1, B, 1).expand(1, B, H)).squeeze(0)  # (B, H)
    C, n, m = final if need_state else memory
    return out, (h_last, C.reshape(B, -1), n.reshape(B, -1), m)
