"""The lm baselines: the Kneser-Ney n-gram is a distribution (it sums to 1 over the vocabulary after any
context, seen or not, at every order), agrees with a plain dictionary implementation of the same
formulas, and improves with the order on repetitive text; the compressor's bits fall on text it has seen."""
import math
import random
from collections import Counter, defaultdict

import numpy as np
import pytest

from rnnkit.tasks.lm.baseline import Baselines, compressor_bits
from rnnkit.tasks.lm.ngram import KneserNey, discounts


def small_stream(seed=0, n=400, vocab=6):
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.integers(1, vocab - 1, n), np.tile([1, 2, 3, 1], 25)])  # id vocab-1 never seen


@pytest.mark.parametrize("context", [[], [1], [1, 2], [2, 3, 1], [5, 5, 5], [1, 5, 2], [4, 4, 4, 4, 4]])
def test_the_ngram_sums_to_one_over_the_vocabulary(context):
    model = KneserNey(small_stream(), 6, 4)
    x = np.array([[*context, w] for w in range(6)]) if context else None
    if x is None:  # no context: the first token is never predicted, so predict after a token seen once
        context = [0]
        x = np.array([[0, w] for w in range(6)])
    probs = np.exp(np.stack([model.log_probs(row)[:, -1] for row in x]))  # (V, orders)
    assert probs.sum(axis=0) == pytest.approx(np.ones(4), abs=1e-12)
    assert (probs > 0).all()  # an unseen token (5) keeps some probability


def reference_log_prob(train, vocab, order, history, word):
    """The same interpolated modified Kneser-Ney, written with dictionaries, for one token."""
    grams = [Counter(tuple(train[i:i + k]) for i in range(len(train) - k + 1)) for k in range(1, order + 1)]
    continuation = []  # N1+(. x) for the orders below the top
    for k in range(1, order):
        left = defaultdict(set)
        for gram in grams[k]:
            left[gram[1:]].add(gram[0])
        continuation.append(Counter({g: len(s) for g, s in left.items()}))

    def p(k, h):  # p_k(word | last k-1 tokens of h)
        if k == 0:
            return 1.0 / vocab
        counts = grams[k - 1] if k == order else continuation[k - 1]
        d = discounts(np.array(list(counts.values())))
        ctx = tuple(h[len(h) - (k - 1):]) if k > 1 else ()
        if k > 1 and len(h) < k - 1:
            return p(k - 1, h)
        followers = {g: c for g, c in counts.items() if g[:-1] == ctx and c > 0}
        total = sum(followers.values())
        if total == 0:
            return p(k - 1, h)
        c = followers.get((*ctx, word), 0)
        gamma = sum(d[min(c_, 3) - 1] for c_ in followers.values()) / total
        return max(c - (d[min(c, 3) - 1] if c else 0), 0) / total + gamma * p(k - 1, h)

    return math.log(p(order, list(history)))


@pytest.mark.parametrize("order", [1, 2, 3])
def test_the_ngram_agrees_with_a_dictionary_implementation(order):
    train = small_stream(1, 150).tolist()
    test = [1, 2, 3, 1, 4, 4, 2, 5, 1, 2]
    got = KneserNey(np.array(train), 6, order).log_probs(np.array(test))[order - 1]
    want = [reference_log_prob(train, 6, order, test[max(0, t - order + 1):t], test[t]) for t in range(1, len(test))]
    assert got == pytest.approx(want, rel=1e-10)


def test_higher_orders_win_on_repetitive_text_and_the_order_is_chosen_on_validation():
    random.seed(0)
    words = [random.choice("abcdefgh") * random.randint(1, 4) for _ in range(300)]
    ids = np.array([ord(c) - 96 for c in " ".join(words * 3).replace(" ", "i")])
    model = KneserNey(ids[:3000], 10, 8)
    bits = -model.log_probs(ids[3000:])[:, :].mean(axis=1) / math.log(2)
    assert bits[5] < bits[1] < bits[0]
    baselines = Baselines({"train": ids[:2000], "valid": ids[2000:2600], "test": ids[2600:]}, vocab_of(10), "char", 8)
    assert baselines.metrics["ngram_order"] > 2 and baselines.metrics["test_xz_bpc"] > 0
    assert len(baselines.ngram_split) == len(ids) - 2600 - 1 and len(baselines.ngram_valid) == 599
    lines = baselines.lines({"a model": 0.1, "a worse one": 5.0})
    assert any(line.startswith("a model (bpc 0.1443) BEATS the Kneser-Ney") for line in lines)
    assert any(line.startswith("a worse one (bpc 7.2135) LOSES TO the xz -9e given the training text") for line in lines)
    # a blend that is the n-gram alone (its weight 1) claims no win by a difference that rounds to nothing
    ngram_nats = -float(baselines.ngram_split.mean())
    same = baselines.lines({"the n-gram's blend": ngram_nats - 1e-9})
    assert any(line.startswith("the n-gram's blend") and "EQUALS the Kneser-Ney" in line for line in same)
    assert not any("BEATS the Kneser-Ney" in line for line in same)


def vocab_of(n):
    from rnnkit.data.text import Vocabulary

    return Vocabulary([chr(96 + i) for i in range(1, n - 1)])  # with <pad>, <unk>: n ids


def test_the_compressor_pays_less_for_text_it_has_seen():
    rng = random.Random(0)
    fresh = "".join(rng.choice("abcdefghijklmnop ") for _ in range(3000))
    other = "".join(rng.choice("abcdefghijklmnop ") for _ in range(3000))
    assert compressor_bits(fresh, fresh) < 0.3 * compressor_bits(other, fresh)  # the test text repeats the training text
    repeated = compressor_bits(fresh, fresh[:1000] * 3)
    assert repeated < compressor_bits(fresh, other) and compressor_bits(fresh, other) == pytest.approx(4.0, abs=0.4)


def test_the_recounted_ngram_is_the_static_one_until_its_first_recount_and_reads_only_the_past():
    """adaptive_log_probs: before its first recount it is the n-gram counted on the training text (and the
    first held-out token, read before the second is predicted); each later
    token is predicted from counts that include the held-out tokens before it, never after (a changed later
    character changes no earlier probability); on a held-out text that repeats itself it beats the static one."""
    from rnnkit.tasks.lm.ngram import RECOUNT_FIRST, adaptive_log_probs

    rng = np.random.default_rng(0)
    train = rng.integers(0, 6, 3000)  # a short training text: the first recount after RECOUNT_FIRST tokens
    phrase = rng.integers(0, 6, 40)
    held_out = np.concatenate([phrase] * (2 * RECOUNT_FIRST // 40 + 10))  # seen nowhere in training, then again
    static = KneserNey(train, 6, 5).log_probs(held_out)[-1]
    recounted = adaptive_log_probs(train, held_out, 6, 5)
    first = KneserNey(np.concatenate([train, held_out[:1]]), 6, 5).log_probs(held_out)[-1]
    n = RECOUNT_FIRST
    assert np.allclose(recounted[:n], first[:n]) and not np.allclose(recounted[n:], first[n:])
    assert recounted[n:].mean() > static[n:].mean() + 0.5  # nats per token
    changed = held_out.copy()
    changed[n + 300] = (changed[n + 300] + 1) % 6
    assert np.array_equal(adaptive_log_probs(train, changed, 6, 5)[:n + 299], recounted[:n + 299])
