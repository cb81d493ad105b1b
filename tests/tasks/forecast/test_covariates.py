"""`--value-cols auto` (an option; all is the default): a file's other columns are read only where the ridge on the
lags says on the validation windows that they help; the choice is kept in config.json for evaluate, predict and
resume; a list, all and none are read as given; a named series keeps its own columns."""
import json

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.series import read_series
from rnnkit.tasks import load_config, read_run, train
from rnnkit.tasks.config import make_config
from rnnkit.tasks.forecast.config import ForecastConfig
from rnnkit.tasks.forecast.covariates import RULES, choose_covariates
from rnnkit.tasks.forecast.data import load_series, series_windows
from rnnkit.tasks.forecast.model import LinearFits
from rnnkit.tasks.forecast.train import resolve_windows
from testkit import call_cli as call


def sales_csv(path, n=400, seed=0):
    """Daily sales that follow yesterday's ads (white noise: the sales' own past cannot tell them), beside a
    column of noise nothing follows and a text column."""
    rng = np.random.default_rng(seed)
    ads = rng.normal(size=n)
    pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=n, freq="D"),
                  "sales": np.r_[0.0, ads[:-1]] + 0.5 * np.sin(np.arange(n) / 5) + 0.05 * rng.normal(size=n),
                  "noise": rng.normal(size=n), "ads": ads, "note": ["x"] * n}).to_csv(path, index=False)
    return path


def resolved(path, **values):
    config = make_config(ForecastConfig, {"data": str(path), "time_col": "ts", "target_col": "sales", "lookback": 7,
                                          "calendar": "none", **values})
    lines = []
    config, windows, fits, _ = resolve_windows(config, load_series(config), lines.append)
    return config, windows, fits, lines


@pytest.mark.parametrize("rule", RULES)
def test_a_column_of_noise_is_left_out_and_a_leading_column_kept(tmp_path, rule):
    path = sales_csv(tmp_path / "sales.csv")
    config = make_config(ForecastConfig, {"data": str(path), "time_col": "ts", "target_col": "sales", "lookback": 7,
                                          "normalize": "none", "calendar": "none"})
    noise = read_series(path, "ts", "sales", ["noise"])
    chosen, tried, _ = choose_covariates(config, LinearFits(config, noise), rule)
    assert chosen == [] and (rule == "sure" or tried[("noise",)] >= tried[()])
    leading = read_series(path, "ts", "sales", ["ads"])
    chosen, tried, gain = choose_covariates(config, LinearFits(config, leading), rule)
    assert chosen == ["ads"] and tried[("ads",)] < 0.3 * tried[()] and (gain is None or gain > 5)
    both = read_series(path, "ts", "sales", ["noise", "ads"])
    chosen, _, _ = choose_covariates(config, LinearFits(config, both), rule)
    assert "ads" in chosen and (rule in ("all", "sure") or chosen == ["ads"])  # all or nothing: the noise comes too


def test_a_small_gain_is_not_sure_enough(tmp_path):
    """A covariate that lowers the ridge's validation MAE a little, by less than 2 standard errors of the paired
    window errors, is read under the "all" rule and not under "sure" (the default)."""
    rng = np.random.default_rng(1)
    n = 300
    ads = rng.normal(size=n)
    pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=n, freq="D"),
                  "sales": np.r_[0.0, 0.1 * ads[:-1]] + rng.normal(size=n), "ads": ads}).to_csv(tmp_path / "s.csv",
                                                                                                 index=False)
    config = make_config(ForecastConfig, {"data": "s.csv", "target_col": "sales", "lookback": 7, "normalize": "none",
                                          "calendar": "none"})
    fits = LinearFits(config, read_series(tmp_path / "s.csv", "ts", "sales"))
    assert choose_covariates(config, fits, "all")[0] == ["ads"]
    chosen, tried, gain = choose_covariates(config, fits)
    assert chosen == [] and tried[("ads",)] < tried[()] and 0 < gain < 2


def test_auto_reads_a_file_with_the_columns_it_chose_and_says_so(tmp_path):
    path = sales_csv(tmp_path / "sales.csv")
    config, windows, fits, lines = resolved(path, value_cols="auto")
    assert config.value_cols == ["noise", "ads"] and fits.series.columns == ["sales", "noise", "ads"]
    assert windows.x["train"].shape[-1] == 3
    assert any(line.startswith("value columns auto: the target with noise, ads (validation MAE") and
               "standard errors of the paired window errors, 2 asked)" in line for line in lines)
    pd.read_csv(path).drop(columns="ads").to_csv(tmp_path / "noise.csv", index=False)
    config, windows, fits, lines = resolved(tmp_path / "noise.csv", value_cols="auto")
    assert config.value_cols is None and fits.series.columns == ["sales"] and windows.x["train"].shape[-1] == 1
    assert any(line.startswith("value columns auto: the target alone (validation MAE") for line in lines)


@pytest.mark.parametrize("given, read", [(["noise"], ["noise"]), ("all", ["noise", "ads"]), (None, [])])
def test_a_list_all_and_none_are_read_as_given(tmp_path, given, read):
    config, windows, fits, lines = resolved(sales_csv(tmp_path / "sales.csv"), value_cols=given)
    assert fits.series.columns == ["sales", *read] and windows.x["train"].shape[-1] == 1 + len(read)
    assert config.value_cols == (read or None) and not any(line.startswith("value columns") for line in lines)


@pytest.mark.parametrize("typed, value", [("auto", "auto"), ("all", "all"), ("none", None), ("ads", ["ads"]),
                                          ("ads,noise", ["ads", "noise"])])
def test_the_command_lines_value_cols(typed, value):
    _, config = load_config("forecast", {"data": "x.csv", "target_col": "sales", "value_cols": typed})
    assert config.value_cols == value
    assert make_config(ForecastConfig, {"data": "x.csv", "target_col": "sales"}).value_cols == "all"


@pytest.mark.parametrize("given", ["all", "auto"])
def test_a_named_series_keeps_its_own_columns(tmp_path, monkeypatch, given):
    """seattle-weather under all or auto reads the four columns it lists, as before: nothing is chosen, the windows
    are the catalog's own; none and a list are honoured there too."""
    from rnnkit.data.catalog import SERIES
    from rnnkit.tasks.forecast import data

    rng = np.random.default_rng(0)
    n = 400
    pd.DataFrame({"date": pd.date_range("2012-01-01", periods=n, freq="D").strftime("%Y/%m/%d"),
                  **{c: rng.normal(size=n).round(1) for c in ("precipitation", "temp_max", "temp_min", "wind")},
                  "weather": "rain"}).to_csv(tmp_path / "seattle-weather.csv", index=False)
    monkeypatch.setattr(data, "fetch_dataset", lambda name: tmp_path)
    config = make_config(ForecastConfig, {"dataset": "seattle-weather", "value_cols": given})
    own = SERIES["seattle-weather"].read(tmp_path)
    lines = []
    resolved_config, windows, _, _ = resolve_windows(config, load_series(config), lines.append)
    assert resolved_config.value_cols == ["temp_min", "precipitation", "wind"] == own.columns[1:]
    assert not any(line.startswith("value columns") for line in lines)
    before = series_windows(resolved_config, own)
    for split in ("train", "valid", "test"):
        np.testing.assert_array_equal(windows.x[split], before.x[split])
    assert load_series(make_config(ForecastConfig, {"dataset": "seattle-weather", "value_cols": None})).columns == \
        ["temp_max"]
    assert load_series(make_config(ForecastConfig, {"dataset": "seattle-weather", "value_cols": ["wind"]})).columns == \
        ["temp_max", "wind"]


def test_a_run_keeps_its_chosen_columns_for_evaluate_and_predict(tmp_path, capsys):
    path = sales_csv(tmp_path / "sales.csv")
    pd.read_csv(path).drop(columns="noise").to_csv(tmp_path / "ads.csv", index=False)
    settings = {"data": str(tmp_path / "ads.csv"), "time_col": "ts", "target_col": "sales", "lookback": "7",
                "hidden_size": "8", "epochs": "2", "calendar": "none", "fast": "fused", "value_cols": "auto"}
    run_dir, final = train(*load_config("forecast", settings), run_dir=tmp_path / "run", quiet=True)
    run = read_run(run_dir)
    assert run.config.value_cols == ["ads"] and run.saved["data"]["columns"] == ["sales", "ads"]
    assert "value columns auto: the target with ads" in (run_dir / "report.md").read_text()
    code, out, err = call(capsys, "evaluate", run_dir, "--json")
    assert code in (0, None), err
    assert json.loads(out)["test_mae"] == pytest.approx(final["test_mae"], rel=1e-4)
    pd.read_csv(path).iloc[-30:].to_csv(tmp_path / "recent.csv", index=False)  # with the column the run left out
    records = run.task.predict(run, str(tmp_path / "recent.csv"))
    assert len(records) == 1 and np.isfinite(records[0]["sales"])
    # a folder written before auto: null meant every numeric column; evaluate reads the columns it was trained on
    saved = json.loads((run_dir / "config.json").read_text())
    saved["task_config"]["value_cols"] = None
    (run_dir / "config.json").write_text(json.dumps(saved))
    code, out, err = call(capsys, "evaluate", run_dir, "--json")
    assert code in (0, None), err
    assert json.loads(out)["test_mae"] == pytest.approx(final["test_mae"], rel=1e-4)
