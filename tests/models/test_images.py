"""SequenceImageClassifier: images read as sequences of rows or pixels; the random shift is for
training only; configs round-trip through the registry."""
import pytest
import torch

from rnnkit.layers.augment import random_shift
from rnnkit.models import build_model, model_config
from rnnkit.models.images import SequenceImageClassifier


def test_image_rows_and_pixels_read_the_image_as_a_sequence():
    torch.manual_seed(0)
    rows = SequenceImageClassifier(mode="rows", hidden_size=6).eval()
    x = torch.rand(2, 784)
    direct = rows.head(rows.rnn(x.view(2, 28, 28))[1][0][-1])  # last hidden state of 28 rows
    torch.testing.assert_close(rows(x), direct)
    assert SequenceImageClassifier(mode="pixels", hidden_size=3)(torch.rand(2, 28, 28)).shape == (2, 10)


def test_config_round_trip():
    image = SequenceImageClassifier(mode="pixels", hidden_size=4)
    again = build_model(model_config(image))
    assert again.mode == "pixels" and again.rnn.input_size == 1


def test_image_shift_is_training_only_and_round_trips():
    torch.manual_seed(0)
    model = SequenceImageClassifier(10, hidden_size=6, max_shift=2)
    x = torch.rand(5, 784)
    model.eval()
    torch.testing.assert_close(model(x), model(x))  # eval: no randomness
    model.train()
    assert not torch.allclose(model(x), model(x))
    assert build_model(model_config(model)).max_shift == 2
    with pytest.raises(ValueError, match="max_shift"):
        SequenceImageClassifier(10, max_shift=28)


def test_training_reads_the_shifted_images():
    torch.manual_seed(0)
    model = SequenceImageClassifier(10, height=6, width=5, hidden_size=4, max_shift=1).train()  # no dropout
    x = torch.rand(3, 30)
    torch.manual_seed(1)
    out = model(x)
    torch.manual_seed(1)
    shifted = random_shift(x.view(3, 6, 5), 1)  # the one draw the model makes
    model.max_shift = 0
    torch.testing.assert_close(out, model(shifted.reshape(3, 30)))


def test_seeded_numbers_are_those_of_the_model_before_it_moved_to_its_own_module():
    """Outputs computed with commit b97d2f8's SequenceImageClassifier (in models/classifier.py): the
    same seed gives the same shifts and the same outputs."""
    torch.manual_seed(0)
    model = SequenceImageClassifier(10, mode="rows", height=6, width=5, hidden_size=4, num_layers=2, max_shift=2,
                                    pooling="last+mean")
    torch.manual_seed(1)
    out = model.train()(torch.linspace(0, 1, 60).view(2, 30))
    expected = [[-0.07728862762451172, 0.14647234976291656, 0.06387297809123993, 0.148827463388443,
                 -0.11730977892875671, 0.17837296426296234, -0.23950916528701782, 0.08016247302293777,
                 -0.2197480946779251, -0.3442324101924896],
                [-0.07321818172931671, 0.1768871694803238, 0.07737641781568527, 0.1513911783695221,
                 -0.0989416167140007, 0.15660065412521362, -0.1902630478143692, 0.16585278511047363,
                 -0.2091977298259735, -0.3792515993118286]]
    torch.testing.assert_close(out, torch.tensor(expected), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_a_float64_model_on_auto_reads_float32_pixels_in_its_own_dtype(cell):
    # issue 28 item 9: the float features were cast to float32, which the compiled kernels refused in a double model
    torch.manual_seed(0)
    model = SequenceImageClassifier(10, cell=cell, hidden_size=6).double()
    loop = SequenceImageClassifier(10, cell=cell, hidden_size=6, fast="loop").double()
    loop.load_state_dict(model.state_dict())
    pixels = torch.rand(3, 28, 28)  # float32, as images are read
    logits = model(pixels)
    assert logits.dtype == torch.float64
    torch.testing.assert_close(logits, loop(pixels))
    logits.sum().backward()
    assert all(p.grad.dtype == torch.float64 for p in model.parameters())
