"""Dynamic evaluation (Krause et al. 2018, "Dynamic Evaluation of Neural Sequence Models"): the model keeps
learning from the text it is scoring. Each window of the held-out text is scored first, then the model
takes one gradient step on it, so every token is predicted by weights that have seen only tokens already
scored (and the training text); a text that repeats itself (program source, logs, one author) is then
predicted from its own recent past. Their RMS rule with a decay to the trained weights theta_0:

    g = grad of the window's mean loss
    theta <- theta - lr * g / (sqrt(MS_g) + eps) + decay * (theta_0 - theta)

MS_g, the mean square of each weight's gradient, is measured once on training windows (`gradient_rms`).
With parallel streams (`ScoringStreams`) the step uses every stream's scored tokens of the window; the
burn-in tokens, read before a stream's part, are never learnt from. The learning rate and the decay are
chosen on the validation text (`choose`); 0 (no adaptation) is always a candidate, so dynamic evaluation
is used only where it wins there. The weights are restored after every pass.
"""
from __future__ import annotations

from typing import Callable, Iterable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from rnnkit.data.lm_streams import IGNORE_INDEX, ScoringStreams, StreamWindows
from rnnkit.models.language_model import detach_state
from rnnkit.tasks.lm.cache import Cache

WINDOW = 50
"""Tokens per adaptation step (Krause et al. adapt every 20 to 50 characters)."""
RMS_WINDOWS = 50
"""Training windows over which MS_g is measured."""
LEARNING_RATES = (1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2)
DECAYS = (0.0, 1e-3, 1e-2)
EPS = 1e-8


def gradient_rms(model: nn.Module, train: StreamWindows, windows: int = RMS_WINDOWS) -> list[torch.Tensor]:
    """sqrt(MS_g) per weight: the root mean square of its gradient over evenly spread training windows,
    in eval mode (no dropout: the mode the model is scored in), at least its tensor's mean: a weight whose
    gradient was rare in training (the embedding of a rare token) would otherwise take huge steps."""
    params = [p for p in model.parameters() if p.requires_grad]
    squares = [torch.zeros_like(p) for p in params]
    picks = np.unique(np.linspace(0, len(train) - 1, min(windows, len(train))).astype(int))
    was_training = model.training
    model.eval()
    try:
        for i in picks:
            x, y = train[int(i)]
            logits, _ = model(x, None)  # (B, k, V), from a zero state
            model.zero_grad()
            F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1)).backward()
            for s, p in zip(squares, params):
                if p.grad is not None:
                    s += p.grad.detach() ** 2
    finally:
        model.zero_grad()
        model.train(was_training)
    rms = [(s / len(picks)).sqrt() for s in squares]
    return [r.clamp_min(float(r.mean())) for r in rms]


def scored_pass(model: nn.Module, windows: ScoringStreams, rms: list[torch.Tensor] | None, lr: float,
                decay: float = 0.0, cache: Cache | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
    """(ln p_model of every scored token (N,), ln p_cache of each (len(cache.thetas), N) or None), in the
    order of the text: each window scored, then learnt from (lr 0: scored only); the weights restored."""
    params = [p for p in model.parameters() if p.requires_grad]
    theta0 = [p.detach().clone() for p in params]
    was_training = model.training
    model.eval()
    model_logp, cache_logp, positions, state = [], [], [], None
    try:
        for i, (x, y) in enumerate(windows):
            with torch.set_grad_enabled(lr > 0):
                z, state = model.features(x, state)  # (B, k, D)
                logp = F.log_softmax(model.decoder(z), -1)  # (B, k, V)
                scored = y != IGNORE_INDEX  # (B, k)
                picked = logp.gather(-1, y.clamp_min(0)[..., None])[..., 0][scored]  # (n,)
            model_logp.append(picked.detach())
            t, k = windows.windows[i]
            positions.append(windows.position[:, t:t + k][scored])
            if cache is not None:
                cache_logp.append(cache.log_probs(z, windows.following[:, t:t + k], y)[:, scored])
            state = detach_state(state)
            if lr > 0 and len(picked):
                model.zero_grad()
                (-picked.mean()).backward()
                with torch.no_grad():
                    for p, p0, r in zip(params, theta0, rms):
                        if p.grad is not None:
                            p -= lr * p.grad / (r + EPS)
                        if decay:
                            p += decay * (p0 - p)
    finally:
        with torch.no_grad():
            for p, p0 in zip(params, theta0):
                p.copy_(p0)
        model.zero_grad()
        model.train(was_training)
    order = torch.argsort(torch.cat(positions))
    return torch.cat(model_logp)[order], (torch.cat(cache_logp, 1)[:, order] if cache is not None else None)


def dynamic_nats(model: nn.Module, windows: ScoringStreams, rms: list[torch.Tensor] | None, lr: float,
                 decay: float = 0.0) -> float:
    """Mean nats per scored token of `windows`, each window scored and then learnt from (lr 0: scored only)."""
    return float(-scored_pass(model, windows, rms, lr, decay)[0].double().mean())


def choose(score: Callable[[float, float], float], learning_rates: Iterable[float] = LEARNING_RATES,
           decays: Iterable[float] = DECAYS) -> tuple[float, float, dict[tuple[float, float], float]]:
    """(lr, decay, every tried (lr, decay) -> nats) minimising `score(lr, decay)` on validation: the rates
    in rising order until one scores worse than the best so far, then the decays at the best rate."""
    tried = {(0.0, 0.0): score(0.0, 0.0)}
    best = (0.0, 0.0)
    for lr in learning_rates:
        tried[(lr, 0.0)] = score(lr, 0.0)
        if tried[(lr, 0.0)] >= tried[best]:
            break
        best = (lr, 0.0)
    if best[0] > 0:
        for decay in (d for d in decays if d > 0):
            tried[(best[0], decay)] = score(best[0], decay)
            if tried[(best[0], decay)] < tried[best]:
                best = (best[0], decay)
    return best[0], best[1], tried
