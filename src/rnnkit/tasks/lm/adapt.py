"""The `lm` task's adaptive test pass: dynamic evaluation (`dynamic`) and the neural cache (`cache`), each
what recurrent language models use to win on a text that repeats itself, with their settings chosen on
the validation text and kept only where they win there; then the test text scored once with them. The
static test figures (what `rnnkit evaluate` reproduces) stay in the final metrics; the adapted ones are
`test_adapted_*`, with the settings (`dynamic_lr`, `dynamic_decay`, `cache_theta`, `cache_lambda`)."""
from __future__ import annotations

import math
import time
from typing import Callable

from rnnkit.data.lm_streams import ScoringStreams, StreamWindows
from rnnkit.tasks.lm import cache as neural_cache
from rnnkit.tasks.lm.config import LMConfig
from rnnkit.tasks.lm.dynamic import WINDOW, choose, gradient_rms, scored_pass


def adapted_test(model, train: StreamWindows, corpus, config: LMConfig, final: dict,
                 say: Callable[..., None]) -> tuple[float, str] | None:
    """(test nats per token, who scored them) with what wins on validation, or None when nothing does;
    the choices and figures go to `final`."""
    t0 = time.perf_counter()
    char = corpus.level == "char"
    unit = (lambda n: f"{n / math.log(2):.4f} bpc") if char else (lambda n: f"{math.exp(n):.2f} perplexity")
    rms = gradient_rms(model, train) if config.dynamic_eval == "auto" else None
    use_cache = config.cache == "auto"
    valid = ScoringStreams(corpus.ids["valid"], config.eval_batch_size, WINDOW, config.burn_in)
    passes = {}

    def score(lr: float, decay: float) -> float:
        passes[(lr, decay)] = scored_pass(model, valid, rms, lr, decay, neural_cache.Cache() if use_cache else None)
        return float(-passes[(lr, decay)][0].double().mean())

    if rms is not None:
        lr, decay, tried = choose(score)
        say("dynamic evaluation on validation (lr, decay -> score): "
            + ", ".join(f"({a:g}, {b:g}) -> {unit(n)}" for (a, b), n in tried.items()))
    else:
        lr, decay = 0.0, 0.0
        score(0.0, 0.0)
    theta, lam = 0.0, 0.0
    if use_cache:
        model_logp, cache_logp = passes[(lr, decay)]
        theta, lam, nats = neural_cache.choose_mix(model_logp, cache_logp)
        say(f"neural cache on validation: theta {theta:g}, lambda {lam:g} -> {unit(nats)}")
    final.update(dynamic_lr=lr, dynamic_decay=decay, cache_theta=theta, cache_lambda=lam)
    if lr == 0 and lam == 0:
        say("neither dynamic evaluation nor the cache helps on validation: the static figure stands")
        return None
    test = ScoringStreams(corpus.ids["test"], config.test_batch_size, WINDOW, config.burn_in)
    cache = neural_cache.Cache(thetas=(theta,)) if lam else None
    model_logp, cache_logp = scored_pass(model, test, rms, lr, decay, cache)
    nats = neural_cache.mixed_nats(model_logp, cache_logp[0], lam) if lam else float(-model_logp.double().mean())
    final["test_adapted_loss"] = nats
    final["test_adapted_bpc" if char else "test_adapted_perplexity"] = nats / math.log(2) if char else math.exp(nats)
    who = " and ".join(name for name, used in (("dynamic evaluation", lr > 0), ("the neural cache", lam > 0)) if used)
    say(f"test with {who}: {unit(nats)} ({time.perf_counter() - t0:.1f}s, the choice on validation included)")
    return nats, f"the model with {who}"
