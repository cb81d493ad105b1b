"""The CRF's sparse (edge-list) recursions against its dense ones, brute force, pytorch-crf, and
autograd: same log-likelihood, same Viterbi paths, same gradients."""
import pytest
import torch

from rnnkit.layers.crf import CRF
from rnnkit.layers.crf_sparse import SparseLogPartition
from testkit.crf import brute_force, padded_batch


def twins(num_tags, allowed=None, seed=0, dtype=torch.float64):
    """A dense and a sparse CRF with the same (far from initial) scores."""
    torch.manual_seed(seed)
    dense = CRF(num_tags, allowed, sparse=False).to(dtype)
    with torch.no_grad():
        for p in dense.parameters():
            p.normal_()
    sparse = CRF(num_tags, allowed, sparse=True).to(dtype)
    sparse.load_state_dict(dense.state_dict())
    return dense, sparse


def random_allowed(num_tags, density, seed):
    g = torch.Generator().manual_seed(seed)
    trans = torch.rand(num_tags, num_tags, generator=g) < density
    trans[torch.arange(num_tags), torch.randint(num_tags, (num_tags,), generator=g)] = True  # every tag leads on
    return trans, torch.ones(num_tags, dtype=torch.bool), torch.ones(num_tags, dtype=torch.bool)


@pytest.mark.parametrize("num_tags", [3, 6])
def test_all_transitions_allowed_same_likelihood_and_paths_as_dense(num_tags):
    dense, sparse = twins(num_tags)
    lengths = [6, 1, 4, 6, 2]
    emissions, mask = padded_batch(lengths, num_tags, seed=num_tags, dtype=torch.float64)
    tags = torch.randint(num_tags, mask.shape) * mask
    assert sparse.uses_sparse() and not dense.uses_sparse()
    assert torch.allclose(sparse.log_likelihood(emissions, tags, mask), dense.log_likelihood(emissions, tags, mask),
                          atol=1e-10)
    assert torch.equal(sparse.decode(emissions, mask), dense.decode(emissions, mask))


def test_sparse_equals_pytorch_crf():
    torchcrf = pytest.importorskip("torchcrf")
    _, ours = twins(5, dtype=torch.float32, seed=2)
    theirs = torchcrf.CRF(5, batch_first=True)
    with torch.no_grad():
        theirs.transitions.copy_(ours.transitions)
        theirs.start_transitions.copy_(ours.start)
        theirs.end_transitions.copy_(ours.end)
    lengths = [7, 3, 1, 6, 7, 2]
    emissions, mask = padded_batch(lengths, 5, seed=5)
    tags = torch.randint(5, mask.shape) * mask
    assert torch.allclose(ours.log_likelihood(emissions, tags, mask), theirs(emissions, tags, mask, reduction="none"),
                          atol=1e-4)
    paths = ours.decode(emissions, mask)
    assert [paths[b, :n].tolist() for b, n in enumerate(lengths)] == theirs.decode(emissions, mask)


def test_restricted_transitions_equal_brute_force_over_allowed_paths():
    """With a third of the transitions allowed, the sparse log Z sums exactly the allowed paths and
    Viterbi picks the best of them (the dense CRF's FORBIDDEN score agrees to within exp(-10000))."""
    allowed = random_allowed(4, 0.35, seed=1)
    dense, sparse = twins(4, allowed, seed=1)
    lengths = [5, 3, 1]
    emissions, mask = padded_batch(lengths, 4, seed=7, dtype=torch.float64)
    log_z, best = sparse.log_partition(emissions, mask), sparse.decode(emissions, mask)
    assert torch.allclose(log_z, dense.log_partition(emissions, mask), atol=1e-10)
    assert torch.equal(best, dense.decode(emissions, mask))
    for b, n in enumerate(lengths):
        z, path = brute_force(dense, emissions[b], n)
        assert torch.allclose(log_z[b], z, atol=1e-10)
        assert best[b, :n].tolist() == list(path)
        assert all(allowed[0][i, j] for i, j in zip(path, path[1:]))


def test_gradients_equal_autograd_through_the_dense_recursion():
    allowed = random_allowed(7, 0.3, seed=3)
    dense, sparse = twins(7, allowed, seed=3)
    emissions, mask = padded_batch([6, 2, 4, 1], 7, seed=3, dtype=torch.float64)
    tags = torch.randint(7, mask.shape) * mask
    grads = []
    for crf in (dense, sparse):
        x = emissions.clone().requires_grad_(True)
        weights = torch.arange(1.0, 5.0, dtype=torch.float64)  # a non-uniform upstream gradient
        (crf.log_likelihood(x, tags, mask) * weights).sum().backward()
        # the dense CRF's forbidden entries get gradient exp(-10000) = 0, as the sparse one's
        grads.append([x.grad, crf.transitions.grad, crf.start.grad, crf.end.grad])
    for ours, reference in zip(grads[1], grads[0]):
        assert torch.allclose(ours, reference, atol=1e-10)


def test_gradcheck_float64():
    src, dst = random_allowed(4, 0.5, seed=4)[0].nonzero(as_tuple=True)
    g = torch.Generator().manual_seed(4)
    emissions, mask = padded_batch([4, 2, 3], 4, seed=4, dtype=torch.float64)
    args = [t.requires_grad_(True) for t in (emissions, torch.randn(len(src), generator=g, dtype=torch.float64),
                                            torch.randn(4, generator=g, dtype=torch.float64),
                                            torch.randn(4, generator=g, dtype=torch.float64))]

    def log_z(x, edge, start, end):
        return SparseLogPartition.apply(x, mask, edge, start, end, src, dst)

    assert torch.autograd.gradcheck(log_z, args)


def test_unreachable_tags_stay_finite():
    """A tag no edge enters (and one nothing leaves) gives -inf scores inside, never NaN."""
    trans = torch.zeros(4, 4, dtype=torch.bool)
    trans[0, 1] = trans[1, 0] = trans[1, 1] = trans[2, 0] = True  # nothing enters 2 or 3; nothing leaves 3
    crf = CRF(4, (trans, torch.ones(4, dtype=torch.bool), torch.ones(4, dtype=torch.bool)), sparse=True).double()
    emissions, mask = padded_batch([5, 1], 4, seed=9, dtype=torch.float64)
    emissions.requires_grad_(True)
    tags = torch.tensor([[0, 1, 1, 0, 1], [3, 0, 0, 0, 0]])
    ll = crf.log_likelihood(emissions, tags, mask)
    ll.sum().backward()
    assert torch.isfinite(ll).all() and torch.isfinite(emissions.grad).all()
    assert crf.decode(emissions, mask)[0, 1:].tolist() != [2] * 4


def test_auto_takes_the_sparse_path_only_for_large_sparse_tag_sets():
    assert not CRF(8).uses_sparse()
    big = CRF(64)
    assert not big.uses_sparse()
    big.restrict(torch.eye(64, dtype=torch.bool) | torch.eye(64, dtype=torch.bool).roll(1, 1))
    assert big.uses_sparse() and int(big.allowed_transitions.sum()) == 128
    with pytest.raises(ValueError, match="sparse"):
        CRF(3, sparse="yes")
    with pytest.raises(ValueError, match=r"\(64, 64\)"):
        big.restrict(torch.ones(3, 3, dtype=torch.bool))
