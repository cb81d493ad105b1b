"""`--crf auto` (crf_choice): the rule on small and large tag sets with a stand-in timer, the seen
transitions, and a run over a large sparse tag set whose CRF runs sparse and comes back from the folder."""
import json
import random

import numpy as np
import pytest
import torch

from rnnkit.tasks import load_config, read_run
from rnnkit.tasks import train as train_task
from rnnkit.tasks.tag import crf_choice
from rnnkit.tasks.tag.predict import Tagger


class FakeTimer:
    """(network seconds, CRF seconds) as given; remembers the CRF it was asked to time."""

    def __init__(self, net, cost, scores=1.0):
        self.net, self.cost, self.scores, self.crf = net, cost, scores, None

    def scores_per_batch(self, k):
        return self.scores

    def __call__(self, crf):
        self.crf = crf
        return self.net, self.cost


def pair_tags(k):
    """k^2 compound tags 'a+b' whose transitions are structurally sparse: a+b is followed by b+c only."""
    return [f"{a}+{b}" for a in range(k) for b in range(k)]


def chain_ids(k, n=200, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        base = rng.integers(k, size=rng.integers(2, 9))
        out.append(np.array([a * k + b for a, b in zip(base, base[1:])], dtype=np.int64))
    return out


def test_seen_transitions():
    seen = crf_choice.seen_transitions([np.array([0, 1, 1]), np.array([2]), np.array([2, 0])], 3)
    assert seen.tolist() == [[False, True, False], [False, True, False], [True, False, False]]


def test_small_tag_sets_get_a_crf_without_timing():
    choice = crf_choice.choose("auto", ["B-X", "I-X", "O"], "BIO", [np.array([0, 1, 2])], time_batch=None)
    assert choice.crf and choice.allowed is None and "3 tags" in choice.reason


def test_large_sparse_tag_set_is_timed_and_judged_by_its_budget():
    tags, ids = pair_tags(9), chain_ids(9)  # 81 tags, each followed by at most 9
    cheap = FakeTimer(net=1.0, cost=0.4)
    choice = crf_choice.choose("auto", tags, "plain", ids, cheap, batches=10)
    assert choice.crf and choice.allowed is not None and cheap.crf.uses_sparse()
    assert int(choice.allowed.sum()) <= 81 * 9 and "0.4x, within the 0.5x allowed for plain tags" in choice.reason
    dear = crf_choice.choose("auto", tags, "plain", ids, FakeTimer(net=1.0, cost=2.0), batches=10)
    assert not dear.crf and dear.allowed is None and dear.reason.startswith("softmax (81 tags")
    assert "over the 0.5x allowed for plain tags" in dear.reason
    chunk_tags = ["O"] + [f"{p}-T{i}" for i in range(40) for p in "BI"]  # 81 entity tags: a CRF pays at 2x
    chunk_ids = [np.array([0, 1, 2, 0])] * 5
    assert crf_choice.choose("auto", chunk_tags, "BIO", chunk_ids, FakeTimer(net=1.0, cost=2.0), batches=10).crf
    long = crf_choice.choose("auto", tags, "plain", ids, FakeTimer(net=1.0, cost=0.2), batches=200)
    assert not long.crf and "an epoch of about 240 CPU s over 120" in long.reason


def test_given_settings_and_the_dense_limit():
    tags, ids = pair_tags(9), chain_ids(9)
    assert crf_choice.choose(False, tags, "plain", ids).reason == "softmax (--crf false given; 81 tags)"
    given = crf_choice.choose(True, tags, "plain", ids)
    assert given.crf and given.allowed is not None and "--crf true given" in given.reason
    dense_ids = [np.arange(81)[np.random.default_rng(s).permutation(81)] for s in range(200)]  # all pairs seen
    too_big = crf_choice.choose("auto", tags, "plain", dense_ids, FakeTimer(1.0, 0.0, scores=1e12))
    assert not too_big.crf and "too slow to train" in too_big.reason


@pytest.fixture(scope="module")
def compound_files(tmp_path_factory):
    """Words of 9 classes; each word's tag is its class and the next word's ('3+7'): up to 90 tags."""
    folder = tmp_path_factory.mktemp("compound")
    rng = random.Random(0)
    for name, n in (("train", 100), ("test", 20)):
        lines = []
        for _ in range(n):
            classes = [rng.randrange(9) for _ in range(rng.randint(3, 8))]
            nxt = [str(c) for c in classes[1:]] + ["END"]
            lines += [f"w{c}_{rng.randrange(3)}\t{c}+{d}" for c, d in zip(classes, nxt)] + [""]
        (folder / f"{name}.conll").write_text("\n".join(lines) + "\n")
    return folder


def test_large_tag_set_run_trains_a_sparse_crf_and_reloads_it(compound_files, tmp_path, capsys):
    flags = {"data": str(compound_files / "train.conll"), "test_data": str(compound_files / "test.conll"),
             "epochs": "2", "batch_size": "16", "embedding_dim": "8", "hidden_size": "8", "crf": "true"}
    run_dir, final = train_task(*load_config("tag", flags), run_dir=tmp_path / "run", quiet=True)
    tags = json.loads((run_dir / "tags.json").read_text())["tags"]
    assert len(tags) > crf_choice.SMALL
    model = Tagger(read_run(run_dir)).model
    assert model.crf.uses_sparse() and int(model.crf.allowed_transitions.sum()) < len(tags) ** 2 / 4
    allowed = model.crf.allowed_transitions
    for i, j in allowed.nonzero().tolist():  # only seen transitions: a+b is followed by b+c, never another
        assert tags[i].split("+")[1] == tags[j].split("+")[0]
    assert "most_frequent_tag_token_acc" in final and final["test_token_acc"] > 0
    assert "--crf true given" in (run_dir / "report.md").read_text()


def test_auto_timing_leaves_the_run_as_the_given_choice_would_train_it(compound_files, tmp_path, monkeypatch):
    """--crf auto times a batch (in a forked RNG); choosing the CRF then trains exactly the --crf true run."""
    monkeypatch.setattr(crf_choice.BatchTimer, "__call__", lambda self, crf: (1.0, 0.1))
    flags = {"data": str(compound_files / "train.conll"), "epochs": "1", "batch_size": "16", "embedding_dim": "8",
             "hidden_size": "8"}
    finals = {}
    for setting in ("auto", "true"):
        run_dir, final = train_task(*load_config("tag", {**flags, "crf": setting}), run_dir=tmp_path / setting,
                                    quiet=True)
        finals[setting] = {k: v for k, v in final.items() if "per_s" not in k}
    assert finals["auto"] == finals["true"]
    assert "CRF (" in json.loads((tmp_path / "auto" / "config.json").read_text())["data"]["crf_choice"]


def test_decoded_once_per_batch_and_never_a_stale_batch():
    """Accuracy and entity F1 share one decoding per batch; a new batch is decoded anew even when it
    arrives at the old one's address with the same version counter (written through .data here)."""
    from rnnkit.models.tagger import SequenceTagger
    from rnnkit.tasks.tag.model import Decoded, DecodedAccuracy, EntityF1

    tags = ["B-X", "I-X", "O"]
    model = SequenceTagger(3, 10, embedding_dim=4, hidden_size=4, scheme="BIO", tags=tags)
    decoded = Decoded(model)
    calls = []
    decode = model.crf.decode
    model.crf.decode = lambda *a: calls.append(1) or decode(*a)
    acc, f1 = DecodedAccuracy(model, decoded), EntityF1(model, tags, "BIO", decoded)
    target = torch.tensor([[0, 1, 2]])
    output = torch.zeros(1, 3, 3)
    for scale in (1.0, -1.0):
        new = torch.zeros(1, 3, 3)
        new[0, torch.arange(3), target[0]] = 5.0 * scale  # the gold tags, then their opposite
        output.data.copy_(new)  # same storage, same _version: what a reused allocation looks like
        acc.batch_state(output, target)
        f1_state = f1.batch_state(output, target)
    assert len(calls) == 2 and f1_state[0] == 0  # the second batch's own (wrong) tags were scored
