"""The forecast run's baselines: the season from the series' frequency (or --season), every baseline on the
model's own validation and test windows (an exactly seasonal series: seasonal naive makes no error), the
blend weight chosen on the validation windows only, and an end-to-end run on a tiny real series (Box &
Jenkins' airline passengers, as aeon ships it) printing and reporting every baseline."""
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.series import Series, read_series, split_points
from rnnkit.data.windows import make_windows
from rnnkit.models.baselines import step_targets
from rnnkit.models.forecaster import Forecaster
from rnnkit.tasks.config import make_config
from rnnkit.models.blend import WEIGHTS as BLEND_WEIGHTS, blend
from rnnkit.tasks.forecast import baselines
from rnnkit.tasks.forecast.baselines import choose_blend, mae
from rnnkit.tasks.forecast.config import ForecastConfig
from rnnkit.tasks.forecast.data import default_season, naive_seasons, naive_seasons_of, series_facts
from rnnkit.errors import UserError
from rnnkit.tasks.forecast.predict import backtest_scores, compare
from testkit import call_cli as call


@pytest.mark.parametrize("freq, season", [
    ("W-SUN", 52), ("W-MON", 52), ("D", 7), ("h", 24), ("30min", 48), ("15min", 96), ("MS", 12), ("ME", 12),
    ("QS-DEC", 4), ("B", 5), ("2h", 12), ("YS", 1), ("7min", 1),
])
def test_the_season_is_read_from_the_time_stamps(tmp_path, freq, season):
    times = pd.date_range("2021-01-04", periods=60, freq=freq)
    pd.DataFrame({"t": times, "y": np.arange(60.0)}).to_csv(tmp_path / "s.csv", index=False)
    series = read_series(tmp_path / "s.csv", "t", "y")  # the frequency pandas infers from the stamps
    assert default_season(series.freq) == season


def _series(values: np.ndarray, freq: str = "D") -> Series:
    times = pd.date_range("2020-01-01", periods=len(values), freq=freq)
    return Series("test", times, values.astype(np.float32)[:, None], ["y"], freq, "t")


def test_season_flag_overrides_the_frequency():
    series = _series(np.arange(100.0))
    windows = make_windows(series, 10, 1)
    assert series_facts(make_config(ForecastConfig, {"data": "x.csv", "target_col": "y"}), series, windows)["season"] == 7
    assert series_facts(make_config(ForecastConfig, {"data": "x.csv", "target_col": "y", "season": 5}),
                        series, windows)["season"] == 5


def test_every_baseline_is_scored_on_the_models_windows_and_seasonal_naive_is_exact_on_a_seasonal_series():
    pattern = np.array([3.0, 7.0, 1.0, 9.0, 4.0, 6.0, 2.0])  # a week of days, repeated exactly
    series = _series(np.tile(pattern, 40))
    windows = make_windows(series, 14, 3)
    model = Forecaster(1, 3, hidden_size=4, fast="fused")
    found = compare(model, series, windows, 14, 3, season=7)
    for split in ("valid", "test"):
        n = len(windows.at[split])
        assert set(found.forecasts[split]) >= {"model", "naive", "seasonal naive", "ridge", "AutoETS", "AutoARIMA"}
        assert all(f.shape == (n, 3) for f in found.forecasts[split].values())
        np.testing.assert_allclose(found.actual[split], windows.y[split] * windows.scaler.std[0] + windows.scaler.mean[0],
                                   atol=1e-4)  # the windows' own targets
    assert mae(found.actual["test"], found.forecasts["test"]["seasonal naive"]) == 0.0
    assert mae(found.actual["test"], found.forecasts["test"]["naive"]) > 1.0
    assert found.partner in ("seasonal naive", "AutoETS", "AutoARIMA", "ridge")  # one that fits the season best
    assert mae(found.actual["valid"], found.forecasts["valid"][found.partner]) < 1e-3

    folds = backtest_scores(found, windows.at["test"], len(series), 3, 4)  # the last 12 steps, 4 forecasts of 3
    assert folds["backtest_folds"] == 4 and len(folds["backtest_naive_mae_per_fold"]) == 4
    assert folds["backtest_seasonal_naive_mae"] == 0.0 and folds["backtest_naive_mae"] > 1.0
    last = found.forecasts["test"]["naive"][-1]  # the last fold: the last test window
    assert folds["backtest_naive_mae_per_fold"][-1] == pytest.approx(np.mean(np.abs(found.actual["test"][-1] - last)))
    with pytest.raises(UserError, match="reach before the test period; at most"):
        backtest_scores(found, windows.at["test"], len(series), 3, 100)


def test_a_statistical_baseline_too_slow_to_roll_is_left_out_with_a_note(monkeypatch):
    from rnnkit.tasks.forecast import baselines

    monkeypatch.setattr(baselines, "ROLL_BUDGET", 0.0)
    y = np.tile([1.0, 5.0, 2.0, 8.0], 30) + np.arange(120) * 0.01
    fitted = baselines.fit_baselines(y, np.arange(84, 100), 8, 1, 4, origins_to_forecast=30)
    assert fitted.names == ["naive", "seasonal naive", "ridge"]
    assert "left out: AutoARIMA" in fitted.notes["AutoARIMA"] and "to forecast the 30 validation and test windows" \
        in fitted.notes["AutoARIMA"]


def test_the_blend_weight_minimises_the_validation_error():
    rng = np.random.default_rng(0)
    actual = rng.normal(size=(200, 2))
    noise_a, noise_b = rng.normal(size=(2, 200, 2))
    model, good, bad = actual + noise_a, actual + noise_b, actual + 3 * noise_b
    partner, weight = choose_blend(actual, model, {"bad": bad, "good": good})
    assert partner == "good" and 0.3 <= weight <= 0.7  # two independent errors of one size: about half each
    assert mae(actual, blend(model, good, weight)) == min(mae(actual, blend(model, good, w)) for w in BLEND_WEIGHTS)
    assert choose_blend(actual, actual, {"good": good}) == ("good", 0.0)  # a perfect model takes none


def test_on_few_validation_windows_the_weight_is_pulled_toward_half():
    """Ten windows where the baseline is exact choose weight 1 by chance as much as by skill: pulled toward 0.5 by
    PRIOR_WINDOWS windows, (10 x 1 + 5 x 0.5) / 15 = 0.83, the grid's 0.85; from 96 windows on nothing moves."""
    assert baselines.PRIOR_WINDOWS == 5
    rng = np.random.default_rng(1)
    for n, expected in [(10, 0.85), (96, 1.0)]:
        actual = rng.normal(size=(n, 1))
        assert choose_blend(actual, actual + 1, {"exact": actual.copy()}) == ("exact", expected)


def test_the_test_period_chooses_nothing():
    rng = np.random.default_rng(1)
    values = 10 + np.sin(np.arange(300) * 2 * np.pi / 7) + 0.3 * rng.normal(size=300)
    _, test_start = split_points(300)
    changed = values.copy()
    changed[test_start:] += 5 * rng.normal(size=300 - test_start)  # the test period alone differs
    model = Forecaster(1, 2, hidden_size=4, fast="fused")
    chosen = []
    for v in (values, changed):
        series = _series(v)
        chosen.append(compare(model, series, make_windows(series, 14, 2), 14, 2, season=7))
    assert (chosen[0].partner, chosen[0].weight) == (chosen[1].partner, chosen[1].weight)
    for name in chosen[0].forecasts["valid"]:
        np.testing.assert_array_equal(chosen[0].forecasts["valid"][name], chosen[1].forecasts["valid"][name])
    assert mae(chosen[0].actual["test"], chosen[0].forecasts["test"]["naive"]) != \
        mae(chosen[1].actual["test"], chosen[1].forecasts["test"]["naive"])


def test_a_run_on_a_real_series_prints_and_reports_every_baseline(tmp_path, capsys):
    import aeon

    airline = Path(aeon.__file__).parent / "datasets" / "data" / "Airline" / "Airline.csv"
    shutil.copy(airline, tmp_path / "airline.csv")
    code, out, err = call(capsys, "train", "forecast", "--data", tmp_path / "airline.csv", "--time-col", "Date",
                          "--target-col", "Passengers", "--lookback", "24", "--horizon", "2", "--hidden-size", "8",
                          "--epochs", "2", "--fast", "fused", "--run-dir", tmp_path / "run")
    assert code in (0, None), err
    line = next(x for x in out.splitlines() if x.startswith("test MAE"))
    for name in ("model", "naive", "seasonal naive", "ridge", "AutoETS", "AutoARIMA"):
        assert f"{name} " in line, line
    report = (tmp_path / "run" / "report.md").read_text()
    assert "one season (12 steps)" in report and "statsforecast's ETS(" in report and "ARIMA(" in report
    first = report.splitlines()[0]
    facts = json.loads((tmp_path / "run" / "blend.json").read_text())
    test_mae = facts["mae"]["test"]
    lost = [n for n in test_mae if n not in ("model", "run") and test_mae["model"] >= test_mae[n]]
    assert ("does NOT beat" in first) == bool(lost), first
    assert all(name in first for name in lost)

    code, out, err = call(capsys, "evaluate", tmp_path / "run", "--backtest", 3, "--json")
    assert code in (0, None), err
    folds = json.loads(out)
    assert {f"backtest_{n}_mae" for n in ("model", "naive", "seasonal_naive", "ridge", "AutoETS", "AutoARIMA")} <= set(folds)
    code, out, err = call(capsys, "evaluate", tmp_path / "run", "--backtest", 50)
    assert code == 2 and "--backtest 50: 50 folds of 2 steps reach before the test period" in err

    # predict from the history before the last test origin delivers what the run scored there
    from rnnkit.data.windows import Scaler
    from rnnkit.io.run import load
    from rnnkit.tasks import read_run
    from rnnkit.tasks.forecast.baselines import load_blend
    from rnnkit.tasks.forecast.data import load_series, series_windows

    run = read_run(tmp_path / "run")
    series = load_series(run.config)
    windows = series_windows(run.config, series, run.saved["data"]["calendar"], Scaler.load(run.path))
    found = compare(load(run.path), series, windows, 24, 2, 12, chosen=load_blend(run.path))
    last = int(windows.at["test"][-1])
    pd.read_csv(tmp_path / "airline.csv").iloc[:last].to_csv(tmp_path / "recent.csv", index=False)
    records = run.task.predict(run, str(tmp_path / "recent.csv"))
    delivered = found.forecasts["test"].get("run", found.forecasts["test"]["model"])[-1]
    assert [r["Passengers"] for r in records] == pytest.approx(delivered.tolist(), rel=1e-5)
    for partner in ("seasonal naive", "ridge", "AutoETS", "AutoARIMA"):  # whichever baseline a run blends in
        (tmp_path / "run" / "blend.json").write_text(json.dumps({"baseline": partner, "weight": 0.5}))
        found = compare(load(run.path), series, windows, 24, 2, 12, chosen=(partner, 0.5))
        records = run.task.predict(run, str(tmp_path / "recent.csv"))
        assert [r["Passengers"] for r in records] == pytest.approx(found.forecasts["test"]["run"][-1].tolist(), rel=1e-5)
        assert [r["model"] for r in records] == pytest.approx(found.forecasts["test"]["model"][-1].tolist(), rel=1e-5)


@pytest.mark.parametrize("freq, seasons", [("30min", (48, 336)), ("h", (24, 168)), ("2h", (12, 84)), ("D", (7,)),
                                           ("W-SUN", (52,)), ("MS", (12,)), ("YS", (1,)), ("7min", (1,))])
def test_the_seasonal_naive_of_sub_daily_steps_compares_a_day_and_a_week(freq, seasons):
    assert naive_seasons(freq) == seasons


def test_the_seasonal_naive_takes_the_season_of_lower_validation_mae():
    """Half hours whose weekends differ from weekdays: last week's same half hour is exact, yesterday's is
    not on Mondays and Saturdays; the validation windows say so. `--season` given: that season alone."""
    times = pd.date_range("2024-01-01", periods=336 * 12, freq="30min")
    day = np.sin(2 * np.pi * np.arange(len(times)) / 48)
    y = day * np.where(times.dayofweek >= 5, 0.5, 1.0) + 10
    valid_at = np.arange(int(0.7 * len(y)), int(0.85 * len(y)))
    fitted = baselines.fit_baselines(y, valid_at, 48, 2, 48, names=("seasonal naive",), naive_seasons=(48, 336))
    assert fitted.naive_season == 336 and "of 48, 336 steps" in fitted.notes["seasonal naive"]
    np.testing.assert_allclose(fitted.forecast("seasonal naive", y, valid_at), step_targets(y, valid_at, 2))
    given = make_config(ForecastConfig, {"data": "x.csv", "target_col": "y", "season": 48})
    series = Series("x.csv", times, y.astype(np.float32)[:, None], ["y"], "30min", "t")
    assert naive_seasons_of(given, series) == (48,)
    assert naive_seasons_of(make_config(ForecastConfig, {"data": "x.csv", "target_col": "y"}), series) == (48, 336)


def test_the_test_period_is_forecast_by_baselines_refitted_on_training_and_validation():
    """Validation windows: the baselines fitted on the training period; test windows: the same baselines fitted
    again on every value before the test period (ridge at its validation α), as statsforecast and Darts users
    refit before forecasting; the validation forecasts, and so the blend's choice, do not move."""
    from sklearn.linear_model import Ridge
    from statsforecast.models import AutoETS

    rng = np.random.default_rng(3)
    n = 240
    season = 10 * np.sin(np.arange(n) * 2 * np.pi / 7)
    level = np.where(np.arange(n) < split_points(n)[0], 50.0, 80.0)  # the level moves at the validation period
    series = _series(level + season + rng.normal(size=n))
    y = series.target.astype(np.float64)
    windows = make_windows(series, 14, 2)
    model = Forecaster(1, 2, hidden_size=4, fast="fused")
    found = compare(model, series, windows, 14, 2, season=7, refit=True)
    kept = compare(model, series, windows, 14, 2, season=7)
    for name in found.forecasts["valid"]:
        np.testing.assert_array_equal(found.forecasts["valid"][name], kept.forecasts["valid"][name])
    assert (found.partner, found.weight) == (kept.partner, kept.weight)

    _, test_start = split_points(n)
    fitted = baselines.fit_baselines(y, windows.at["valid"], 14, 2, 7)
    train_at = np.arange(14, test_start - 2 + 1)  # every window whose targets end before the test period
    lags = np.lib.stride_tricks.sliding_window_view(y, 14)[train_at - 14]
    scale = lags.std(0)
    ridge = Ridge(alpha=fitted.ridge_alpha).fit((lags - lags.mean(0)) / scale, step_targets(y, train_at, 2))
    test_lags = np.lib.stride_tricks.sliding_window_view(y, 14)[windows.at["test"] - 14]
    np.testing.assert_allclose(found.forecasts["test"]["ridge"], ridge.predict((test_lags - lags.mean(0)) / scale),
                               rtol=1e-6, atol=1e-6)
    ets = AutoETS(season_length=7).fit(y[:test_start])
    t = int(windows.at["test"][0])
    np.testing.assert_allclose(found.forecasts["test"]["AutoETS"][0], ets.forward(y=y[:t], h=2)["mean"], rtol=1e-6)
    # the level seen in validation reaches the test forecasts only through the refit
    for name in ("ridge", "AutoETS"):
        assert mae(found.actual["test"], found.forecasts["test"][name]) < mae(kept.actual["test"], kept.forecasts["test"][name])
    assert "refitted on the training and validation" in " ".join(found.notes)


def test_on_few_validation_windows_the_partner_is_the_best_over_earlier_stretches_too():
    """A baseline lucky on a handful of validation windows but worse on the stretches before them loses the
    partner's place to the one that is better over all of them; the weight is still chosen on validation."""
    rng = np.random.default_rng(0)
    actual = rng.normal(size=(10, 12))
    model = actual + rng.normal(size=(10, 12))
    lucky, steady = actual + 0.5 * rng.normal(size=(10, 12)), actual + 0.7 * rng.normal(size=(10, 12))
    candidates = {"lucky": lucky, "steady": steady}
    assert choose_blend(actual, model, candidates)[0] == "lucky"
    earlier = [{"lucky": 3.0, "steady": 0.6}, {"lucky": 2.5, "steady": 0.5}]
    partner, weight = choose_blend(actual, model, candidates, earlier)
    assert partner == "steady"
    assert weight == choose_blend(actual, model, {"steady": steady})[1]  # the weight: validation's, with that partner


def test_on_few_validation_windows_ridge_is_no_partner():
    """Ridge's lags and α were chosen on the validation windows, so on a handful of them its MAE flatters it: below
    FEW_RIDGE_WINDOWS it is not offered as the partner, even where it is exact there and best on the earlier
    stretches (the rule before chose it: the 30-month file's + 0.7 x ridge); from FEW_RIDGE_WINDOWS windows on it is."""
    rng = np.random.default_rng(5)
    earlier = [{"ridge": 0.1, "naive": 1.0, "AutoETS": 0.9}]
    for n, expected in [(4, "AutoETS"), (baselines.FEW_RIDGE_WINDOWS - 1, "AutoETS"), (baselines.FEW_RIDGE_WINDOWS, "ridge")]:
        actual = rng.normal(size=(n, 1))
        candidates = {"naive": actual + 1.0, "ridge": actual.copy(), "AutoETS": actual + 0.5}
        partner, weight = choose_blend(actual, actual + 2.0, candidates, earlier)
        assert partner == expected
        assert weight == choose_blend(actual, actual + 2.0, {partner: candidates[partner]})[1]
    assert choose_blend(actual[:4], actual[:4] + 2.0, {"ridge": actual[:4]})[0] == "ridge"  # the only one: still offered


def test_a_run_on_few_validation_windows_says_ridge_is_no_partner():
    series = _series(10 + np.sin(np.arange(40) * 2 * np.pi / 7), freq="MS")
    windows = make_windows(series, 6, 1)
    assert len(windows.at["valid"]) < baselines.FEW_RIDGE_WINDOWS
    found = compare(Forecaster(1, 1, hidden_size=4, fast="fused"), series, windows, 6, 1, season=12)
    assert "ridge" in found.forecasts["valid"] and found.partner != "ridge"
    assert any("ridge is not offered as the blend's partner" in note for note in found.notes)


def test_the_earlier_stretches_are_a_rolling_origin_backtest_before_validation():
    """Each stretch has the validation period's length and ends where the next begins, the last at the validation
    period; a baseline there is fitted on the series before its stretch only; none leaves less than half the
    training period to fit on."""
    rng = np.random.default_rng(2)
    n = 200
    y = 10 + np.sin(np.arange(n) * 2 * np.pi / 7) + 0.3 * rng.normal(size=n)
    valid_start, test_start = split_points(n)
    valid_at = np.arange(valid_start, test_start - 2 + 1)
    blocks = baselines.earlier_blocks(y, valid_at, test_start, 14, 2, 7, ("naive", "ridge"), ridge_lags=(7, 14))
    assert len(blocks) == baselines.EARLIER_BLOCKS == 2
    period = test_start - valid_start
    at = np.arange(valid_start - period, valid_start - 2 + 1)  # the first stretch's origins
    assert blocks[0]["naive"] == pytest.approx(mae(step_targets(y, at, 2), np.repeat(y[at - 1][:, None], 2, 1)))
    changed = y.copy()
    changed[valid_start:] += 100.0  # the validation and test periods: nothing the stretches fit or score on
    assert baselines.earlier_blocks(changed, valid_at, test_start, 14, 2, 7, ("naive", "ridge"), ridge_lags=(7, 14)) == blocks
    changed[valid_start - 1] += 100.0  # the first stretch's last target
    moved = baselines.earlier_blocks(changed, valid_at, test_start, 14, 2, 7, ("naive", "ridge"), ridge_lags=(7, 14))
    assert moved[0] != blocks[0] and moved[1] == blocks[1]
    # a validation period of 12 steps from step 42: the second stretch would start at 18, under half of 42
    assert len(baselines.earlier_blocks(y[:60], np.arange(42, 53), 54, 7, 2, 7, ("naive",))) == 1
    # 30 steps of lookback: the first stretch (from step 30) leaves no training window of 30 lags before it
    assert baselines.earlier_blocks(y[:60], np.arange(42, 53), 54, 30, 2, 7, ("naive", "ridge")) == []


def test_a_run_on_few_validation_windows_says_how_its_partner_was_chosen():
    """Under FEW_WINDOWS validation windows the run's partner and weight are those of the earlier stretches'
    backtest and validation together, and a note says so; on more windows no stretch is scored."""
    rng = np.random.default_rng(4)
    series = _series(10 + np.sin(np.arange(120) * 2 * np.pi / 7) + 0.3 * rng.normal(size=120))
    windows = make_windows(series, 14, 3)
    assert len(windows.at["valid"]) < baselines.FEW_WINDOWS
    found = compare(Forecaster(1, 3, hidden_size=4, fast="fused"), series, windows, 14, 3, season=7)
    assert any("validation windows are few" in note for note in found.notes)
    y = series.target.astype(np.float64)
    blocks = baselines.earlier_blocks(y, windows.at["valid"], split_points(120)[1], 14, 3, 7)
    names = [n for n in found.forecasts["valid"] if n != "model" and n != "run"]
    assert (found.partner, found.weight) == choose_blend(found.actual["valid"], found.forecasts["valid"]["model"],
                                                         {n: found.forecasts["valid"][n] for n in names}, blocks)
    many = _series(10 + np.sin(np.arange(600) * 2 * np.pi / 7) + 0.3 * rng.normal(size=600))
    found = compare(Forecaster(1, 3, hidden_size=4, fast="fused"), many, make_windows(many, 14, 3), 14, 3, season=7)
    assert not any("validation windows are few" in note for note in found.notes)


def test_statistical_baselines_describe_a_constant_series():
    """AutoETS fits a constant series with no ETS method: the forecast run on a constant file ended in KeyError."""
    from rnnkit.models.statistical import StatisticalBaseline

    for name in ("AutoETS", "AutoARIMA"):
        model = StatisticalBaseline(name, 12).fit(np.full(60, 7.0))
        assert model.describe() and np.allclose(model.forecast(np.full(60, 7.0), np.array([40]), 3), 7.0)
