"""The forecast task's model: a `Forecaster` built from the config."""
from __future__ import annotations

from rnnkit.data.windows import Windows
from rnnkit.models.baselines import fit_ridge
from rnnkit.models.forecaster import Forecaster
from rnnkit.tasks.forecast.config import ForecastConfig

MODEL_FIELDS = ("cell", "hidden_size", "num_layers", "dropout", "recurrent_dropout", "conv_filters", "conv_kernel",
                "conv_pool", "ar_lags", "quantiles", "fast")
"""Config fields that are the model's constructor arguments of the same name."""


def build_model(config: ForecastConfig, input_size: int) -> Forecaster:
    return Forecaster(input_size, config.horizon, **{name: getattr(config, name) for name in MODEL_FIELDS})


def start_from_ridge(model: Forecaster, windows: Windows) -> float:
    """The linear skip and bias from a ridge regression on the scaled windows' last `ar_lags` target
    values (α chosen on the validation windows); returns α."""
    lags = model.ar_lags
    ridge, alpha = fit_ridge(windows.x["train"][:, -lags:, 0], windows.y["train"],
                             windows.x["valid"][:, -lags:, 0], windows.y["valid"], standardize=False)
    model.start_linear(ridge.coef_, ridge.intercept_)
    return alpha


def describe(config: ForecastConfig) -> str:
    """`rnnkit summary` of a config: the model it would build (the input features come from the data)."""
    front = (f"Conv1D({config.conv_filters}, {config.conv_kernel}) + MaxPool({config.conv_pool}) -> "
             if config.conv_filters else "")
    return (f"Forecaster: {config.lookback} steps -> {front}{config.cell} {config.hidden_size} x {config.num_layers} "
            f"-> Dense({config.horizon}{' x ' + str(len(config.quantiles)) if config.quantiles else ''})"
            f"{f' + linear skip over {config.ar_lags} lags' if config.ar_lags else ''}")
