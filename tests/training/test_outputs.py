"""Model outputs: the shared forward call, eval mode and predict."""
import pytest
import torch
from torch import nn

from rnnkit.training.outputs import eval_mode, model_outputs, predict


class WithState(nn.Module):
    """Returns (outputs, state) as stateful models do; records the lengths it was given."""

    def __init__(self):
        super().__init__()
        self.lengths = None

    def forward(self, x, lengths=None):
        self.lengths = lengths
        return x * 2, "state"


def test_model_outputs_takes_the_first_of_a_tuple_and_passes_lengths():
    model, lengths = WithState(), torch.tensor([1, 2])
    out = model_outputs(model, torch.ones(2, 3), lengths, "cpu")
    assert torch.equal(out, torch.full((2, 3), 2.0)) and model.lengths is lengths


def test_eval_mode_restores_the_mode_even_after_an_error():
    model = nn.Dropout(0.5).train()
    with pytest.raises(RuntimeError), eval_mode(model):
        assert not model.training
        raise RuntimeError
    assert model.training
    with eval_mode(model.eval()):
        pass
    assert not model.training


def test_predict_concatenates_the_batches_in_order():
    x = torch.arange(10.0).reshape(10, 1)
    out = predict(WithState(), x, batch_size=3)
    assert torch.equal(out, x * 2)
