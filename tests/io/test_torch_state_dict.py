"""`rnnkit.io.torch_interop`: state_dict files saved by torch.save load only through
torch.load(weights_only=True): tensors come back, a pickle holding other objects is refused in one line
without running them; a Recurrent layer rebuilt from a state_dict gives torch's outputs."""
import pytest
import torch
from torch import nn

from rnnkit.errors import UserError
from rnnkit.io.torch_interop import load_state_dict, recurrent_from_state_dict

RAN = []


def side_effect(*args):
    RAN.append(args)


class Payload:
    """What a hostile checkpoint holds: unpickling it would call side_effect."""

    def __reduce__(self):
        return side_effect, ("unpickled",)


@pytest.mark.parametrize("kind, module", [
    ("lstm", lambda: nn.LSTM(3, 5, num_layers=2, bidirectional=True, batch_first=True)),
    ("lstm", lambda: nn.LSTM(3, 5, batch_first=True, proj_size=2)),
    ("gru", lambda: nn.GRU(3, 4, num_layers=2, batch_first=True)),
    ("rnn", lambda: nn.RNN(3, 4, bidirectional=True, batch_first=True)),
])
def test_state_dict_file_rebuilds_a_layer_with_torch_outputs(kind, module, tmp_path):
    torch.manual_seed(0)
    torch_module = module()
    torch.save(torch_module.state_dict(), tmp_path / "rnn.pt")
    layer = recurrent_from_state_dict(tmp_path / "rnn.pt", kind)
    x = torch.randn(2, 6, 3)
    with torch.no_grad():
        torch.testing.assert_close(layer(x), torch_module(x)[0], atol=1e-6, rtol=0)


def test_a_module_inside_a_whole_model_checkpoint(tmp_path):
    torch.manual_seed(1)
    model = nn.ModuleDict({"embed": nn.Embedding(5, 3), "rnn": nn.GRU(3, 4, batch_first=True)})
    torch.save({"epoch": 3, "model_state_dict": model.state_dict()}, tmp_path / "ckpt.pt")
    state = load_state_dict(tmp_path / "ckpt.pt")
    assert set(state) == set(model.state_dict())
    layer = recurrent_from_state_dict(state, "gru", prefix="rnn.")
    x = torch.randn(2, 5, 3)
    with torch.no_grad():
        torch.testing.assert_close(layer(x), model["rnn"](x)[0], atol=1e-6, rtol=0)


def test_a_pickle_with_arbitrary_objects_is_refused_without_running_them(tmp_path):
    torch.save({"weight": torch.zeros(2), "extra": Payload()}, tmp_path / "hostile.pt")
    with pytest.raises(UserError, match="refused") as err:
        load_state_dict(tmp_path / "hostile.pt")
    assert "\n" not in str(err.value) and "side_effect" in str(err.value)
    assert RAN == [], "the payload must not have run"
    torch.load(tmp_path / "hostile.pt", weights_only=False)  # the same file does run it when unpickled freely
    assert RAN == [("unpickled",)]


def test_files_that_are_no_state_dict(tmp_path):
    (tmp_path / "text.pt").write_text("hello")
    with pytest.raises(UserError, match="not a torch.save file"):
        load_state_dict(tmp_path / "text.pt")
    torch.save([1, 2], tmp_path / "list.pt")
    with pytest.raises(UserError, match="expected a state_dict"):
        load_state_dict(tmp_path / "list.pt")
    torch.save(nn.Linear(2, 2).state_dict(), tmp_path / "linear.pt")
    with pytest.raises(UserError, match="'weight_ih_l0'"):
        recurrent_from_state_dict(tmp_path / "linear.pt", "lstm")
