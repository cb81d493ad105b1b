"""RocketFeatures leaves torch's thread count as it found it, also when an aeon transform fails midway."""
import numpy as np
import pytest
import torch

from rnnkit.models.minirocket import RocketFeatures


def test_a_failing_transform_still_restores_torch_threads(monkeypatch):
    from aeon.transformations.collection.convolution_based import MiniRocket

    def fit_that_changes_threads_then_fails(self, x3, *args, **kwargs):
        torch.set_num_threads(1 if threads > 1 else 2)  # as Hydra does, before anything can go wrong
        raise RuntimeError("the transform failed")

    threads = torch.get_num_threads()
    monkeypatch.setattr(MiniRocket, "fit", fit_that_changes_threads_then_fails)
    with pytest.raises(RuntimeError, match="the transform failed"):
        RocketFeatures().fit(np.zeros((4, 1, 30), dtype=np.float32))
    assert torch.get_num_threads() == threads
