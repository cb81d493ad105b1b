"""The match model: its votes are those of the obvious search (every earlier position tried, latest first), it
reads only the text before the token it predicts, each vote is a distribution over the vocabulary, and a blend
weighted per match length never scores the validation tokens worse than one set of weights."""
import math

import numpy as np
import pytest
import torch

from rnnkit.tasks.lm import match
from rnnkit.tasks.lm.mixture import fit_grouped, fit_weights, mixture_nats
from rnnkit.tasks.lm.ngram import KneserNey

SOURCE = b"".join(b"    def %s(self, %s):\n        return self.%s(%s) + %d\n\n" % (name, arg, name[::-1], arg, i)
                  for i, (name, arg) in enumerate((n, a) for n in (b"read", b"write", b"seek", b"close", b"open")
                                                  for a in (b"size", b"data", b"offset")))
"""Program-like text (15 short methods, 967 characters): exact repeats of many lengths, and changes."""


def slow_votes(history: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each position t and length L, the last occurrence of the L characters before t that ends before t,
    found by str.rfind: what match_votes should give."""
    s = np.concatenate([history, ids])
    text = "".join(map(chr, s))
    predictions = np.full((len(match.LENGTHS), len(ids) - 1), -1)
    bucket = np.zeros(len(ids) - 1, dtype=int)
    for j, t in enumerate(range(len(history) + 1, len(s))):
        for i, length in enumerate(match.LENGTHS):
            start = text.rfind(text[t - length:t], 0, t - 1) if t >= length else -1  # ends at t - 1 at the latest
            if start >= 0:
                predictions[i, j], bucket[j] = s[start + length], i + 1
    return predictions, bucket


def copying_text(n: int, seed: int = 0) -> np.ndarray:
    """Four letters, each step a new letter or a copy of 1-80 earlier ones: matches of every length."""
    rng = np.random.default_rng(seed)
    out = list(rng.integers(0, 4, 20))
    while len(out) < n:
        if rng.random() < 0.3:
            out.append(int(rng.integers(0, 4)))
        else:
            start = int(rng.integers(0, len(out)))
            out += out[start:start + int(rng.integers(1, 80))]
    return np.array(out[:n])


@pytest.mark.parametrize("text", ["copying", "source"])
def test_the_votes_are_those_of_the_obvious_search(text):
    ids = copying_text(3000) if text == "copying" else np.frombuffer(SOURCE, dtype=np.uint8).astype(np.int64)
    history, held_out = ids[:len(ids) // 2], ids[len(ids) // 2:]
    predictions, bucket = match.match_votes(history, held_out)
    expected_predictions, expected_bucket = slow_votes(history, held_out)
    assert np.array_equal(predictions, expected_predictions) and np.array_equal(bucket, expected_bucket)
    assert len(set(bucket)) >= 8  # most lengths are exercised


def test_a_later_character_never_changes_an_earlier_probability():
    ids = np.frombuffer(SOURCE, dtype=np.uint8).astype(np.int64)
    history, held_out = ids[:500], ids[500:].copy()
    before = match.log_probs(*_votes_and_targets(history, held_out))
    for k in (1, 100, 250, len(held_out) - 2):
        changed = held_out.copy()
        changed[k] = 255 - changed[k]  # a character seen nowhere
        after = match.log_probs(*_votes_and_targets(history, changed))
        # column j scores held_out[j + 1] from the characters before it: columns j < k - 1 never read held_out[k]
        assert np.array_equal(after[:, :k - 1], before[:, :k - 1])
        assert not np.array_equal(after[:, k - 1:], before[:, k - 1:])


def _votes_and_targets(history, held_out):
    return match.match_votes(history, held_out)[0], held_out[1:], 256


def test_each_vote_is_a_distribution_over_the_vocabulary():
    ids = np.frombuffer(SOURCE, dtype=np.uint8).astype(np.int64)
    vocab = 256
    predictions, _ = match.match_votes(ids[:500], ids[500:])
    total = sum(np.exp(match.log_probs(predictions, np.full(predictions.shape[1], w), vocab)) for w in range(vocab))
    assert np.allclose(total, 1.0)
    assert (predictions[0] == -1).sum() < predictions.shape[1] // 2  # mostly real votes, not the uniform fallback


def test_weights_per_match_length_never_score_validation_worse_and_find_their_groups():
    """On a real text: the n-gram and the match votes blended with weights per match length score the
    validation tokens no worse than with one set (its optimum is among theirs), and the copy is trusted more
    after a long match than after a short one."""
    ids = np.frombuffer(SOURCE * 6, dtype=np.uint8).astype(np.int64)
    ids = np.where(np.arange(len(ids)) % 97 == 0, 7, ids)  # repeats, but not exact ones all along
    train, valid = ids[:3500], ids[3500:]
    ngram = KneserNey(train, 256, 4).log_probs(valid)[-1]
    predictions, bucket = match.match_votes(train, valid)
    logp = torch.as_tensor(np.concatenate([ngram[None], match.log_probs(predictions, valid[1:], 256)]))
    groups = torch.as_tensor(bucket)
    grouped = fit_grouped(logp, groups, len(match.LENGTHS) + 1)
    assert torch.allclose(grouped.sum(1), torch.ones(len(grouped), dtype=torch.float64))
    assert mixture_nats(logp, grouped, groups) <= mixture_nats(logp, fit_weights(logp)) + 1e-9
    short, longest = int(bucket.min()), int(bucket.max())
    assert grouped[longest, 1:].sum() > grouped[short, 1:].sum()


def test_grouped_em_recovers_each_groups_mixing_weight():
    torch.manual_seed(0)
    groups = torch.arange(20000) % 2
    from_first = torch.rand(20000) < torch.where(groups == 0, 0.8, 0.2)
    p1, p2 = torch.where(from_first, 0.5, 0.01), torch.where(from_first, 0.01, 0.5)
    weights = fit_grouped(torch.stack([p1.log(), p2.log()]), groups, 3)
    assert float(weights[0, 0]) == pytest.approx(0.8, abs=0.02) and float(weights[1, 0]) == pytest.approx(0.2, abs=0.02)
    assert float(weights[2, 0]) == pytest.approx(0.5, abs=0.02)  # no tokens: the weights of all tokens
    assert math.isfinite(mixture_nats(torch.stack([p1.log(), p2.log()]), weights, groups))
