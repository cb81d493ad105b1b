"""`rnnkit train forecast` end to end on a tiny synthetic series (no network): a noisy sine wave is
forecast better than naive, predict gives the next horizon with time stamps, evaluate re-scores the
test period; bad inputs through the CLI end in one line and exit 2."""
import json

import numpy as np
import pandas as pd
import pytest

from rnnkit.models.baselines import step_targets
from rnnkit.tasks import load_config, read_run, train
from rnnkit.tasks.forecast.baselines import mae
from testkit import call_cli as call


def sine_csv(path, n=480, seed=0, **extra):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    frame = pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=n, freq="h"),
                          "load": np.sin(2 * np.pi * t / 24) + 0.05 * rng.normal(size=n), **extra})
    frame.to_csv(path, index=False)
    return path


def test_a_sine_wave_is_forecast_better_than_naive_and_predicts_the_next_steps(tmp_path, capsys):
    path = sine_csv(tmp_path / "sine.csv")
    settings = {"data": str(path), "time_col": "ts", "target_col": "load", "lookback": "24", "horizon": "3",
                "hidden_size": "16", "epochs": "4", "lr": "0.01", "linear_start": "false", "ar_lags": "0",
                "calendar": "none", "fast": "fused"}  # the recurrent network alone, no C++ build
    run_dir, final = train(*load_config("forecast", settings), run_dir=tmp_path / "run", quiet=True)
    assert final["test_mae"] < 0.8 * final["test_naive_mae"]
    run = read_run(run_dir)
    blended = {"run"} if final["blend_weight"] else set()
    assert set(json.loads((run_dir / "test_errors.json").read_text())) == {"model", "naive", "seasonal naive", "ridge",
                                                                          "AutoETS", "AutoARIMA", *blended}
    assert (run_dir / "forecast.png").stat().st_size > 0 and "![forecast" in (run_dir / "report.md").read_text()
    assert run.config.normalize in ("none", "last")  # auto, resolved on validation and kept for evaluate and resume
    assert f"normalize auto: {run.config.normalize} (validation MAE" in (run_dir / "report.md").read_text()

    sine_csv(tmp_path / "recent.csv", n=30, seed=1)
    records = run.task.predict(run, str(tmp_path / "recent.csv"))
    assert [r["time"] for r in records] == ["2024-01-02T06:00:00", "2024-01-02T07:00:00", "2024-01-02T08:00:00"]
    assert abs(records[0]["load"] - np.sin(2 * np.pi * 30 / 24)) < 0.5

    code, out, _ = call(capsys, "evaluate", run_dir, "--json")
    assert code in (0, None) or code == 0
    assert json.loads(out)["test_mae"] == pytest.approx(final["test_mae"], rel=1e-4)

    # without --input: what follows the run's own series (a new user's first `rnnkit predict RUN`)
    own = run.task.predict(run, str(path))
    assert own[0]["time"] == "2024-01-21T00:00:00" and run.task.predict(run, None) == own
    code, out, _ = call(capsys, "predict", run_dir)
    assert code == 0 and [json.loads(line) for line in out.splitlines()] == own
    import rnnkit

    assert rnnkit.load(run_dir).predict() == own
    path.rename(tmp_path / "moved.csv")  # the training file gone: the series the run kept in its folder
    code, out, _ = call(capsys, "predict", run_dir)
    assert code == 0 and [json.loads(line) for line in out.splitlines()] == own
    code, out, _ = call(capsys, "evaluate", run_dir, "--json")
    assert code == 0 and json.loads(out)["test_mae"] == pytest.approx(final["test_mae"], rel=1e-4)
    (run_dir / "series.parquet").unlink()  # a run folder written before it kept its series
    code, _, err = call(capsys, "predict", run_dir)
    assert code == 2 and "is not found from here: give --input FILE (its columns load" in err


def test_a_log_target_is_trained_in_logs_and_forecast_in_the_targets_units(tmp_path, capsys):
    """--target-transform log: the windows read log(load), the forecasts come back through exp (predict, evaluate
    and the test figures); a target that reaches 0 is refused in one line."""
    import torch

    from rnnkit.data.series import read_series
    from rnnkit.data.windows import Scaler, last_window
    from rnnkit.io.run import load

    rng = np.random.default_rng(0)
    t = np.arange(480)
    level = np.exp(0.5 * np.sin(2 * np.pi * t / 24)) * (1 + t / 240)  # a daily shape that scales with the level
    frame = pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=480, freq="h"),
                          "load": level * np.exp(0.02 * rng.normal(size=480))})
    frame.to_csv(tmp_path / "m.csv", index=False)
    settings = {"data": str(tmp_path / "m.csv"), "time_col": "ts", "target_col": "load", "lookback": "24",
                "hidden_size": "8", "epochs": "2", "target_transform": "log", "fast": "fused"}
    run_dir, final = train(*load_config("forecast", settings), run_dir=tmp_path / "run", quiet=True)
    run, scaler = read_run(run_dir), Scaler.load(run_dir)
    assert run.config.target_transform == "log" and scaler.target_transform == "log"
    assert final["test_model_mae"] < final["test_naive_mae"]
    assert "validation MAE of the ridge on the lags (of the log target)" in (run_dir / "report.md").read_text()
    series = read_series(tmp_path / "m.csv", "ts", "load")
    x = last_window(series, 24, scaler, run.saved["data"]["calendar"])
    assert np.allclose(x[0, :, 0], (np.log(series.target[-24:]) - scaler.mean[0]) / scaler.std[0], atol=1e-5)
    with torch.no_grad():
        raw = float(load(run_dir)(torch.as_tensor(x))[0, 0])  # the network's output: a scaled log
    record = run.task.predict(run, str(tmp_path / "m.csv"))[0]
    assert record.get("model", record["load"]) == pytest.approx(np.exp(scaler.mean[0] + scaler.std[0] * raw), rel=1e-5)
    code, out, _ = call(capsys, "evaluate", run_dir, "--json")
    assert json.loads(out)["test_mae"] == pytest.approx(final["test_mae"], rel=1e-4)

    frame.loc[100, "load"] = 0.0
    frame.to_csv(tmp_path / "zero.csv", index=False)
    code, _, err = call(capsys, "train", "forecast", "--data", tmp_path / "zero.csv", "--time-col", "ts", "--target-col",
                        "load", "--target-transform", "log", "--epochs", "1", "--run-dir", tmp_path / "run0")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "needs a positive target: 'load' reaches 0" in err


@pytest.mark.parametrize("edit, needle", [
    (lambda f: f.iloc[[0, 2, 1, *range(3, len(f))]], r"row 3: time 2024-01-01 01:00:00 comes before row 2's .*sort the file by time"),
    (lambda f: pd.concat([f.iloc[:5], f.iloc[4:]]), r"row 6: time 2024-01-01 04:00:00 repeats row 5's"),
    (lambda f: f.assign(load=f["load"].astype(object).where(f.index != 7, "n/a!")), r"row 8, column 'load': 'n/a!' is not a number"),
    (lambda f: f.assign(load=f["load"].where(f.index != 9)), r"missing values, the first at 2024-01-01 09:00:00; pass --fill ffill"),
    (lambda f: f.drop(index=range(10, 14)), r"4 missing time stamps \(first 2024-01-01 10:00:00\).*--fill"),
    (lambda f: f.iloc[:30], r"the series has 30 steps of h; lookback 24 \+ horizon 1 .* needs at least 36"),
])
def test_bad_series_are_one_line_errors_through_the_cli(tmp_path, capsys, edit, needle):
    frame = edit(pd.read_csv(sine_csv(tmp_path / "base.csv", n=200)))
    frame.to_csv(tmp_path / "bad.csv", index=False)
    code, out, err = call(capsys, "train", "forecast", "--data", tmp_path / "bad.csv", "--time-col", "ts",
                          "--target-col", "load", "--lookback", "24", "--epochs", "1", "--run-dir", tmp_path / "run")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    import re
    assert err.startswith("error: ") and str(tmp_path / "bad.csv") in err and re.search(needle, err), err


def test_a_data_file_of_several_numeric_columns_needs_a_target_column(tmp_path, capsys):
    code, _, err = call(capsys, "train", "forecast", "--data", sine_csv(tmp_path / "s.csv", temp=np.arange(480) % 7),
                        "--time-col", "ts")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "which column to forecast? give --target-col (numeric columns: load, temp)" in err


def test_a_file_of_one_numeric_column_forecasts_it_and_keeps_the_columns_it_found(tmp_path):
    """No --time-col, no --target-col: the time column named date, the only numeric column; config.json keeps
    both, so evaluate on another file reads the same columns."""
    frame = pd.read_csv(sine_csv(tmp_path / "s.csv", n=200)).rename(columns={"ts": "date"})
    frame.to_csv(tmp_path / "d.csv", index=False)
    settings = {"data": str(tmp_path / "d.csv"), "lookback": "12", "hidden_size": "8", "epochs": "1", "fast": "fused"}
    run_dir, final = train(*load_config("forecast", settings), run_dir=tmp_path / "run", quiet=True)
    run = read_run(run_dir)
    assert (run.config.time_col, run.config.target_col) == ("date", "load") and np.isfinite(final["test_mae"])
    assert run.task.evaluate(run, str(tmp_path / "d.csv"))["test_mae"] == pytest.approx(final["test_mae"])


def test_quantile_forecasts_are_trained_with_the_pinball_loss_and_predicted_per_step(tmp_path):
    path = sine_csv(tmp_path / "sine.csv", n=200)
    settings = {"data": str(path), "time_col": "ts", "target_col": "load", "lookback": "12", "horizon": "2",
                "hidden_size": "8", "epochs": "1", "quantiles": "0.1,0.5,0.9", "fast": "fused"}
    run_dir, final = train(*load_config("forecast", settings), run_dir=tmp_path / "run", quiet=True)
    run = read_run(run_dir)
    assert run.saved["training"]["loss"] == "pinball" and np.isfinite(final["test_mae"])
    records = run.task.predict(run, str(path))
    assert len(records) == 2 and set(records[0]) - {"model"} == {"time", "load", "q0.1", "q0.5", "q0.9"}
    assert records[0].get("model", records[0]["load"]) == records[0]["q0.5"]  # the model's median, before any blend


@pytest.mark.parametrize("values, expected", [
    ({"dataset": "taylor-electricity"}, (32, 5, 4)),                        # a week of half hours: the front end
    ({"dataset": "seattle-weather"}, (0, 5, 2)),                            # a month of days: straight to the LSTM
    ({"dataset": "airline"}, (0, 5, 2)),                                    # 24 months: straight to the LSTM
    ({"dataset": "taylor-electricity", "conv_filters": 0}, (0, 5, 2)),      # switched off by hand
    ({"dataset": "airline", "conv_filters": 16}, (16, 5, 2)),               # asked for by hand
    ({"dataset": "taylor-electricity", "lookback": 48}, (0, 5, 2)),
])
def test_the_conv_front_end_is_on_by_default_only_for_long_windows(values, expected):
    from rnnkit.tasks.config import make_config
    from rnnkit.tasks.forecast.config import ForecastConfig

    config = make_config(ForecastConfig, values)
    assert (config.conv_filters, config.conv_kernel, config.conv_pool) == expected


@pytest.mark.parametrize("values, expected", [
    ({"dataset": "taylor-electricity"}, ("log", 432)),   # demand's daily shape scales with its level
    ({"dataset": "airline"}, ("none", 24)),              # the log held up on half of its held-out stretches
    ({"dataset": "seattle-weather"}, ("none", 30)),      # temperatures cross 0; a month of days
    ({"dataset": "airline", "target_transform": "log"}, ("log", 24)),  # asked for by hand
    ({"data": "x.csv", "target_col": "y"}, ("none", None)),  # a file: none, its lookback chosen on validation
])
def test_the_target_transform_and_lookback_by_default(values, expected):
    from rnnkit.tasks.config import make_config
    from rnnkit.tasks.forecast.config import ForecastConfig

    config = make_config(ForecastConfig, values)
    assert (config.target_transform, config.lookback) == expected


@pytest.mark.parametrize("kind, chosen", [("rising trend", "last"), ("noise about a level", "none")])
def test_normalize_auto_is_chosen_on_the_validation_windows(kind, chosen):
    """A trend leaves the training period's range: forecasting the change from the last value wins on
    validation; white noise about a fixed level is best forecast by that level, which "last" throws away."""
    from rnnkit.data.series import Series
    from rnnkit.tasks.config import make_config
    from rnnkit.tasks.forecast.config import ForecastConfig
    from rnnkit.tasks.forecast.model import LinearFits, choose_normalize

    rng = np.random.default_rng(0)
    steps = rng.normal(size=600)
    y = 0.05 * np.arange(600) + 0.2 * np.cumsum(steps) if kind == "rising trend" else 10 + steps
    series = Series("s.csv", pd.date_range("2024-01-01", periods=600, freq="D"), y[:, None].astype(np.float32),
                    ["y"], "D", "t")
    config = make_config(ForecastConfig, {"data": "s.csv", "target_col": "y", "lookback": 12})
    found, tried = choose_normalize(config, LinearFits(config, series))
    assert found == chosen and set(tried) == {"none", "last"} and tried[chosen] < min(tried.values()) + 1e-12
    given = make_config(ForecastConfig, {"data": "s.csv", "target_col": "y", "lookback": 12, "normalize": "window"})
    assert choose_normalize(given, LinearFits(given, series)) == ("window", {})  # asked for: nothing is tried


def test_normalize_auto_on_few_validation_windows_forecasts_the_change():
    """White noise about a level prefers "none" on 90 validation windows; on a series of 60 steps (9 windows) the
    handful of windows decide nothing and auto is "last", the MAEs still reported."""
    from rnnkit.data.series import Series
    from rnnkit.tasks.config import make_config
    from rnnkit.tasks.forecast.config import ForecastConfig
    from rnnkit.tasks.forecast.model import FEW_NORMALIZE_WINDOWS, LinearFits, choose_normalize

    y = 10 + np.random.default_rng(0).normal(size=600)
    config = make_config(ForecastConfig, {"data": "s.csv", "target_col": "y", "lookback": 4})
    for steps, chosen in ((600, "none"), (60, "last")):
        series = Series("s.csv", pd.date_range("2024-01-01", periods=steps, freq="D"),
                        y[:steps, None].astype(np.float32), ["y"], "D", "t")
        fits = LinearFits(config, series)
        windows = len(fits.windows(4).at["valid"])
        found, tried = choose_normalize(config, fits)
        assert (windows < FEW_NORMALIZE_WINDOWS) == (steps == 60) and found == chosen and set(tried) == {"none", "last"}


def test_the_files_other_numeric_columns_are_past_covariates(tmp_path):
    """The target is yesterday's value of another column (white noise): the ridge on the target's own lags
    cannot forecast it, the model reading every numeric column can; a text column is left out with a note."""
    rng = np.random.default_rng(0)
    driver = rng.normal(size=400)
    pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=400, freq="D"),
                  "sales": np.r_[0.0, driver[:-1]] + 0.05 * rng.normal(size=400), "ads": driver,
                  "note": ["x"] * 400}).to_csv(tmp_path / "sales.csv", index=False)
    settings = {"data": str(tmp_path / "sales.csv"), "time_col": "ts", "target_col": "sales", "lookback": "7",
                "hidden_size": "16", "epochs": "15", "lr": "0.01", "calendar": "none", "fast": "fused"}
    run_dir, final = train(*load_config("forecast", settings), run_dir=tmp_path / "run", quiet=True)
    assert read_run(run_dir).saved["data"]["columns"] == ["sales", "ads"]
    assert final["test_model_mae"] < 0.5 * final["test_ridge_mae"]


def weekly_csv(path, years=10, seed=0):
    """Weeks of a yearly cycle whose shape 24 weeks of history cannot place: a sharp peak each year."""
    rng = np.random.default_rng(seed)
    t = np.arange(52 * years)
    peak = np.exp(-0.5 * ((t % 52) - 47) ** 2 / 2.0)  # a Christmas-like week
    frame = pd.DataFrame({"week": pd.date_range("2015-01-04", periods=len(t), freq="W-SUN"),
                          "sales": 10 + 0.01 * t + 3 * peak + 0.1 * rng.normal(size=len(t))})
    frame.to_csv(path, index=False)
    return path


def test_a_files_lookback_is_chosen_on_validation_among_24_a_season_and_two(tmp_path):
    """A weekly file with a yearly peak: 24 weeks of lags never see last year's peak, a year of them does; the
    ridge on the lags decides on the validation windows, nothing is trained to choose."""
    from rnnkit.data.series import read_series
    from rnnkit.tasks.config import make_config
    from rnnkit.tasks.forecast.config import ForecastConfig
    from rnnkit.tasks.forecast.model import LinearFits, choose_lookback

    series = read_series(weekly_csv(tmp_path / "weekly.csv"), "week", "sales", None, "none")
    config = make_config(ForecastConfig, {"data": "weekly.csv", "target_col": "sales"})
    assert config.lookback is None and config.ar_lags is None  # unset until the data is read
    lookback, tried = choose_lookback(config, LinearFits(config, series), (52,))
    assert set(tried) == {24, 52, 104} and lookback in (52, 104) and tried[lookback] < 0.8 * tried[24]
    short = read_series(weekly_csv(tmp_path / "short.csv", years=3), "week", "sales", None, "none")
    assert choose_lookback(config, LinearFits(config, short), (52,))[0] == 24  # 109 training weeks: a season of lags would leave too few windows
    given = make_config(ForecastConfig, {"data": "weekly.csv", "target_col": "sales", "lookback": 30})
    assert (given.lookback, given.ar_lags) == (30, 30)  # given: kept, nothing chosen


def test_a_file_run_keeps_the_lookback_it_chose(tmp_path):
    settings = {"data": str(weekly_csv(tmp_path / "weekly.csv")), "time_col": "week", "target_col": "sales",
                "hidden_size": "8", "epochs": "1", "calendar": "none", "fast": "fused"}
    run_dir, final = train(*load_config("forecast", settings), run_dir=tmp_path / "run", quiet=True)
    run = read_run(run_dir)
    assert run.config.lookback in (52, 104) and run.config.ar_lags == run.config.lookback
    assert f"lookback {run.config.lookback} (of 24, 52, 104" in (run_dir / "report.md").read_text()
    saved = json.loads((run_dir / "config.json").read_text())
    assert saved["task_config"]["season"] is None and saved["data"]["season"] == 52
    saved["task_config"]["lookback"] = None  # as releases that chose it after writing the config left it
    (run_dir / "config.json").write_text(json.dumps(saved))
    again = read_run(run_dir).config
    assert again.lookback == run.config.lookback  # resolved at training, read back from the data facts
    assert again.season is None  # "from the frequency" stays so: the fact of the same name is not a setting


def test_the_ridges_that_choose_are_fitted_once_and_start_the_model(tmp_path, monkeypatch):
    """Choosing a file's lookback, then normalize, then starting the linear skip: each (lookback, normalize)
    ridge is fitted once, and the model starts at the one its choices name."""
    from rnnkit.tasks.forecast import model as forecast_model

    fitted, original = [], forecast_model.ridge_on_levels
    monkeypatch.setattr(forecast_model, "ridge_on_levels",
                        lambda windows, lags, how, **kw: fitted.append((windows.lookback, lags, how)) or
                        original(windows, lags, how, **kw))
    settings = {"data": str(weekly_csv(tmp_path / "weekly.csv")), "time_col": "week", "target_col": "sales",
                "hidden_size": "8", "epochs": "1", "calendar": "none", "fast": "fused"}
    run_dir, _ = train(*load_config("forecast", settings), run_dir=tmp_path / "run", quiet=True)
    config = read_run(run_dir).config
    assert len(fitted) == len(set(fitted)) == 6  # 24, 52, 104 weeks, each under none and last
    assert (config.lookback, config.lookback, config.normalize) in fitted


def monthly_csv(path, months):
    """Monthly sales on a rising trend with a yearly cycle, as short as a real shop's record."""
    t = np.arange(months)
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"month": pd.date_range("2020-01-01", periods=months, freq="MS"),
                          "sales": 100 + 5 * t + 20 * np.sin(2 * np.pi * t / 12) + 5 * rng.normal(size=months)})
    frame.to_csv(path, index=False)
    return path


def test_a_series_too_short_for_24_lags_or_a_season_compares_shorter_lookbacks(tmp_path):
    """36 months (25 training steps): neither 24 lags nor a year of them leaves two training windows per lag;
    the run compares the longest lookback that does (8) and half of it, and trains."""
    from rnnkit.data.series import read_series
    from rnnkit.tasks.config import make_config
    from rnnkit.tasks.forecast.config import ForecastConfig
    from rnnkit.tasks.forecast.model import LinearFits, choose_lookback

    path = monthly_csv(tmp_path / "shop.csv", 36)
    config = make_config(ForecastConfig, {"data": str(path), "time_col": "month", "target_col": "sales"})
    lookback, tried = choose_lookback(config, LinearFits(config, read_series(path, "month", "sales")), (12,))
    assert set(tried) == {4, 8} and lookback in tried
    yearly = make_config(ForecastConfig, {"data": str(path), "target_col": "sales"})
    assert choose_lookback(yearly, LinearFits(yearly, read_series(monthly_csv(tmp_path / "long.csv", 120), "month",
                                                                  "sales")), (1,)) == (24, {})  # no season: no lookback of 2
    settings = {"data": str(path), "time_col": "month", "target_col": "sales", "hidden_size": "8", "epochs": "2",
                "fast": "fused"}
    run_dir, final = train(*load_config("forecast", settings), run_dir=tmp_path / "run", quiet=True)
    assert read_run(run_dir).config.lookback in (4, 8) and np.isfinite(final["test_model_mae"])


def test_a_network_that_does_worse_than_its_linear_start_on_validation_is_not_delivered(tmp_path, capsys):
    """Trained at a learning rate far too high, the network ends worse than the ridge it started from on the
    validation windows: the run keeps the start (the recurrent head at zero), saved, so evaluate scores it."""
    from rnnkit.io.run import load

    path = monthly_csv(tmp_path / "shop.csv", 120)
    settings = {"data": str(path), "time_col": "month", "target_col": "sales", "hidden_size": "8", "epochs": "1",
                "lr": "1.0", "clip_norm": "none", "fast": "fused"}
    run_dir, final = train(*load_config("forecast", settings), run_dir=tmp_path / "run", quiet=True)
    assert "kept the linear start (the ridge on the lags)" in (run_dir / "report.md").read_text()
    assert float(load(run_dir).head.weight.detach().abs().max()) == 0.0  # W = 0: the start, as saved
    code, out, _ = call(capsys, "evaluate", run_dir, "--json")
    assert json.loads(out)["test_model_mae"] == pytest.approx(final["test_model_mae"], rel=1e-5)


def test_a_minute_series_does_not_try_a_day_of_lags(tmp_path):
    """A minute series' season is a day, 1,440 steps: windows that long would multiply memory and training time
    by 1,440, so the automatic choice stops at LONGEST_AUTO_LOOKBACK (24 lags here)."""
    from rnnkit.data.series import Series
    from rnnkit.tasks.config import make_config
    from rnnkit.tasks.forecast.config import LONGEST_AUTO_LOOKBACK, ForecastConfig
    from rnnkit.tasks.forecast.data import default_season
    from rnnkit.tasks.forecast.model import LinearFits, choose_lookback

    n = 1440 * 14
    y = np.sin(2 * np.pi * np.arange(n) / 1440).astype(np.float32)[:, None]
    series = Series("m.csv", pd.date_range("2024-01-01", periods=n, freq="min"), y, ["y"], "min", "t")
    config = make_config(ForecastConfig, {"data": "m.csv", "target_col": "y"})
    assert default_season("min") == 1440 > LONGEST_AUTO_LOOKBACK
    assert choose_lookback(config, LinearFits(config, series), (1440,)) == (24, {})


def test_a_half_hourly_file_tries_a_week_and_a_week_and_a_day_of_lags(tmp_path):
    """Half-hourly demand with a weekly shape (weekends lower): 24, 48 or 96 lags never see last week, so the
    ridge on the lags picks a week (336) or a week and a day (384: last week's same half hour and the steps
    around it), as the catalog's Taylor series does with its own 432."""
    from rnnkit.data.series import Series
    from rnnkit.tasks.config import make_config
    from rnnkit.tasks.forecast.config import ForecastConfig
    from rnnkit.tasks.forecast.data import naive_seasons
    from rnnkit.tasks.forecast.model import LinearFits, choose_lookback

    n = 336 * 20
    rng = np.random.default_rng(0)
    week_shape = rng.normal(size=336)  # each half hour of the week its own level, repeated every week
    y = (week_shape[np.arange(n) % 336] + 0.1 * rng.normal(size=n)).astype(np.float32)[:, None]
    series = Series("d.csv", pd.date_range("2024-01-01", periods=n, freq="30min"), y, ["y"], "30min", "t")
    config = make_config(ForecastConfig, {"data": "d.csv", "target_col": "y"})
    assert naive_seasons("30min") == (48, 336)
    lookback, tried = choose_lookback(config, LinearFits(config, series), naive_seasons("30min"))
    assert set(tried) == {24, 48, 96, 336, 384} and lookback in (336, 384)
    assert tried[lookback] < 0.5 * min(tried[n] for n in (24, 48, 96))


@pytest.mark.parametrize("normalize", ["none", "last"])
def test_the_linear_skip_trains_under_its_ridge_starts_own_penalty(tmp_path, normalize):
    """At the ridge start (recurrent head W = 0) the mean squared error's gradient in the skip A is the ridge's
    shrinkage, -(2 alpha / N h) A, not zero: unpenalised, training's first steps undo the alpha chosen on
    validation. The run's optimizer decays A (alone) by 2 alpha / (N h), so the penalised gradient is zero there."""
    import dataclasses

    import torch

    from rnnkit.data.series import read_series
    from rnnkit.tasks.config import make_config
    from rnnkit.tasks.forecast.config import ForecastConfig
    from rnnkit.tasks.forecast.data import series_windows
    from rnnkit.tasks.forecast.model import build_model, ridge_on_levels, ridge_penalty_optimizer

    path = monthly_csv(tmp_path / "shop.csv", 120)
    config = make_config(ForecastConfig, {"data": str(path), "time_col": "month", "target_col": "sales",
                                          "lookback": 12, "horizon": 2, "normalize": normalize, "hidden_size": 4,
                                          "calendar": "none", "fast": "fused"})
    windows = series_windows(config, read_series(path, "month", "sales"))
    model = build_model(config, windows.x["train"].shape[-1]).double()
    alpha = 3.0  # a shrinkage worth keeping (the grid's smallest, 1e-5, would make the check vacuous)
    ridge, _, _ = ridge_on_levels(windows, 12, normalize, alphas=(alpha,))
    model.start_linear(ridge.coef_, ridge.intercept_)
    optimizer = ridge_penalty_optimizer(model, config, alpha, windows.y["train"].size)
    decays = {id(p): g["weight_decay"] for g in optimizer.param_groups for p in g["params"]}
    assert decays[id(model.ar.weight)] == pytest.approx(2 * alpha / windows.y["train"].size)
    assert all(d == 0.0 for key, d in decays.items() if key != id(model.ar.weight))

    x, y = torch.as_tensor(windows.x["train"], dtype=torch.float64), torch.as_tensor(windows.y["train"], dtype=torch.float64)
    loss = torch.mean((model(x) - y) ** 2)
    grad_a, grad_b = torch.autograd.grad(loss, [model.ar.weight, model.head.bias])
    shrink = decays[id(model.ar.weight)] * model.ar.weight.detach()
    assert float(grad_a.norm()) > 100 * float((grad_a + shrink).norm())  # zero once penalised, not before
    assert float(grad_b.norm()) < 1e-6  # the unpenalised intercept is at its least squares value
    assert ridge_penalty_optimizer(model, dataclasses.replace(config, optimizer="adamw"), alpha, 10) is None


def test_refit_baselines_scores_the_test_period_with_baselines_fitted_through_validation(tmp_path, capsys):
    """--refit-baselines true: the report's test table is the refitted baselines' (their notes say so), the
    validation figures and the blend's choice are those of a run without it, and evaluate refits as the run did."""
    path = monthly_csv(tmp_path / "shop.csv", 120)
    settings = {"data": str(path), "time_col": "month", "target_col": "sales", "lookback": "12", "hidden_size": "4",
                "epochs": "1", "calendar": "none", "fast": "fused"}
    runs = {}
    for refit in ("false", "true"):
        run_dir, final = train(*load_config("forecast", {**settings, "refit_baselines": refit}),
                               run_dir=tmp_path / refit, quiet=True)
        runs[refit] = (run_dir, final, json.loads((run_dir / "blend.json").read_text()))
    (_, plain, plain_blend), (run_dir, refit, refit_blend) = runs["false"], runs["true"]
    assert refit_blend["mae"]["valid"] == plain_blend["mae"]["valid"]
    assert (refit_blend["baseline"], refit_blend["weight"]) == (plain_blend["baseline"], plain_blend["weight"])
    assert refit["test_model_mae"] == pytest.approx(plain["test_model_mae"])
    assert refit["test_ridge_mae"] != plain["test_ridge_mae"] and refit["test_naive_mae"] == plain["test_naive_mae"]
    assert "refitted on the training and validation windows for the test period" in (run_dir / "report.md").read_text()
    code, out, _ = call(capsys, "evaluate", run_dir, "--json")
    assert json.loads(out)["test_ridge_mae"] == pytest.approx(refit["test_ridge_mae"], rel=1e-6)


def test_a_daily_file_tries_a_year_of_lags(tmp_path):
    """Daily values whose every day of the year has its own level, repeated each year: a week, two or 24 days of
    lags never see last year's same day, so the ridge on the lags picks a year (365) or a year and a week (372);
    a daily file too short for two training windows per lag of a year compares only what fits."""
    from rnnkit.data.series import Series
    from rnnkit.tasks.config import make_config
    from rnnkit.tasks.forecast.config import ForecastConfig
    from rnnkit.tasks.forecast.data import lookback_seasons
    from rnnkit.tasks.forecast.model import LinearFits, choose_lookback

    rng = np.random.default_rng(0)
    year_shape = rng.normal(size=365)
    n = 365 * 6
    y = (year_shape[np.arange(n) % 365] + 0.1 * rng.normal(size=n)).astype(np.float32)[:, None]
    series = Series("d.csv", pd.date_range("2010-01-01", periods=n, freq="D"), y, ["y"], "D", "t")
    config = make_config(ForecastConfig, {"data": "d.csv", "target_col": "y"})
    assert lookback_seasons(config, series) == (7, 365)
    lookback, tried = choose_lookback(config, LinearFits(config, series), lookback_seasons(config, series))
    assert set(tried) == {7, 14, 24, 365, 372} and lookback in (365, 372)
    assert tried[lookback] < 0.5 * min(tried[n] for n in (7, 14, 24))
    given = make_config(ForecastConfig, {"data": "d.csv", "target_col": "y", "season": 7})
    assert lookback_seasons(given, series) == (7,)  # --season given: that season alone
    short = Series("d.csv", series.times[:1000], y[:1000], ["y"], "D", "t")  # 700 training days: a year leaves one window per lag
    assert set(choose_lookback(config, LinearFits(config, short), lookback_seasons(config, short))[1]) == {7, 14, 24}


def test_the_ridge_baseline_chooses_its_own_lags_on_validation(tmp_path, capsys):
    """A daily file with a weekly pattern, forecast from 30 steps: the ridge baseline is not handed the model's 30
    lags but takes, of 7, 14, 24 and 30, those whose ridge has the lowest validation MAE (24 here), as a user
    tuning it would; the run keeps the candidates, evaluate scores the same ridge, and a run folder made before
    (no candidates kept) scores the ridge on the model's lookback as it did."""
    from rnnkit.tasks.forecast import baselines

    rng = np.random.default_rng(0)
    n = 600
    week = np.array([5.0, 1.0, 4.0, 0.0, 3.0, 6.0, 2.0])
    frame = pd.DataFrame({"day": pd.date_range("2020-01-01", periods=n, freq="D"),
                          "y": week[np.arange(n) % 7] + 0.3 * rng.normal(size=n)})
    frame.to_csv(tmp_path / "d.csv", index=False)
    y = frame.y.to_numpy()
    valid_at, test_at = np.arange(420, 510), np.arange(510, 600)
    actual = step_targets(y, valid_at, 1)
    alone = {lags: baselines.fit_baselines(y, valid_at, 30, 1, 7, names=("ridge",), ridge_lags=(lags,))
             for lags in (7, 14, 24, 30)}
    scored = {lags: mae(actual, fitted.forecast("ridge", y, valid_at)) for lags, fitted in alone.items()}
    chosen = baselines.fit_baselines(y, valid_at, 30, 1, 7, names=("ridge",), ridge_lags=(7, 14, 24, 30))
    assert chosen.ridge_lags == min(scored, key=scored.get) == 24  # not the model's 30
    np.testing.assert_array_equal(chosen.forecast("ridge", y, test_at), alone[24].forecast("ridge", y, test_at))
    assert "on the last 24 target values (of 7, 14, 24, 30, validation MAE" in chosen.notes["ridge"]
    assert baselines.fit_baselines(y, valid_at, 30, 1, 7, names=("ridge",)).ridge_lags == 30  # none offered: the lookback

    settings = {"data": str(tmp_path / "d.csv"), "time_col": "day", "target_col": "y", "lookback": "30",
                "hidden_size": "4", "epochs": "1", "calendar": "none", "fast": "fused"}
    run_dir, final = train(*load_config("forecast", settings), run_dir=tmp_path / "run", quiet=True)
    saved = json.loads((run_dir / "config.json").read_text())
    assert saved["data"]["ridge_lags"] == [7, 14, 24, 30]  # every shorter lookback a file's run compares, and its own
    assert final["test_ridge_mae"] == pytest.approx(mae(step_targets(y, test_at, 1), alone[24].forecast("ridge", y, test_at)))
    code, out, _ = call(capsys, "evaluate", run_dir, "--json")
    assert json.loads(out)["test_ridge_mae"] == pytest.approx(final["test_ridge_mae"], rel=1e-6)
    del saved["data"]["ridge_lags"]  # a run folder from before the ridge chose its lags
    (run_dir / "config.json").write_text(json.dumps(saved))
    code, out, _ = call(capsys, "evaluate", run_dir, "--json")
    assert json.loads(out)["test_ridge_mae"] == pytest.approx(
        mae(step_targets(y, test_at, 1), alone[30].forecast("ridge", y, test_at)), rel=1e-6)


def test_a_default_run_on_many_windows_trains_fewer_epochs_and_a_given_epochs_is_kept():
    from rnnkit.tasks.config import make_config
    from rnnkit.tasks.forecast.config import ForecastConfig
    from rnnkit.tasks.forecast.train import DEFAULT_EPOCHS, WINDOWS_BUDGET, epochs_to_train
    config = make_config(ForecastConfig, {"dataset": "airline"})
    assert config.epochs is None and epochs_to_train(config, 2_400) == DEFAULT_EPOCHS == 30
    assert epochs_to_train(config, 42_000) == WINDOWS_BUDGET // 42_000 == 7
    assert epochs_to_train(config, 10 * WINDOWS_BUDGET) == 1
    assert epochs_to_train(make_config(ForecastConfig, {"dataset": "airline", "epochs": 50}), 42_000) == 50
