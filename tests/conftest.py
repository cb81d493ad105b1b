"""Shared test setup: one torch thread per test, and the tiny models of tests/training on the path."""
import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).parent / "training"))  # tiny_models: used by training, io and cli tests


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny models run faster on one thread (and the suite shares 2 cores); restored afterwards."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
