"""Epoch totals: uneven batches add up to the values over the whole data."""
import math

import pytest
import torch
from torch import nn

from rnnkit.training.metrics import get_metric
from rnnkit.training.totals import EpochTotals


def test_totals_over_uneven_batches_equal_the_whole_data():
    g = torch.Generator().manual_seed(0)
    output, target = torch.randn(11, 3, generator=g), torch.randint(0, 3, (11,), generator=g)
    totals = EpochTotals([get_metric("acc")])
    for part in (slice(0, 4), slice(4, 8), slice(8, 11)):  # 4 + 4 + 3
        totals.add(nn.functional.cross_entropy(output[part], target[part]), output[part], target[part])
    logs = totals.results(all_ranks=True, prefix="val_")
    assert logs["val_loss"] == pytest.approx(nn.functional.cross_entropy(output, target).item(), rel=1e-6)
    assert logs["val_acc"] == pytest.approx((output.argmax(1) == target).double().mean().item())
    assert totals.mean_loss() == pytest.approx(logs["val_loss"])


def test_no_batches_give_a_nan_loss_and_no_metric_values():
    logs = EpochTotals([get_metric("acc")]).results(all_ranks=False)
    assert list(logs) == ["loss"] and math.isnan(logs["loss"])
