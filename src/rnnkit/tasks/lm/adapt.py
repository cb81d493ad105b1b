"""The `lm` task's adaptive test pass: dynamic evaluation (`dynamic`), the neural cache (`cache`), a blend with
the run's n-gram baseline and, for characters, the match model's votes (`match`: what compressors win with
on text that repeats itself long and exactly), what recurrent language models use to win on a text that
repeats itself. Each is chosen on the validation text (its first CHOICE_TOKENS tokens) and kept only where
it wins there: the dynamic learning rate and decay by a search (`dynamic.choose`), then the weights of the
model, the cache (one component per flatness theta), the n-gram and the match votes by EM on the validation
tokens scored with that rate (`mixture`). The match votes come with the n-gram counted again as it reads the
held-out text (`ngram.adaptive_log_probs`: a compressor's model learns the text it reads too), and with one
set of weights per match length (`mixture.fit_grouped`), kept only where that blend scores validation better
than one set without them. The test text is then scored once with all of it. The static test figures (what
`rnnkit evaluate` reproduces) stay in the final metrics; the adapted ones are `test_adapted_*`, with the
choices (`dynamic_lr`, `dynamic_decay`, `mix_model`, `mix_cache`, `mix_ngram`, `mix_match`: with weights per
match length, each component's mean weight over the validation tokens)."""
from __future__ import annotations

import math
import time
from typing import Callable

import numpy as np
import torch

from rnnkit.data.lm_streams import ScoringStreams, StreamWindows
from rnnkit.tasks.lm import cache as neural_cache
from rnnkit.tasks.lm import match
from rnnkit.tasks.lm.config import LMConfig
from rnnkit.tasks.lm.dynamic import WINDOW, choose, gradient_rms, scored_pass
from rnnkit.tasks.lm.ngram import adaptive_log_probs
from rnnkit.tasks.lm.mixture import fit_grouped, fit_weights, mixture_nats

CHOICE_TOKENS = 200_000
"""Validation tokens the choices are made on (the first ones). The dynamic-evaluation search scores them up to
ten times with a gradient step every window: over a 10 MB text's million validation characters that is hours
with the default model, more than its training. Every catalog text's validation part is shorter (PTB's 73,760
words, Shakespeare's 111,540 characters), so their choices are what they were."""
MIN_WEIGHT = 0.01
"""A cache, n-gram or match weight (its mean over validation tokens) below this counts as not used."""


def components(model_logp: torch.Tensor, cache_logp: torch.Tensor | None, ngram: np.ndarray | None,
               votes: np.ndarray | None = None) -> torch.Tensor:
    """(K, N) ln p of each token under the model, each cache flatness, the n-gram, each match length's vote."""
    parts = [model_logp[None].double()]
    if cache_logp is not None:
        parts.append(cache_logp.double())
    for extra in (ngram, votes):
        if extra is not None:
            parts.append(torch.as_tensor(extra, dtype=torch.float64).reshape(-1, len(model_logp)))
    return torch.cat(parts)


def uses_match(config: LMConfig, level: str) -> bool:
    return config.match == "auto" and level == "char"


def match_parts(corpus, ids: np.ndarray, ngram_order: int | None) -> tuple[np.ndarray, torch.Tensor]:
    """(ln p of every token but the first of `ids` (a held-out part) under what reads the part as it goes: the
    `ngram_order`-gram counted again as it reads (none without an order), then each match length's vote; (N,)
    match buckets), the history the training text, then the part itself as far as it has been read."""
    predictions, bucket = match.match_votes(corpus.ids["train"], ids)
    parts = match.log_probs(predictions, ids[1:], len(corpus.vocab))
    if ngram_order is not None:
        recounted = adaptive_log_probs(corpus.ids["train"], ids, len(corpus.vocab), ngram_order)
        parts = np.concatenate([recounted[None], parts])
    return parts, torch.as_tensor(bucket)


def adapted_test(model, train: StreamWindows, corpus, config: LMConfig, final: dict, say: Callable[..., None],
                 ngram: tuple[np.ndarray, np.ndarray] | None = None, ngram_order: int | None = None
                 ) -> tuple[float, str] | None:
    """(test nats per token, who scored them) with what wins on validation, or None when nothing does;
    `ngram`: the n-gram's ln p of the validation and test tokens, to blend; with its order, the match model's
    blend has it counted again as it reads too. The choices go to `final`."""
    t0 = time.perf_counter()
    char = corpus.level == "char"
    unit = (lambda n: f"{n / math.log(2):.4f} bpc") if char else (lambda n: f"{math.exp(n):.2f} perplexity")
    rms = gradient_rms(model, train) if config.dynamic_eval == "auto" else None
    use_cache = config.cache == "auto"
    valid_ids = corpus.ids["valid"][:CHOICE_TOKENS]
    if len(valid_ids) < len(corpus.ids["valid"]):
        say(f"the adaptive choices are made on the first {len(valid_ids):,} of the {len(corpus.ids['valid']):,} "
            "validation tokens")
    ngram_valid = None if ngram is None else ngram[0][:len(valid_ids) - 1]  # the n-gram scores all but the first
    recount = None if ngram is None else ngram_order  # the match model's blend has the n-gram recounted beside it
    valid = ScoringStreams(valid_ids, config.eval_batch_size, WINDOW, config.burn_in)
    passes = {}

    def score(lr: float, decay: float) -> float:
        passes[(lr, decay)] = scored_pass(model, valid, rms, lr, decay, neural_cache.Cache() if use_cache else None)
        return float(-passes[(lr, decay)][0].double().mean())

    lr, decay = 0.0, 0.0
    if rms is not None:
        lr, decay, tried = choose(score)
        say("dynamic evaluation on validation (lr, decay -> score): "
            + ", ".join(f"({a:g}, {b:g}) -> {unit(n)}" for (a, b), n in tried.items()))
    else:
        score(0.0, 0.0)
    on_valid = components(*passes[(lr, decay)], ngram_valid)
    weights, groups = fit_weights(on_valid), None
    n_cache = len(neural_cache.THETAS) if use_cache else 0
    if uses_match(config, corpus.level):  # kept where its blend, weighted per match length, wins on validation
        votes, buckets = match_parts(corpus, valid_ids, recount)
        with_match = components(*passes[(lr, decay)], ngram_valid, votes)
        grouped = fit_grouped(with_match, buckets, len(match.LENGTHS) + 1)
        scores = mixture_nats(with_match, grouped, buckets), mixture_nats(on_valid, weights)
        say(f"match model on validation: {unit(scores[0])} blended with weights per match length, "
            f"{unit(scores[1])} without it")
        if scores[0] < scores[1]:
            on_valid, weights, groups = with_match, grouped, buckets
    share = weights if groups is None else weights[groups].mean(0)  # each component's mean weight on validation
    n_ngram = 0 if ngram is None else 1 + (groups is not None and recount is not None)  # static, recounted
    mix = {"mix_model": float(share[0]), "mix_cache": float(share[1:1 + n_cache].sum()),
           "mix_ngram": float(share[1 + n_cache:1 + n_cache + n_ngram].sum()),
           "mix_match": float(share[1 + n_cache + n_ngram:].sum())}
    final.update(dynamic_lr=lr, dynamic_decay=decay, **mix)
    used = [name for name, on in (("dynamic evaluation", lr > 0), ("the neural cache", mix["mix_cache"] >= MIN_WEIGHT),
                                  ("the n-gram blend", mix["mix_ngram"] >= MIN_WEIGHT),
                                  ("the match model", mix["mix_match"] >= MIN_WEIGHT)) if on]
    cache_part = (f"cache {mix['mix_cache']:.3f} ("
                  + ", ".join(f"theta {t:g}: {float(w):.3f}" for t, w in zip(neural_cache.THETAS, share[1:1 + n_cache]))
                  + "), ") if use_cache else ""
    match_part = f", match {mix['mix_match']:.3f} (mean weight over the match lengths)" if groups is not None else ""
    say(f"blend on validation: model {mix['mix_model']:.3f}, {cache_part}n-gram {mix['mix_ngram']:.3f}{match_part} "
        f"-> {unit(mixture_nats(on_valid, weights, groups))}")
    if not used:
        say("no adaptation helps on validation: the static figure stands")
        return None
    test = ScoringStreams(corpus.ids["test"], config.test_batch_size, WINDOW, config.burn_in)
    test_votes, test_groups = match_parts(corpus, corpus.ids["test"], recount) if groups is not None else (None, None)
    on_test = components(*scored_pass(model, test, rms, lr, decay, neural_cache.Cache() if use_cache else None),
                         None if ngram is None else ngram[1], test_votes)
    nats = mixture_nats(on_test, weights, test_groups)
    final["test_adapted_loss"] = nats
    final["test_adapted_bpc" if char else "test_adapted_perplexity"] = nats / math.log(2) if char else math.exp(nats)
    # the model's own weight in the name: where the n-gram and the match model carry the blend (a small text: the
    # model's weight 0.00-0.05), "the model with ... BEATS xz" would credit the model for their win
    who = (f"the model (weight {mix['mix_model']:.2f} in the blend) with "
           + (used[0] if len(used) == 1 else ", ".join(used[:-1]) + " and " + used[-1]))
    say(f"test, {who}: {unit(nats)} ({time.perf_counter() - t0:.1f}s, the choices on validation included)")
    return nats, who
