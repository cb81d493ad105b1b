"""A linear mixture of language models, p(w) = sum_k lambda_k p_k(w), its weights fitted on validation
tokens by expectation-maximisation (the classic way to interpolate language models, e.g. Jelinek &
Mercer 1980; SRILM's compute-best-mix): each step, lambda_k <- mean over tokens of the share of token
t's probability that component k gave. The likelihood never falls from one step to the next, and a
component that does not help is weighted near 0, so mixing in the n-gram or the cache costs nothing
where they do not win. The first component (the model) keeps every token's probability above 0.

The weights can also depend on a context the blend sees at every token, its group (`fit_grouped`: the
length of the match model's match, `match`), as PAQ's mixers select their weight set by context: a copy
of a 64-character match is trusted far more than one of 2 characters. Each group's weights are fitted by
EM on its own tokens, drawn toward the weights of all tokens by PRIOR_TOKENS pseudo-tokens (a Dirichlet
prior: a group seen only a few times on validation stays near the global weights).
"""
from __future__ import annotations

import torch

STEPS = 100
PRIOR_TOKENS = 5.0
"""Weight of the global weights in a group's fit, in tokens: enough to keep a group of a handful of
validation tokens from weights of 0 and 1. (Its strength cannot be chosen on the validation tokens the
weights are fitted on, where none always wins; benchmarks/TASKS.md, "The match model", has 0, 5 and 50.)"""


def mixture_nats(log_probs: torch.Tensor, weights: torch.Tensor, groups: torch.Tensor | None = None) -> float:
    """Mean -ln sum_k w_k p_k(token) over tokens; `log_probs` (K, N) holds ln p_k of each token, `weights`
    is (K,), or (G, K) with `groups` (N,) naming each token's row."""
    per_token = weights.double() if groups is None else weights.double()[groups].T  # (K,) or (K, N)
    log_w = per_token.clamp_min(1e-300).log()
    mixed = torch.logsumexp(log_probs.double() + (log_w[:, None] if groups is None else log_w), 0)
    return float(-mixed.mean())


def fit_weights(log_probs: torch.Tensor, steps: int = STEPS, prior: torch.Tensor | None = None,
                prior_tokens: float = 0.0) -> torch.Tensor:
    """(K,) weights summing to 1 that maximise the likelihood of the (validation) tokens; see the module.
    With `prior`, the maximum a posteriori weights under `prior_tokens` pseudo-tokens shared as `prior`."""
    logp = log_probs.double()
    uniform = torch.full((logp.shape[0],), 1.0 / logp.shape[0], dtype=torch.float64)
    weights = uniform if prior is None else prior.double()
    pseudo, pseudo_total = (0.0, 0.0) if prior is None else (prior.double() * prior_tokens, prior_tokens)
    for _ in range(steps):
        joint = logp + weights.clamp_min(1e-300).log()[:, None]  # (K, N)
        share = (joint - torch.logsumexp(joint, 0)).exp()  # (K, N) posterior of each component
        weights = (share.sum(1) + pseudo) / (logp.shape[1] + pseudo_total)
    return weights


def fit_grouped(log_probs: torch.Tensor, groups: torch.Tensor, n_groups: int, steps: int = STEPS) -> torch.Tensor:
    """(n_groups, K) weights, one set per group of tokens (`groups` (N,) in [0, n_groups)), each fitted on its
    tokens with the weights of all tokens as a prior of PRIOR_TOKENS; a group without tokens gets the latter."""
    overall = fit_weights(log_probs, steps)
    return torch.stack([fit_weights(log_probs[:, groups == g], steps, overall, PRIOR_TOKENS) if (groups == g).any()
                        else overall for g in range(n_groups)])
