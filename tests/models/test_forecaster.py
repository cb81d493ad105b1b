"""The Forecaster and the baselines it is compared with."""
import numpy as np
import pytest
import torch

from rnnkit.models import build_model, model_config
from rnnkit.models.baselines import (fit_ridge_on_lags, forecast_errors, lag_matrix, naive, ridge_forecast,
                                     seasonal_naive)
from rnnkit.models.forecaster import Forecaster, pinball_loss


@pytest.mark.parametrize("options", [dict(), dict(conv_filters=4, cell="gru", num_layers=2, recurrent_dropout=0.2),
                                     dict(quantiles=[0.1, 0.5, 0.9], ar_lags=5),
                                     dict(normalize="last", ar_lags=5), dict(normalize="window", quantiles=[0.5, 0.9])])
def test_shapes_and_rebuild_from_config(options):
    model = Forecaster(3, 4, hidden_size=8, fast="fused", **options)  # no C++ build in a unit test
    out = model(torch.randn(2, 12, 3))
    q = len(options.get("quantiles", []))
    assert out.shape == ((2, 4, q) if q else (2, 4)) and model.point(out).shape == (2, 4)
    again = build_model(model_config(model))
    again.load_state_dict(model.state_dict())
    model.eval(), again.eval()
    x = torch.randn(2, 12, 3)
    assert torch.equal(model(x), again(x))


def test_an_mlstm_forecaster_runs_its_parallel_form_with_the_recurrent_forms_outputs_and_gradients():
    """A window is known whole: an mlstm forecaster runs the parallel form, equal to the same weights stepped
    one step at a time (fast="fused": the recurrent form), in forecasts and gradients."""
    from rnnkit.layers import MLSTM

    torch.manual_seed(0)
    options = dict(hidden_size=6, num_layers=2, cell="mlstm", ar_lags=3, cell_options={"num_heads": 2})
    parallel = Forecaster(3, 4, **options).double()
    recurrent = Forecaster(3, 4, fast="fused", **options).double()
    assert type(parallel.rnn) is MLSTM and type(recurrent.rnn) is not MLSTM
    recurrent.load_state_dict(parallel.state_dict())
    x = torch.randn(5, 12, 3, dtype=torch.float64)
    outs = [model(x) for model in (parallel, recurrent)]
    torch.testing.assert_close(outs[0], outs[1], rtol=1e-10, atol=1e-10)
    grads = [torch.autograd.grad(out.square().sum(), list(model.parameters()))
             for out, model in zip(outs, (parallel, recurrent))]
    for a, b in zip(*grads):
        torch.testing.assert_close(a, b, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("normalize", ["last", "window"])
def test_normalize_takes_the_target_out_of_its_window_level_and_puts_it_back(normalize):
    """Moving a window's target by a constant c (and, under "window", scaling it by s) moves the forecast the
    same way; the covariate columns are left as they are."""
    torch.manual_seed(0)
    model = Forecaster(2, 3, hidden_size=8, ar_lags=4, normalize=normalize, fast="fused").eval()
    x = torch.randn(5, 10, 2)
    c, s = 3.0, (2.5 if normalize == "window" else 1.0)
    moved = x.clone()
    moved[..., 0] = s * x[..., 0] + c
    assert torch.allclose(model(moved), s * model(x) + c, atol=1e-4)
    plain = Forecaster(2, 3, hidden_size=8, ar_lags=4, fast="fused").eval()
    plain.load_state_dict(model.state_dict())
    assert not torch.allclose(plain(moved), s * plain(x) + c, atol=1e-2)  # without it the level leaks through


def test_normalize_last_starts_at_a_linear_model_of_the_changes_from_the_last_value():
    model = Forecaster(2, 3, hidden_size=8, ar_lags=4, normalize="last", fast="fused").eval()
    weight, bias = torch.randn(3, 4), torch.randn(3)
    model.start_linear(weight, bias)
    x = torch.randn(5, 10, 2)
    last = x[:, -1:, 0]  # (5, 1)
    assert torch.allclose(model(x), last + (x[:, -4:, 0] - last) @ weight.T + bias, atol=1e-5)


def test_normalize_must_be_known():
    with pytest.raises(ValueError, match=r"normalize must be one of .*got 'diff'"):
        Forecaster(2, 3, normalize="diff")


def test_start_linear_makes_the_model_that_linear_model():
    model = Forecaster(2, 3, hidden_size=8, ar_lags=4, fast="fused").eval()
    weight, bias = torch.randn(3, 4), torch.randn(3)
    model.start_linear(weight, bias)
    x = torch.randn(5, 10, 2)
    assert torch.allclose(model(x), x[:, -4:, 0] @ weight.T + bias, atol=1e-6)


def test_pinball_loss_weighs_under_and_over_forecasts_by_tau():
    loss = pinball_loss([0.9])
    target = torch.zeros(1, 1)
    assert loss(torch.full((1, 1, 1), -1.0), target).item() == pytest.approx(0.9)  # under by 1
    assert loss(torch.full((1, 1, 1), 1.0), target).item() == pytest.approx(0.1)  # over by 1


def test_naive_and_seasonal_naive_read_the_right_past_values():
    y = np.arange(20.0)
    at = np.array([10, 12])
    assert naive(y, at, 3).tolist() == [[9, 9, 9], [11, 11, 11]]
    assert seasonal_naive(y, at, 5, period=4).tolist() == [[6, 7, 8, 9, 6], [8, 9, 10, 11, 8]]  # t+4 is 2 seasons back
    assert lag_matrix(y, at, 3).tolist() == [[7, 8, 9], [9, 10, 11]]


def test_ridge_on_lags_learns_an_autoregression_naive_cannot():
    rng = np.random.default_rng(0)
    y = np.zeros(600)
    for t in range(2, 600):
        y[t] = 0.5 * y[t - 1] - 0.7 * y[t - 2] + rng.normal()
    train, valid, test = np.arange(10, 400), np.arange(400, 500), np.arange(500, 599)
    ridge, _ = fit_ridge_on_lags(y, train, valid, 5, 1)
    actual = y[test][:, None]
    ridge_mae = forecast_errors(actual, ridge_forecast(ridge, y, test, 5, 1))["mae"][0]
    assert ridge_mae < 0.9 < 1.1 < forecast_errors(actual, naive(y, test, 1))["mae"][0]


def test_mape_is_sklearns_without_zeros_and_skips_zero_actuals():
    from sklearn.metrics import mean_absolute_percentage_error
    rng = np.random.default_rng(0)
    actual = rng.normal(5, 1, (20, 3))
    forecast = actual + rng.normal(0, 0.3, (20, 3))
    expected = 100 * mean_absolute_percentage_error(actual, forecast, multioutput="raw_values")
    np.testing.assert_allclose(forecast_errors(actual, forecast)["mape"], expected)
    actual[:, 1], actual[3, 0] = 0.0, 0.0  # a step of zeros (PBS's last months), one zero in the first step
    mape = forecast_errors(actual, forecast)["mape"]
    kept = np.arange(20) != 3
    assert mape[0] == pytest.approx(100 * np.mean(np.abs(forecast[kept, 0] - actual[kept, 0]) / actual[kept, 0]))
    assert np.isnan(mape[1]) and mape[2] == pytest.approx(expected[2])
