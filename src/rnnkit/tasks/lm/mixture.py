"""A linear mixture of language models, p(w) = sum_k lambda_k p_k(w), its weights fitted on validation
tokens by expectation-maximisation (the classic way to interpolate language models, e.g. Jelinek &
Mercer 1980; SRILM's compute-best-mix): each step, lambda_k <- mean over tokens of the share of token
t's probability that component k gave. The likelihood never falls from one step to the next, and a
component that does not help is weighted near 0, so mixing in the n-gram or the cache costs nothing
where they do not win. The first component (the model) keeps every token's probability above 0."""
from __future__ import annotations

import torch

STEPS = 100


def mixture_nats(log_probs: torch.Tensor, weights: torch.Tensor) -> float:
    """Mean -ln sum_k w_k p_k(token) over tokens; `log_probs` (K, N) holds ln p_k of each token."""
    mixed = torch.logsumexp(log_probs.double() + weights.double().clamp_min(1e-300).log()[:, None], 0)
    return float(-mixed.mean())


def fit_weights(log_probs: torch.Tensor, steps: int = STEPS) -> torch.Tensor:
    """(K,) weights summing to 1 that maximise the likelihood of the (validation) tokens; see the module."""
    logp = log_probs.double()
    weights = torch.full((logp.shape[0],), 1.0 / logp.shape[0], dtype=torch.float64)
    for _ in range(steps):
        joint = logp + weights.clamp_min(1e-300).log()[:, None]  # (K, N)
        share = (joint - torch.logsumexp(joint, 0)).exp()  # (K, N) posterior of each component
        weights = share.mean(1)
    return weights
