"""xLSTM's exponential gating with its stabiliser state, shared by the sLSTM and mLSTM cells.

Beck et al. 2024, eqs. (15)-(17): with log f_t = log σ(f̃_t) (or f̃_t for an exponential forget gate),

    m_t  = max(log f_t + m_{t-1}, ĩ_t)
    i'_t = exp(ĩ_t - m_t)                      f'_t = exp(log f_t + m_{t-1} - m_t)

so the stored states are the unstabilised ones times e^{-m_t} and no exp() overflows. Where nothing is
stored yet (`fresh`: the zero state) m_{t-1} reads as -∞: m_t = ĩ_t, i'_t = 1, f'_t = 0.
"""
from __future__ import annotations

import math

import torch
from torch import Tensor, nn

FORGET_GATES = ("sigmoid", "exp")


def log_forget(a_f: Tensor, forget_gate: str) -> Tensor:
    """log f_t from the pre-activation: log σ(f̃_t) ("sigmoid") or f̃_t ("exp")."""
    return nn.functional.logsigmoid(a_f) if forget_gate == "sigmoid" else a_f


def stabilised_gates(a_i: Tensor, a_f: Tensor, m_prev: Tensor, fresh: Tensor, forget_gate: str):
    """(m_t, i'_t, f'_t, forget_wins): forget_wins marks where log f_t + m_{t-1} is the maximum."""
    carried = (log_forget(a_f, forget_gate) + m_prev).masked_fill(fresh, -math.inf)  # log f_t + m_{t-1}
    m = torch.maximum(carried, a_i)
    return m, torch.exp(a_i - m), torch.exp(carried - m), carried >= a_i


def stabilised_gates_backward(di: Tensor, df: Tensor, dm: Tensor, i: Tensor, f: Tensor, a_f: Tensor,
                              forget_wins: Tensor, fresh: Tensor, forget_gate: str):
    """From dLoss/d i'_t, d f'_t and d m_t (the state's own gradient): (dLoss/dĩ_t, dLoss/df̃_t, dLoss/dm_{t-1})."""
    u_i, u_f = di * i, df * f  # each exp() passes its value times its gradient to its argument
    dm = dm - u_i - u_f  # both arguments subtract m_t
    d_carried = (u_f + torch.where(forget_wins, dm, 0.0)).masked_fill(fresh, 0.0)  # carried is -inf where fresh
    da_i = u_i + torch.where(forget_wins, 0.0, dm)
    da_f = d_carried * torch.sigmoid(-a_f) if forget_gate == "sigmoid" else d_carried  # d log σ(a)/da = σ(-a)
    return da_i, da_f, d_carried
