"""Greedy and beam search: width 1 is greedy, beam search finds the best sequence of a tiny hand-built
model (checked by enumerating every sequence), sentences decode the same alone as in a batch."""
import itertools
from dataclasses import dataclass

import torch

from rnnkit.models.decoding import beam_search, greedy_search
from rnnkit.models.seq2seq import BOS_ID, EOS_ID, Seq2Seq, pack_pairs

V, MAX_LEN = 6, 4  # tokens 0..5: <pad> <unk> <s> </s> a b


@dataclass
class TableState:
    """A hand-built decoder's state: the sentence, the step and the previous token (N rows each)."""

    sentence: torch.Tensor
    t: torch.Tensor
    previous: torch.Tensor

    def select(self, index):
        return TableState(self.sentence[index], self.t[index], self.previous[index])

    def repeat(self, k):
        return TableState(*(x.repeat_interleave(k) for x in (self.sentence, self.t, self.previous)))


class TableDecoder:
    """log p(y_t | y_{t-1}, t, sentence) from a fixed random table: an exactly enumerable model."""

    def __init__(self, sentences: int, seed: int):
        g = torch.Generator().manual_seed(seed)
        logits = torch.randn(sentences, MAX_LEN, V, V, generator=g) * 2.0
        logits[..., :3] = float("-inf")  # never <pad>, <unk> or <s>
        self.table = torch.log_softmax(logits, -1)

    def start(self, n):
        return TableState(torch.arange(n), torch.zeros(n, dtype=torch.long), torch.full((n,), BOS_ID))

    def step(self, previous, state):
        log_probs = self.table[state.sentence, state.t.clamp(max=MAX_LEN - 1), previous]
        return log_probs, TableState(state.sentence, state.t + 1, previous), None

    def log_prob(self, sentence, seq):
        total, prev = 0.0, BOS_ID
        for t, token in enumerate(seq):
            total += float(self.table[sentence, t, prev, token])
            prev = token
        return total


def enumerate_best(model, sentence, alpha):
    """The best complete sequence (ending in </s>, or cut at MAX_LEN) by score / length^alpha."""
    best, best_score = None, float("-inf")
    for n in range(1, MAX_LEN + 1):
        for body in itertools.product(range(3, V), repeat=n):
            if EOS_ID in body[:-1]:
                continue
            if body[-1] != EOS_ID and n < MAX_LEN:
                continue
            score = model.log_prob(sentence, body) / n ** alpha
            if score > best_score:
                best, best_score = list(body), score
    return best, best_score


def test_beam_search_finds_the_enumerated_best():
    model = TableDecoder(sentences=20, seed=0)
    for alpha in (0.0, 1.0):
        hyps = beam_search(model, model.start(20), 20, MAX_LEN, beam=27, length_penalty=alpha)  # 3^3: exhaustive
        for i in range(20):
            best, score = enumerate_best(model, i, alpha)
            got = hyps.tokens[i, 0, : hyps.lengths[i, 0]].tolist()
            assert got == best, (i, alpha)
            assert abs(float(hyps.scores[i, 0]) - score) < 1e-9


def test_a_small_beam_beats_greedy_where_greedy_is_wrong():
    model = TableDecoder(sentences=200, seed=1)
    greedy = greedy_search(model, model.start(200), 200, MAX_LEN)
    beam = beam_search(model, model.start(200), 200, MAX_LEN, beam=3, length_penalty=0.0)
    assert (beam.log_probs[:, 0] >= greedy.log_probs[:, 0] - 1e-9).sum() >= 190  # beam is rarely worse
    assert (beam.log_probs[:, 0] > greedy.log_probs[:, 0] + 1e-6).any()  # and sometimes better


def test_width_one_is_greedy():
    model = TableDecoder(sentences=50, seed=2)
    greedy = greedy_search(model, model.start(50), 50, MAX_LEN)
    beam = beam_search(model, model.start(50), 50, MAX_LEN, beam=1, length_penalty=0.0)
    assert torch.equal(greedy.tokens, beam.tokens)
    assert torch.equal(greedy.lengths, beam.lengths)
    torch.testing.assert_close(greedy.log_probs, beam.log_probs)


def test_nbest_sorted_and_distinct():
    model = TableDecoder(sentences=10, seed=3)
    hyps = beam_search(model, model.start(10), 10, MAX_LEN, beam=5, nbest=3, length_penalty=1.0)
    assert hyps.tokens.shape[:2] == (10, 3)
    assert (hyps.scores[:, :-1] >= hyps.scores[:, 1:]).all()
    for i in range(10):
        seqs = [tuple(s) for s in hyps.sequences(i)]
        assert len(set(seqs)) == 3


def test_seq2seq_sentence_alone_decodes_as_in_a_batch():
    torch.manual_seed(0)
    model = Seq2Seq(9, 9, embedding_dim=8, hidden_size=8, attention="bahdanau").eval()
    sources = [torch.tensor([4, 5, 6, 7]), torch.tensor([8, 4]), torch.tensor([5, 5, 5])]
    x, lengths, _ = pack_pairs(sources, sources)
    together = beam_search(model, model.encode(x[:, 0], lengths[:, 0]), 3, 6, beam=3, nbest=2)
    for i, s in enumerate(sources):
        alone = beam_search(model, model.encode(s[None], torch.tensor([len(s)])), 1, 6, beam=3, nbest=2)
        assert together.sequences(i) == alone.sequences(0)
        torch.testing.assert_close(together.scores[i], alone.scores[0])
