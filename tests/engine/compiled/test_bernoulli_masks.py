"""Zoneout's masks from the kernels' counter-based sampler (`compiled.bernoulli_masks`): Bernoulli(rate)
in value, frequency and independence, fixed by torch's seed, the same for any thread count, and the
masks every runner gets through `run_sequence` (so a seed gives the same zoneout on every path)."""
from __future__ import annotations

import pytest
import torch

from rnnkit.cells import make_cell
from rnnkit.engine import compiled, run_sequence

LIKE = torch.empty(0)


def test_values_frequency_and_independence(kernels):
    rate = 0.1
    masks = compiled.bernoulli_masks((50, 64, 256), rate, LIKE, torch.Generator().manual_seed(0))
    assert masks.shape == (50, 64, 256) and masks.dtype == torch.float32
    assert set(masks.unique().tolist()) == {0.0, 1.0}
    flat = masks.flatten()  # 819,200 draws: the frequency's standard error is 3.3e-4
    assert abs(float(flat.mean()) - rate) < 2e-3
    # neighbours in the counter (along the hidden units, across rows and steps) are independent
    for lag in (1, 256, 64 * 256):
        both = float((flat[:-lag] * flat[lag:]).mean())
        assert abs(both - rate * rate) < 1e-3, lag
    # and so are the bits of one draw: a rate near 1/2 splits the top bit, 1/4 the next two
    for p in (0.5, 0.25, 0.9):
        assert abs(float(compiled.bernoulli_masks((200_000,), p, LIKE).mean()) - p) < 5e-3


def test_edges_and_dtype(kernels):
    assert float(compiled.bernoulli_masks((1000,), 0.0, LIKE).sum()) == 0
    assert float(compiled.bernoulli_masks((1000,), 1.0, LIKE).sum()) == 1000
    assert compiled.bernoulli_masks((3, 2), 0.5, torch.empty(0, dtype=torch.float64)).dtype == torch.float64
    with pytest.raises(RuntimeError, match="p must be in"):
        kernels.bernoulli_masks(torch.empty(4), 1.5, 0)


def test_seeded_and_independent_of_threads(kernels):
    def draw():
        return compiled.bernoulli_masks((30, 16, 40), 0.3, LIKE, torch.Generator().manual_seed(7))

    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = draw()
        torch.set_num_threads(2)
        two = draw()
    finally:
        torch.set_num_threads(threads)
    assert torch.equal(one, two)
    other = compiled.bernoulli_masks((30, 16, 40), 0.3, LIKE, torch.Generator().manual_seed(8))
    assert not torch.equal(one, other)


def test_run_sequence_gives_every_path_the_same_masks(kernels):
    cell = make_cell("lstm", 5, 8, zoneout=0.3).double().train()
    x = torch.randn(12, 4, 5, dtype=torch.float64)
    state = cell.init_state(4)
    outputs = {}
    for fast in ("loop", "fused", "compiled"):
        torch.manual_seed(11)
        outputs[fast] = run_sequence(cell, x, state, fast=fast)[0]
    torch.testing.assert_close(outputs["fused"], outputs["loop"], rtol=0, atol=1e-12)
    torch.testing.assert_close(outputs["compiled"], outputs["loop"], rtol=0, atol=1e-12)
    torch.manual_seed(12)  # and another seed zones out other units
    assert not torch.allclose(run_sequence(cell, x, state, fast="compiled")[0], outputs["compiled"])
