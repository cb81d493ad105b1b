"""The scan runner (fast="scan") for cells whose gates do not read h(t-1): minGRU, minLSTM.

Such a cell's whole sequence is the linear recurrence h_t = a_t ⊙ h_{t-1} + b_t, with a_t, b_t > 0
known for every step before any state is (`cell.coefficients`, `cell.log_coefficients`): the input
projection, the gates and the candidate of all steps are computed at once, batched over time. What
remains is solved by one of three methods:

"heinsen"  the parallel scan in log space (Heinsen 2023), every t at once with two prefix operations:
               A_t = Σ_{s<=t} log a_s                                   (cumsum)
               h_t = exp(A_t) ⊙ h_0 + exp(A_t + logcumsumexp_{s<=t}(log b_s - A_s))
           h_0 stays outside the logs, so an initial state of any sign (zero by default) is exact. In
           float32, A_t grows with t and the last line subtracts two large numbers (at |A_t| ~ 4000 a
           float32 ulp is ~5e-4, h_t's relative error): the sequence is scanned in chunks of `CHUNK`
           steps, all chunks at once, the state carried from chunk to chunk by the same formula (one
           small step per chunk). Torch ops, differentiated by autograd. The method for parallel
           hardware (untimed there so far: the machines measured are CPUs).
"linear"   the recurrence in one pass over time: per step ONE fused multiply-add on (B, H)
           (`torch.addcmul`), and its hand-derived backward, the adjoint recurrence
               λ_t = dL/dh_t + a_{t+1} ⊙ λ_{t+1},   dL/db_t = λ_t,   dL/da_t = λ_t ⊙ h_{t-1}
           in one pass back, then dL/dxp from the cell's `coefficients_backward`. Time runs in blocks
           of about 128k numbers per (steps, B, H) tensor: each block's gates are computed batched
           over its steps while they sit in cache (backward recomputes them from xp, keeping a_t);
           (T, B, H)-sized temporaries would stream through memory several times over, which costs
           more than the sequential form on a CPU. There the B·H lanes of one step already fill the
           vector units, and torch's `logcumsumexp` (and still more its backward) is far slower than
           this pass (benchmarks/RESULTS.md, "minGRU and minLSTM"), so on the CPU "auto" takes it, compiled.

"compiled" the linear method as two passes of compiled C++ (`csrc/minimal.cpp`, minGRU and minLSTM in
           float32 and float64 on the CPU): forward one pass over xp writing h only, backward one pass
           back writing dL/dxp only, every a_t, b_t and gate derivative computed in registers from xp
           as the pass reaches it: no (steps, B, H) temporaries at all.

`run_scan` uses `default_method`: "compiled" where it serves the cell (`compiled_unsupported`), else
"linear" on the CPU, "heinsen" elsewhere; all three are tested equal to the cell's sequential step
(`fast="loop"`/"fused") and to the NumPy oracle. A single step (T = 1: generation) is the cell's
sequential step itself.

Padding (the runners' contract, `rnnkit.engine.contract`): the recurrence runs over every step; a
row's outputs past its length are zeroed and its final state is h at its last real step, which no
padded step can reach (the recurrence is causal). Rows with length 0 output zeros and keep their state.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from ..cells.base import RecurrentCell, State
from ..cells.min import MinGRUCell, MinLSTMCell
from . import kernels
from .masks import NO_MASKS, Masks, alive_masks

METHODS = ("heinsen", "linear", "compiled")
SCAN_CONTRACT = ("coefficients", "coefficients_backward", "log_coefficients")  # `rnnkit.cells.min.MinimalCell`
CHUNK = 64  # steps of one Heinsen scan; the carry between chunks is one step per chunk
BLOCK_ELEMENTS = 1 << 17  # numbers per (steps, B, H) tensor in one block of the linear method


def default_method(cell: RecurrentCell, device: torch.device) -> str:
    """"compiled" where it serves the cell, else "linear" on the CPU (one fused multiply-add per step beats
    torch's logcumsumexp there), else "heinsen"."""
    if device.type != "cpu":
        return "heinsen"
    return "linear" if compiled_unsupported(cell) else "compiled"


def compiled_unsupported(cell: RecurrentCell) -> str | None:
    """Why the "compiled" method cannot run this cell, or None when it can."""
    if type(cell) not in (MinGRUCell, MinLSTMCell):  # exact class: a subclass may change the math
        return f"the compiled scan serves MinGRUCell and MinLSTMCell, not {type(cell).__name__}"
    w = cell.weight_ih
    if w.device.type != "cpu" or w.dtype not in (torch.float32, torch.float64):
        return f"the compiled scan runs float32 and float64 on the CPU, not {w.dtype} on {w.device.type}"
    if not kernels.available():
        return f"the compiled kernels are not available ({kernels.unavailable_reason()})"
    return None


def unsupported(cell: RecurrentCell, masks: Masks = NO_MASKS) -> str | None:
    """Why the scan cannot run this cell with exactly its math, or None when it can."""
    if not all(hasattr(cell, name) for name in SCAN_CONTRACT):
        return f"{type(cell).__name__}'s gates read h(t-1): it has no scan"
    if masks.recurrent is not None or masks.zoneout is not None or masks.weight is not None:
        return "the scan runs no recurrent dropout, zoneout or weight drop"
    return None


# ---- Heinsen's parallel scan in log space ------------------------------------------------------------
def scan_log(log_a: Tensor, log_b: Tensor, h0: Tensor, chunk: int = CHUNK) -> Tensor:
    """h_t = a_t ⊙ h_{t-1} + b_t for t = 1..T from h0 (B, H); log_a, log_b (T, B, H); returns h (T, B, H)."""
    T = log_a.shape[0]
    L = min(chunk, T)
    C = -(-T // L)  # chunks
    pad = C * L - T
    if pad:  # a_t = 1, b_t = 0 (a very negative log) past the end: the state just stays
        log_a = F.pad(log_a, (0, 0, 0, 0, 0, pad))
        log_b = F.pad(log_b, (0, 0, 0, 0, 0, pad), value=torch.finfo(log_b.dtype).min / 4)
    log_a = log_a.reshape(C, L, *log_a.shape[1:])  # (C, L, B, H)
    log_b = log_b.reshape(C, L, *log_b.shape[1:])
    A = log_a.cumsum(1)  # (C, L, B, H): log of the a_s' product from the chunk's start to t
    local = torch.exp(A + torch.logcumsumexp(log_b - A, 1))  # (C, L, B, H): each chunk from a zero state
    decay = torch.exp(A)  # (C, L, B, H): what the chunk's starting state is multiplied by
    starts = [h0]
    for c in range(C - 1):  # the state at each chunk's start: one step per chunk
        starts.append(local[c, -1] + decay[c, -1] * starts[-1])
    h = local + decay * torch.stack(starts).unsqueeze(1)  # (C, L, B, H)
    return h.reshape(C * L, *h.shape[2:])[:T]  # (T, B, H)


# ---- the same recurrence in one pass over time, in blocks that stay in cache ------------------------
def block_steps(batch: int, hidden: int) -> int:
    """Steps per block: about BLOCK_ELEMENTS numbers per (steps, B, H) tensor, so a block's gate math
    runs in the CPU's cache rather than streaming (T, B, H) temporaries through memory."""
    return max(1, BLOCK_ELEMENTS // max(1, batch * hidden))


class _BlockedRecurrence(torch.autograd.Function):
    """xp (T, B, G*H), h0 (B, H) -> h (T, B, H); the gradient of xp and h0 written out."""

    @staticmethod
    def forward(ctx, cell, xp, h0):
        T, B, H = xp.shape[0], h0.shape[0], h0.shape[1]
        K = block_steps(B, H)
        h, decay = xp.new_empty(T, B, H), xp.new_empty(T, B, H)  # h_t and a_t (kept for backward)
        prev = h0
        for s in range(0, T, K):
            a, b = cell.coefficients(xp[s:s + K])  # (K, B, H) each
            decay[s:s + K] = a
            for k in range(a.shape[0]):
                prev = torch.addcmul(b[k], a[k], prev, out=h[s + k])  # h_t = b_t + a_t ⊙ h_{t-1}
        ctx.cell = cell
        ctx.save_for_backward(xp, h, h0, decay)
        return h

    @staticmethod
    def backward(ctx, grad_h):
        cell = ctx.cell
        xp, h, h0, decay = ctx.saved_tensors
        T, B, H = h.shape
        K = block_steps(B, H)
        grad_xp = torch.empty_like(xp)  # (T, B, G*H)
        lam_next = a_next = None  # λ_{t+1} and a_{t+1} across a block boundary
        for s in reversed(range(0, T, K)):
            e = min(s + K, T)
            a = decay[s:e]  # (K, B, H)
            lam = torch.empty_like(grad_h[s:e])  # (K, B, H): λ_t = dL/dh_t through every later step
            for k in range(e - s - 1, -1, -1):
                if lam_next is None:
                    lam[k].copy_(grad_h[s + k])
                else:  # λ_t = g_t + a_{t+1} ⊙ λ_{t+1}
                    torch.addcmul(grad_h[s + k], a_next, lam_next, out=lam[k])
                lam_next, a_next = lam[k], a[k]
            h_prev = torch.cat((h0.unsqueeze(0) if s == 0 else h[s - 1:s], h[s:e - 1]))  # (K, B, H)
            grad_xp[s:e] = cell.coefficients_backward(xp[s:e], lam * h_prev, lam)  # dL/da = λ ⊙ h_{t-1}, dL/db = λ
        return None, grad_xp, a_next * lam_next  # dL/dh0 = a_1 ⊙ λ_1


def scan_blocked(cell: RecurrentCell, xp: Tensor, h0: Tensor) -> Tensor:
    """h (T, B, H) of the cell's recurrence from its input projection xp (T, B, G*H) and h0 (B, H)."""
    return _BlockedRecurrence.apply(cell, xp.contiguous(), h0.contiguous())


# ---- the same pass in compiled C++ ---------------------------------------------------------------------
class _CompiledRecurrence(torch.autograd.Function):
    """xp (T, B, G*H), h0 (B, H) -> h (T, B, H) by `csrc/minimal.cpp`; backward by its reverse pass."""

    @staticmethod
    def forward(ctx, lstm, xp, h0):
        h = kernels.load().min_scan_forward(xp, h0, lstm)
        ctx.lstm = lstm
        ctx.save_for_backward(xp, h0, h)
        return h

    @staticmethod
    def backward(ctx, grad_h):
        xp, h0, h = ctx.saved_tensors
        grad_xp, grad_h0 = kernels.load().min_scan_backward(xp, h0, h, grad_h.contiguous(), ctx.lstm)
        return None, grad_xp, grad_h0


def scan_compiled(cell: RecurrentCell, xp: Tensor, h0: Tensor) -> Tensor:
    """`scan_blocked`'s h by the compiled passes; the caller has checked `compiled_unsupported(cell)`."""
    return _CompiledRecurrence.apply(isinstance(cell, MinLSTMCell), xp.contiguous(), h0.contiguous())


# ---- the runner ----------------------------------------------------------------------------------------
def run_scan(cell: RecurrentCell, x: Tensor, state: State, lengths: Tensor | None = None,
             masks: Masks = NO_MASKS, method: str | None = None) -> tuple[Tensor, State]:
    """The runners' contract (`rnnkit.engine.contract`) by a scan over all steps; `method` in METHODS
    (None: `default_method` for x's device)."""
    reason = unsupported(cell, masks)
    if reason:
        raise ValueError(f"fast='scan' cannot run this configuration: {reason}")
    return run_planned(cell, x, state, lengths, masks, method)


def run_planned(cell: RecurrentCell, x: Tensor, state: State, lengths: Tensor | None = None,
                masks: Masks = NO_MASKS, method: str | None = None) -> tuple[Tensor, State]:
    """`run_scan` without its support check, for the dispatcher, whose plan has just made it."""
    method = method or default_method(cell, x.device)
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if method == "compiled" and compiled_unsupported(cell):
        raise ValueError(f"method='compiled' cannot run this cell: {compiled_unsupported(cell)}")
    (h0,) = state  # (B, H)
    xp = cell.project_input(x)  # (T, B, G*H): one matmul for every step
    if x.shape[0] == 1:  # one step (generation): the sequential form
        (h,), _ = cell.step(xp[0], state)
        h = h.unsqueeze(0)  # (1, B, H)
    elif method == "heinsen":
        h = scan_log(*cell.log_coefficients(xp), h0)  # (T, B, H)
    elif method == "compiled":
        h = scan_compiled(cell, xp, h0)  # (T, B, H)
    else:
        h = scan_blocked(cell, xp, h0)  # (T, B, H)
    if lengths is None:
        return h, (h[-1],)
    lengths = lengths.to(x.device)
    out = h * alive_masks(lengths, x.shape[0], h)  # (T, B, H): zeros past each row's end
    last = (lengths - 1).clamp(min=0).view(1, -1, 1).expand(1, *h.shape[1:])  # (1, B, H): the last real step
    final = torch.where((lengths > 0).view(-1, 1), h.gather(0, last)[0], h0)  # (B, H)
    return out, (final,)
