"""The CRF layer against brute force (every path), finite differences, and pytorch-crf."""
import itertools

import pytest
import torch

from rnnkit.layers.crf import CRF, allowed_transitions
from testkit.crf import brute_force, padded_batch


@pytest.mark.parametrize("num_tags", [3, 4])
def test_log_partition_and_viterbi_equal_brute_force_with_padding(num_tags):
    torch.manual_seed(num_tags)
    crf = CRF(num_tags)
    with torch.no_grad():
        for p in crf.parameters():
            p.normal_()  # far from the small initial scores, so paths differ clearly
    lengths = [5, 1, 3, 4, 2]
    emissions, mask = padded_batch(lengths, num_tags, seed=num_tags)
    log_z = crf.log_partition(emissions, mask)
    best = crf.decode(emissions, mask)
    for b, n in enumerate(lengths):
        z, path = brute_force(crf, emissions[b], n)
        assert torch.allclose(log_z[b], z, atol=1e-5)
        assert best[b, :n].tolist() == list(path)
        assert best[b, n:].eq(0).all()


def test_likelihood_sums_to_one_over_all_paths():
    crf = CRF(3)
    emissions, mask = padded_batch([4], 3, seed=1)
    total = torch.logsumexp(torch.stack([crf.log_likelihood(emissions, torch.tensor([path]), mask)[0]
                                         for path in itertools.product(range(3), repeat=4)]), 0)
    assert abs(total.item()) < 1e-5


def test_constrained_decoding_brute_force_and_never_forbidden():
    tags = ["O", "B-PER", "I-PER", "B-LOC"]
    crf = CRF(len(tags), allowed_transitions("BIO", tags))
    with torch.no_grad():
        crf.transitions.fill_(0)
        crf.start.fill_(0)
    emissions, mask = padded_batch([5, 3, 4], len(tags), seed=3)
    emissions[:, :, 2] += 3.0  # I-PER looks best everywhere, but may not start or follow O/B-LOC
    best = crf.decode(emissions, mask)
    for b, n in enumerate([5, 3, 4]):
        _, path = brute_force(crf, emissions[b], n)
        assert best[b, :n].tolist() == list(path)
        assert best[b, 0].item() != 2
        for prev, cur in zip(path, path[1:]):
            assert cur != 2 or prev in (1, 2)


@pytest.mark.parametrize("scheme,tags,bad,good", [
    ("BIO", ["O", "B-X", "I-X", "I-Y"], [("O", "I-X"), ("B-X", "I-Y")], [("B-X", "I-X"), ("I-X", "O")]),
    ("BIOES", ["O", "B-X", "I-X", "E-X", "S-X"], [("B-X", "O"), ("O", "E-X"), ("S-X", "I-X")],
     [("B-X", "E-X"), ("E-X", "S-X"), ("I-X", "I-X")]),
    ("BMES", ["B", "M", "E", "S"], [("B", "B"), ("S", "M"), ("E", "E")], [("B", "E"), ("M", "M"), ("E", "S")]),
])
def test_allowed_transitions_per_scheme(scheme, tags, bad, good):
    trans, starts, ends = allowed_transitions(scheme, tags)
    i = {t: k for k, t in enumerate(tags)}
    assert all(not trans[i[a], i[b]] for a, b in bad)
    assert all(trans[i[a], i[b]] for a, b in good)
    if scheme != "BIO":
        assert not starts[i[tags[2]]] and not ends[i[tags[1]]]


def test_gradcheck_float64():
    torch.manual_seed(0)
    crf = CRF(3).double()
    emissions, mask = padded_batch([3, 2], 3, dtype=torch.float64)
    emissions.requires_grad_(True)
    tags = torch.tensor([[0, 2, 1], [1, 1, -100]])

    params = tuple(p.detach().clone().requires_grad_(True) for p in (crf.transitions, crf.start, crf.end))

    def nll(em, trans, start, end):  # the loss as a function of emissions and every parameter
        values = {"transitions": trans, "start": start, "end": end}
        return torch.func.functional_call(crf, values, (em, tags, mask))

    assert torch.autograd.gradcheck(nll, (emissions, *params))


def test_same_as_pytorch_crf():
    torchcrf = pytest.importorskip("torchcrf")
    torch.manual_seed(0)
    for num_tags in (3, 5):
        ours = CRF(num_tags)
        theirs = torchcrf.CRF(num_tags, batch_first=True)
        with torch.no_grad():
            theirs.transitions.copy_(ours.transitions)
            theirs.start_transitions.copy_(ours.start)
            theirs.end_transitions.copy_(ours.end)
        lengths = [7, 3, 1, 6, 7, 2]
        emissions, mask = padded_batch(lengths, num_tags, seed=num_tags)
        tags = torch.randint(num_tags, mask.shape) * mask
        expected = theirs(emissions, tags, mask, reduction="none")
        assert torch.allclose(ours.log_likelihood(emissions, tags, mask), expected, atol=1e-4)
        decoded = theirs.decode(emissions, mask)
        ours_paths = ours.decode(emissions, mask)
        assert [ours_paths[b, :n].tolist() for b, n in enumerate(lengths)] == decoded


def test_bad_shapes_are_errors():
    crf = CRF(3)
    with pytest.raises(ValueError, match="emissions"):
        crf.decode(torch.zeros(2, 3))
    with pytest.raises(ValueError, match="at least one step"):
        crf.decode(torch.zeros(1, 2, 3), torch.tensor([[False, False]]))
