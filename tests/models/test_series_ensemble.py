"""SeriesEnsemble: its logits' softmax (sigmoid for two classes) equals the members' mean probability, checked
against each member run alone; the config round-trips through the registry with the weights; bad arguments
name themselves."""
import pytest
import torch

from rnnkit.models import build_model, model_config
from rnnkit.models.series_classifier import SeriesClassifier
from rnnkit.models.series_ensemble import SeriesEnsemble


def members(num_classes, count=3):
    out = []
    for seed in range(count):
        torch.manual_seed(seed)
        out.append(SeriesClassifier(num_classes, 2, fcn_filters=(4, 5), fcn_kernels=(3, 1), hidden_size=3,
                                    bidirectional=True, pooling="last+mean", fast="native").double().eval())
    return out


@pytest.mark.parametrize("num_classes", [2, 4])
def test_output_is_the_mean_probability_of_the_members(num_classes):
    models = members(num_classes)
    ensemble = SeriesEnsemble.of(models).double()
    x = torch.randn(5, 7, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    lengths = torch.tensor([7, 3, 5, 1, 7])
    mean = torch.stack([m.predict_proba(x, lengths) for m in models]).mean(0)  # (B, K)
    logits = ensemble(x, lengths)
    got = torch.softmax(logits, -1) if num_classes > 2 else torch.cat((1 - torch.sigmoid(logits), torch.sigmoid(logits)), -1)
    assert logits.shape == (5, num_classes if num_classes > 2 else 1)
    torch.testing.assert_close(got, mean, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(ensemble.predict_proba(x, lengths), mean, rtol=1e-12, atol=1e-12)
    assert not torch.allclose(models[0].predict_proba(x, lengths), mean)  # the members differ: the test can fail


def test_sure_members_keep_finite_logits():
    models = members(2, 2)
    ensemble = SeriesEnsemble.of(models).double()
    for m in ensemble.members:
        m.head.bias.data.fill_(80.0)  # sigmoid(80) rounds to 1 in float64
    logits = ensemble(torch.zeros(2, 4, 2, dtype=torch.float64))
    assert torch.isfinite(logits).all() and (logits > 70).all()


def test_config_and_weights_round_trip_through_the_registry():
    ensemble = SeriesEnsemble.of(members(3, 2)).double()
    config = model_config(ensemble)
    assert config["name"] == "series_ensemble" and config["count"] == 2 and config["num_classes"] == 3
    assert config["member"]["name"] == "series_classifier"
    rebuilt = build_model(config).double().eval()
    rebuilt.load_state_dict(ensemble.state_dict())
    x = torch.randn(3, 6, 2, dtype=torch.float64)
    torch.testing.assert_close(rebuilt(x), ensemble(x))


@pytest.mark.parametrize("kwargs, message", [
    (dict(count=0), "count must be an integer >= 1, got 0"),
    (dict(count=True), "count must be an integer >= 1, got True"),
    (dict(num_classes=5), "member must be a model config of num_classes=5"),
])
def test_bad_arguments_name_themselves(kwargs, message):
    args = {"num_classes": 3, "member": model_config(members(3, 1)[0]), "count": 2, **kwargs}
    with pytest.raises(ValueError, match=message):
        SeriesEnsemble(**args)
