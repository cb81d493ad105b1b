"""SeriesClassifier (LSTM-FCN) and its FCN layer: shapes for every branch and recurrent input; a padded
batch of unequal series gives each series alone (eval) and batch norm's training statistics count real
steps only; configs round-trip through the registry; every parameter gets a gradient; bad arguments
name themselves."""
import pytest
import torch

from rnnkit.layers.fcn import FCN
from rnnkit.models import build_model, model_config
from rnnkit.models.series_classifier import SeriesClassifier

LENGTHS = (12, 5, 9, 1)


def padded(channels=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    series = [torch.randn(n, channels, generator=g, dtype=torch.float64) for n in LENGTHS]
    batch = torch.zeros(len(series), max(LENGTHS), channels, dtype=torch.float64)
    batch[:, :, :] = 99.0  # what sits in the padding must not matter
    for i, s in enumerate(series):
        batch[i, :len(s)] = s
    return series, batch


VARIANTS = {"fcn alone": dict(hidden_size=0),
            "series": dict(rnn_input="series", pooling="last+mean+attention", augment_slice=0.7),
            "fcn input": dict(rnn_input="fcn", rnn_pool=2, bidirectional=True, pooling="max+last", augment_scale=0.1,
                               augment_noise=0.05),
            "lstm alone": dict(fcn_filters=(), fcn_kernels=(), rnn_input="series", cell="gru")}


def small(num_classes=3, **kwargs):
    return SeriesClassifier(num_classes, 2, fcn_filters=kwargs.pop("fcn_filters", (4, 6, 5)),
                            fcn_kernels=kwargs.pop("fcn_kernels", (4, 3, 1)), **{"hidden_size": 3, "fast": "native", **kwargs})


@pytest.mark.parametrize("variant", VARIANTS)
def test_padded_batch_equals_each_series_alone(variant):
    torch.manual_seed(0)
    model = small(**VARIANTS[variant]).double()
    for norm in (model.fcn.norms if model.fcn is not None else ()):  # eval statistics that are not the identity
        norm.running_mean.uniform_(-0.5, 0.5), norm.running_var.uniform_(0.5, 2.0)
    model.eval()
    series, batch = padded()
    together = model(batch, torch.tensor(LENGTHS))
    alone = torch.cat([model(s.unsqueeze(0)) for s in series])
    assert together.shape == (4, 3)
    torch.testing.assert_close(together, alone, rtol=1e-10, atol=1e-10)


def test_shuffle_reads_each_channel_as_one_step_of_the_padded_series():
    torch.manual_seed(0)
    model = small(rnn_input="shuffle", steps=12).double().eval()
    series, batch = padded()
    full = batch[:1, :12]  # the longest series, 12 points
    short = full[:, :10].clone()  # ... its first 10 points read as 12 with 2 zeros
    padded_short = torch.cat([short, torch.full((1, 2, 2), 99.0, dtype=torch.float64)], 1)
    torch.testing.assert_close(model(short), model(padded_short, torch.tensor([10])))
    assert not torch.allclose(model(short), model(padded_short))  # unmasked, the 99s are read
    assert model(full).shape == (1, 3)
    with pytest.raises(ValueError, match="at most steps=12 points, got 13"):
        model(torch.zeros(1, 13, 2, dtype=torch.float64))


def test_batch_norm_statistics_count_real_steps_only():
    """In training the FCN's first block normalises with the mean and variance of the real steps: the
    same as the series' real steps concatenated and normalised by torch's BatchNorm1d."""
    torch.manual_seed(0)
    fcn = FCN(2, (3,), (1,)).double()
    series, batch = padded()
    out = fcn.sequences(batch, torch.tensor(LENGTHS))  # (B, 3, T)
    reference = torch.nn.BatchNorm1d(3).double()
    reference.load_state_dict({k: v for k, v in FCN(2, (3,), (1,)).double().norms[0].state_dict().items()})
    concatenated = fcn.convs[0](torch.cat(series).T.unsqueeze(0))  # (1, 3, sum of lengths)
    expected = torch.relu(reference(concatenated))[0]  # (3, sum of lengths)
    got = torch.cat([out[i, :, :n] for i, n in enumerate(LENGTHS)], 1)
    torch.testing.assert_close(got, expected)
    torch.testing.assert_close(fcn.norms[0].running_mean, reference.running_mean)
    torch.testing.assert_close(fcn.norms[0].running_var, reference.running_var)
    assert (out[1, :, 5:] == 0).all()  # past the end: zeros
    fcn.eval()  # and in eval, each series alone
    alone = torch.cat([fcn(s.unsqueeze(0)) for s in series])
    torch.testing.assert_close(fcn(batch, torch.tensor(LENGTHS)), alone)


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_parameter_gets_a_gradient(variant):
    torch.manual_seed(0)
    model = small(**VARIANTS[variant], rnn_dropout=0.0)
    _, batch = padded()
    loss = torch.nn.functional.cross_entropy(model(batch.float(), torch.tensor(LENGTHS)), torch.tensor([0, 1, 2, 1]))
    loss.backward()
    missing = [n for n, p in model.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert not missing


def test_two_classes_give_one_logit_and_probabilities():
    model = small(2).eval()
    p = model.predict_proba(torch.randn(5, 7, 2))
    assert model(torch.randn(5, 7, 2)).shape == (5, 1) and model.output_activation == "sigmoid"
    torch.testing.assert_close(p.sum(-1), torch.ones(5))


@pytest.mark.parametrize("variant", [*VARIANTS, "shuffle"])
def test_config_round_trip_rebuilds_the_same_function(variant):
    torch.manual_seed(0)
    model = small(**(VARIANTS.get(variant) or dict(rnn_input="shuffle", steps=12))).eval()
    config = model_config(model)
    assert config["name"] == "series_classifier"
    again = build_model(config)
    again.load_state_dict(model.state_dict())
    x = torch.randn(3, 12, 2)
    torch.testing.assert_close(again.eval()(x), model(x))


@pytest.mark.parametrize("kwargs,needle", [
    (dict(hidden_size=0, fcn_filters=(), fcn_kernels=()), "needs a branch"),
    (dict(rnn_input="shuffle"), "give steps"),
    (dict(rnn_input="fcn", fcn_filters=(), fcn_kernels=()), "reads the FCN's outputs"),
    (dict(fcn_kernels=(3,)), "one kernel width per block"),
    (dict(rnn_input="sideways"), "rnn_input must be one of"),
    (dict(augment_slice=0), r"augment_slice must be in \(0, 1\], got 0"),
])
def test_bad_arguments_are_named(kwargs, needle):
    with pytest.raises(ValueError, match=needle):
        small(**kwargs)


def test_an_mlstm_branch_runs_its_parallel_form_with_the_recurrent_forms_outputs_and_gradients():
    """The series is known whole: an mlstm branch runs the parallel form, equal (padded) to the same weights
    stepped one step at a time (fast="fused": the recurrent form), in logits and gradients."""
    from rnnkit.layers import MLSTM

    torch.manual_seed(0)
    options = dict(fcn_filters=(4,), fcn_kernels=(3,), cell="mlstm", hidden_size=6, num_layers=2,
                   pooling="last+mean", rnn_dropout=0.0, cell_options={"num_heads": 2})
    parallel = SeriesClassifier(3, 2, **options).double().eval()
    recurrent = SeriesClassifier(3, 2, fast="fused", **options).double().eval()
    assert type(parallel.rnn) is MLSTM and type(recurrent.rnn) is not MLSTM
    recurrent.load_state_dict(parallel.state_dict())
    x, lengths = torch.randn(3, 9, 2, dtype=torch.float64), torch.tensor([9, 4, 6])
    outs = [model(x, lengths) for model in (parallel, recurrent)]
    torch.testing.assert_close(outs[0], outs[1], rtol=1e-10, atol=1e-10)
    grads = [torch.autograd.grad(out.square().sum(), list(model.parameters()))
             for out, model in zip(outs, (parallel, recurrent))]
    for a, b in zip(*grads):
        torch.testing.assert_close(a, b, rtol=1e-8, atol=1e-10)
