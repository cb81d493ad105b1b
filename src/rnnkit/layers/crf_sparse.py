"""The linear-chain CRF's forward algorithm and Viterbi over a SPARSE transition set: E allowed edges
e = (src_e -> dst_e) in place of the dense (K, K) matrix, so a step costs O(B (K + E)) instead of
O(B K^2). With 1,000 tags of which each follows only a few dozen, that is the difference between a
tagger that trains at a few sentences per second and one that trains as fast as its softmax.

The recursions are those of `crf.py`, the sum over predecessors running over the edges only. The
forward algorithm is the scaled one of HMMs (Rabiner 1989, sec. V.A) in float64: with
m_t = max_i α_{t-1}(i) and M the sparse matrix of exp(A_e),

    α_t = x_t + m_t + log(M^T exp(α_{t-1} - m_t))                       (forward, one sparse matmul)
    β_{t-1} = m'_t + log(M exp(x_t + β_t - m'_t)),   β_n = η,  m'_t = max_j (x_t + β_t)(j)   (backward)

(float64 keeps states up to 745 nats below the step's best exactly; a float32 exp would drop them
past 87.) `SparseLogPartition` is one `torch.autograd.Function`: its forward keeps the (T, B, K) α's,
its backward runs the β recursion and writes the gradients as marginals (Lafferty et al. 2001):
∂log Z/∂x_t(j) = p(y_t = j), ∂log Z/∂A_e = Σ_t p(y_{t-1} = src_e, y_t = dst_e) (one sampled
matrix product over all steps, `torch.sparse.sampled_addmm`), ∂/∂π = p(y_1), ∂/∂η = p(y_n).
Padded steps (mask False, at the end) carry α forward and β backward unchanged, as in `crf.py`.
A tag no edge enters is unreachable after the first step: its α is -inf (exp(-inf) = 0, no NaN).

Viterbi (`sparse_viterbi_step`) needs a max, not a sum, so it gathers each edge's score and reduces
them per target tag with a scatter: states laid out (K, B) so every gather and scatter moves rows.
"""
from __future__ import annotations

import warnings

import torch
from torch import Tensor


def csr(rows: Tensor, cols: Tensor, values: Tensor, size: int) -> Tensor:
    """The (size, size) CSR matrix with `values` at (rows, cols); rows must be sorted."""
    crow = torch.zeros(size + 1, dtype=torch.long, device=rows.device)
    crow[1:] = torch.bincount(rows, minlength=size).cumsum(0)
    with warnings.catch_warnings():  # "sparse CSR support is in beta": the ops used here are not
        warnings.simplefilter("ignore", UserWarning)
        return torch.sparse_csr_tensor(crow, cols, values, (size, size), check_invariants=False)


def scaled(log_states: Tensor) -> tuple[Tensor, Tensor]:
    """(exp(log_states - top), top): each column (K, B) scaled by its max top (B,), a -inf max kept finite."""
    top = log_states.amax(0).clamp(min=-1e300)  # (B,)
    return (log_states - top).exp(), top


class SparseLogPartition(torch.autograd.Function):
    """(B,) log Z(x) over the edges (src, dst) (sorted by src, then dst) with scores `edge` (E,)."""

    @staticmethod
    def forward(ctx, emissions: Tensor, mask: Tensor, edge: Tensor, start: Tensor, end: Tensor,
                src: Tensor, dst: Tensor) -> Tensor:
        B, T, K = emissions.shape
        x = emissions.detach().double().permute(1, 2, 0)  # (T, K, B)
        weights = edge.detach().double().exp()  # (E,)
        by_dst = torch.argsort(dst * K + src)
        into = csr(dst[by_dst], src[by_dst], weights[by_dst], K)  # M^T: row j sums the edges into j
        alphas = x.new_empty(T, K, B)
        before = x.new_empty(K, max(T - 1, 0), B)  # exp(α_{t-1} - c_t): the backward's pair marginals need it
        tops = x.new_empty(max(T - 1, 0), B)  # c_t
        alpha = start.detach().double()[:, None] + x[0]  # (K, B)
        alphas[0] = alpha
        full = mask.all(0).tolist()  # (T,) steps where no row is padded: no torch.where needed
        for t in range(1, T):
            p, tops[t - 1] = scaled(alpha)
            before[:, t - 1] = p
            step = (into @ p).log() + tops[t - 1] + x[t]  # (K, B)
            alpha = step if full[t] else torch.where(mask[None, :, t], step, alpha)
            alphas[t] = alpha
        log_z = torch.logsumexp(alpha + end.detach().double()[:, None], dim=0)  # (B,)
        ctx.save_for_backward(x, mask, weights, end, src, dst, alphas, before, tops, log_z)
        ctx.dtypes = (emissions.dtype, edge.dtype)
        return log_z.to(emissions.dtype)

    @staticmethod
    def backward(ctx, grad: Tensor):
        x, mask, weights, end, src, dst, alphas, before, tops, log_z = ctx.saved_tensors
        T, K, B = x.shape
        g, shift = grad.double()[None], log_z[None]  # (1, B)
        out_of = csr(src, dst, weights, K)  # M: row i sums the edges out of i
        end64 = end.detach().double()[:, None]  # (K, 1)
        grad_end = ((alphas[-1] + end64 - shift).exp() * g).sum(1)  # p(y_n = j)
        grad_x = torch.empty_like(x)  # (T, K, B)
        after = x.new_empty(K, max(T - 1, 0), B)  # exp(x_t + β_t - d_t)
        scales = x.new_empty(max(T - 1, 0), B)  # g exp(c_t + d_t - log Z), 0 at padded steps
        beta = end64.expand(K, B)
        full = mask.all(0).tolist()
        for t in range(T - 1, 0, -1):
            node = (alphas[t] + beta - shift).exp() * g  # (K, B) p(y_t = j)
            grad_x[t] = node if full[t] else torch.where(mask[None, :, t], node, 0.0)
            q, d = scaled(x[t] + beta)  # (K, B), (B,)
            after[:, t - 1] = q
            scales[t - 1] = torch.where(mask[:, t], g[0] * (tops[t - 1] + d - log_z).exp(), 0.0)
            step = (out_of @ q).log() + d  # (K, B)
            beta = step if full[t] else torch.where(mask[None, :, t], step, beta)
        grad_x[0] = (alphas[0] + beta - shift).exp() * g  # p(y_1 = j)
        pairs = torch.zeros_like(weights)
        if T > 1:  # (E,) Σ_{t,b} before[src] scale after[dst], only at the edges
            pattern = csr(src, dst, torch.ones_like(weights), K)
            pairs = torch.sparse.sampled_addmm(pattern, (before * scales).reshape(K, -1), after.reshape(K, -1).T,
                                               beta=0.0).values()
        emissions_dtype, edge_dtype = ctx.dtypes
        return (grad_x.permute(2, 0, 1).to(emissions_dtype), None, (pairs * weights).to(edge_dtype),
                grad_x[0].sum(1).to(edge_dtype), grad_end.to(edge_dtype), None, None)


def in_buckets(src: Tensor, dst: Tensor, size: int) -> list[tuple[Tensor, Tensor, Tensor]]:
    """The edges grouped by target tag, targets of similar in-degree together: per group (targets (n,),
    sources (n, D), edge ids (n, D)), rows padded to the group's largest in-degree D (a power of two, so
    at most twice the work) with source `size` (a dead state) and edge id E (a -inf score). The last
    group, (all K targets, sources (K, D_max), edge ids (K, D_max)), is every target's row at full width
    (the walk back reads one row per sentence from it)."""
    E = len(src)
    degree = torch.bincount(dst, minlength=size)
    order = torch.argsort(dst * size + src)  # edges by target, then source
    first = torch.zeros(size + 1, dtype=torch.long)
    first[1:] = degree.cumsum(0)

    def rows(targets: Tensor, width: int) -> tuple[Tensor, Tensor, Tensor]:
        slot = torch.arange(width)[None, :]  # (1, D)
        real = slot < degree[targets, None]  # (n, D)
        ids = torch.where(real, order[(first[targets, None] + slot).clamp(max=E - 1)], E)  # (n, D)
        return targets, torch.where(real, src[ids.clamp(max=E - 1)], size), ids

    width = torch.where(degree > 0, 2 ** torch.ceil(torch.log2(degree.clamp(min=1).double())).long(), 0)
    groups = [rows((width == w).nonzero().squeeze(1), w) for w in width.unique().tolist() if w > 0]
    return groups + [rows(torch.arange(size), max(1, int(degree.max())))]


def sparse_viterbi(emissions: Tensor, mask: Tensor, edge: Tensor, start: Tensor,
                   groups: list[tuple[Tensor, Tensor, Tensor]]):
    """(final scores (B, K), previous) of Viterbi over the edges (`in_buckets`), where previous(t, tags)
    (B,) -> (B,) is the best tag at t-1 given `tags` at t, as `CRF.decode` walks back. The forward pass
    keeps only each step's scores (a max per target over its in-edges); the walk back finds the argmax
    of the one row per sentence it follows (the lowest source among ties, as a dense argmax), so no
    (K, B) back pointers are made. States are laid out (K, B) so that every gather moves whole rows."""
    B, T, K = emissions.shape
    edge = torch.cat((edge, edge.new_full((1,), float("-inf"))))  # (E + 1,): the padding's score
    *buckets, (_, every_source, every_id) = groups
    buckets = [(targets, sources.shape, sources.reshape(-1), edge[ids][..., None]) for targets, sources, ids in buckets]
    every_score = edge[every_id]  # (K, D_max)
    score = torch.cat(((start + emissions[:, 0]).T, emissions.new_full((1, B), float("-inf"))))  # (K + 1, B)
    xs = emissions.transpose(1, 2)  # (B, K, T)
    scores = []  # scores[t-1]: the (K + 1, B) scores at step t-1
    for t in range(1, T):
        scores.append(score)
        best = emissions.new_full((K + 1, B), float("-inf"))
        for targets, shape, flat, weights in buckets:
            best[targets] = (score.index_select(0, flat).view(*shape, B) + weights).amax(1)  # (n, B)
        best[:K] += xs[:, :, t].T
        score = torch.where(mask[None, :, t], best, score) if not bool(mask[:, t].all()) else best
    rows = torch.arange(B, device=emissions.device)[:, None]

    def previous(t: int, tags: Tensor) -> Tensor:
        sources = every_source[tags]  # (B, D_max)
        values = scores[t - 1][sources, rows] + every_score[tags]  # (B, D_max)
        return sources.gather(1, values.argmax(1, keepdim=True)).squeeze(1).masked_fill_(values.amax(1) == float("-inf"), 0)

    return score[:K].T, previous
