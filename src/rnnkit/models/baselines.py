"""Forecasting baselines a recurrent forecaster must beat, on the same windows (origins t, forecasting
steps t .. t + horizon - 1 of the target y):

- naive (persistence, article 003's common-sense baseline): ŷ_{t+h} = y_{t-1};
- seasonal naive with period m: ŷ_{t+h} = y_{t+h-km}, k = ⌈(h+1)/m⌉ (the same step one season ago);
- ridge regression on the last p lags (scikit-learn), one output per step (direct multi-step):
  ŷ_{t+h} = w_h · z(y_{t-p} .. y_{t-1}) + b_h, its α chosen on the validation windows by MAE.

And `forecast_errors`: MAE, RMSE and MAPE per horizon step (scikit-learn's metrics).
"""
from __future__ import annotations

import warnings

import numpy as np

RIDGE_ALPHAS = tuple(np.logspace(-5, 4, 19))


def naive(target: np.ndarray, at: np.ndarray, horizon: int) -> np.ndarray:
    """(N, horizon): the last value before each origin."""
    return np.repeat(target[at - 1][:, None], horizon, 1)


def seasonal_naive(target: np.ndarray, at: np.ndarray, horizon: int, period: int) -> np.ndarray:
    """(N, horizon): the value one (or k) seasons before each forecast step; needs at >= period."""
    h = np.arange(horizon)
    back = period * ((h + period) // period)  # k m with k = ceil((h + 1) / m)
    return target[at[:, None] + h[None, :] - back[None, :]]


def lag_matrix(target: np.ndarray, at: np.ndarray, lags: int) -> np.ndarray:
    """(N, lags): y_{t-lags} .. y_{t-1} for each origin t."""
    return np.lib.stride_tricks.sliding_window_view(target, lags)[at - lags]


def step_targets(target: np.ndarray, at: np.ndarray, horizon: int) -> np.ndarray:
    return np.lib.stride_tricks.sliding_window_view(target, horizon)[at]


def ridge_fit(x: np.ndarray, y: np.ndarray, alpha: float, standardize: bool = True):
    """Ridge at α from rows of lags x (N, p) to targets y (N, horizon), on standardised lags unless told otherwise."""
    # scikit-learn is imported where it is used: `rnnkit train` of a task that fits none does not pay its start-up
    from scipy.linalg import LinAlgWarning
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    with warnings.catch_warnings():  # neighbouring lags are nearly collinear: the small alphas of the grid
        warnings.simplefilter("ignore", LinAlgWarning)  # are ill-conditioned by design; validation judges them
        return (make_pipeline(StandardScaler(), Ridge(alpha=alpha)) if standardize else Ridge(alpha=alpha)).fit(x, y)


def fit_ridge(x: np.ndarray, y: np.ndarray, x_valid: np.ndarray, y_valid: np.ndarray, standardize: bool = True,
              alphas=RIDGE_ALPHAS):
    """(fitted model, alpha): `ridge_fit` with the α of `alphas` of the lowest validation MAE."""
    best = None
    for alpha in alphas:
        model = ridge_fit(x, y, alpha, standardize)
        error = float(np.mean(np.abs(model.predict(x_valid).reshape(y_valid.shape) - y_valid)))
        if best is None or error < best[0]:
            best = (error, model, float(alpha))
    return best[1], best[2]


def fit_ridge_on_lags(target: np.ndarray, train_at: np.ndarray, valid_at: np.ndarray, lags: int, horizon: int):
    """`fit_ridge` on the last `lags` values before the training and validation origins."""
    return fit_ridge(lag_matrix(target, train_at, lags), step_targets(target, train_at, horizon),
                     lag_matrix(target, valid_at, lags), step_targets(target, valid_at, horizon))


def fit_ridge_at(target: np.ndarray, at: np.ndarray, lags: int, horizon: int, alpha: float):
    """`ridge_fit` at a given α (standardised lags) on the last `lags` values before the origins `at`."""
    return ridge_fit(lag_matrix(target, at, lags), step_targets(target, at, horizon), alpha)


def ridge_forecast(model, target: np.ndarray, at: np.ndarray, lags: int, horizon: int) -> np.ndarray:
    return model.predict(lag_matrix(target, at, lags)).reshape(len(at), horizon)


def forecast_errors(actual: np.ndarray, forecast: np.ndarray) -> dict[str, list[float]]:
    """{"mae": [per step], "rmse": [...], "mape": [...]} for (N, horizon) arrays; MAPE in percent."""
    return {"mae": np.mean(np.abs(forecast - actual), axis=0).tolist(),
            "rmse": np.sqrt(np.mean((forecast - actual) ** 2, axis=0)).tolist(),
            "mape": percentage_errors(actual, forecast).tolist()}


def percentage_errors(actual: np.ndarray, forecast: np.ndarray) -> np.ndarray:
    """MAPE in percent per horizon step over the windows whose actual value is not zero, NaN for a step whose
    actuals are all zero: a zero has no percentage error (scikit-learn's epsilon in its place turns one zero
    into 10^15 %, which then swamps the mean)."""
    nonzero = actual != 0
    ratios = np.abs(forecast - actual) / np.where(nonzero, np.abs(actual), 1.0)
    counts = nonzero.sum(axis=0)
    return np.where(counts > 0, 100 * (ratios * nonzero).sum(axis=0) / np.maximum(counts, 1), np.nan)
