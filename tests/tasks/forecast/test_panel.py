"""`rnnkit train forecast --data LONG.csv` on a real panel (8 of M1's yearly series, statsforecast's long format
`unique_id, ds, y`, plus one too short to cut): one global model, every series reported and scored on its own test
windows, evaluate reproduces the figures, predict gives one row per series and step; `--series-col none` refuses
the file as before."""
import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from rnnkit.tasks import load_config, read_run, train
from testkit import call_cli as call

SERIES = ("T1", "T2", "T3", "T4", "T5", "T6", "T10", "T12")
"""M1 yearly series of 28-45 years; T9's first 9 years are written too, short of the 10 a lookback of 4 and a
horizon of 2 need."""


@pytest.fixture(scope="module")
def m1_panel(tmp_path_factory):
    from aeon.datasets import load_forecasting

    frame = load_forecasting("m1_yearly_dataset").set_index("series_name")
    values = {key: np.asarray(frame.loc[key, "series_value"], float) for key in SERIES}
    values["T9"] = np.asarray(frame.loc["T9", "series_value"], float)[:9]
    rows = [pd.DataFrame({"unique_id": key, "ds": pd.date_range(frame.loc[key, "start_timestamp"], periods=len(y),
                                                                freq="YS"), "y": y}) for key, y in values.items()]
    path = tmp_path_factory.mktemp("panel") / "m1.csv"
    pd.concat(rows).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def panel_run(m1_panel, tmp_path_factory):
    settings = {"data": str(m1_panel), "lookback": "4", "horizon": "2", "hidden_size": "8", "epochs": "1",
                "fast": "fused"}
    return train(*load_config("forecast", settings), run_dir=tmp_path_factory.mktemp("panel") / "run", quiet=True)


def test_a_panel_trains_one_model_reports_every_series_and_evaluate_and_predict_agree(panel_run, m1_panel, tmp_path,
                                                                                     capsys):
    run_dir, final = panel_run
    assert final["series"] == len(SERIES) and 0 < final["test_relative_mae"] < 10
    assert final["test_naive_relative_mae"] == pytest.approx(1.0)
    errors = json.loads((run_dir / "test_errors.json").read_text())
    assert set(errors) >= {"model", "naive", "ridge", "pooled ridge"} and list(errors["model"]) == list(SERIES)
    report = (run_dir / "report.md").read_text()
    assert all(f"| {key} |" in report for key in SERIES)
    assert "1 of 9 series shorter than" in report and "left out: T9" in report
    run = read_run(run_dir)
    assert run.config.series_col == "unique_id" and run.saved["data"]["ids"] == list(SERIES)

    code, out, _ = call(capsys, "evaluate", run_dir, "--json")
    assert code == 0
    assert json.loads(out) == pytest.approx({k: v for k, v in final.items() if k.startswith("test_") or
                                             k in ("blend_weight", "series")}, rel=1e-5)

    code, out, _ = call(capsys, "predict", run_dir, "-o", tmp_path / "next.csv")
    assert code == 0
    written = pd.read_csv(tmp_path / "next.csv")
    assert list(written.columns[:3]) == ["unique_id", "time", "y"] and len(written) == 2 * len(SERIES)
    assert written.groupby("unique_id").size().to_dict() == {key: 2 for key in SERIES}
    first = written[written.unique_id == "T1"]
    assert list(first.time) == ["2000-01-01T00:00:00", "2001-01-01T00:00:00"]  # T1 runs 1972-1999
    assert run.task.predict(run, str(m1_panel)) == run.task.predict(run, None)  # the file as the run kept it
    code, _, err = call(capsys, "inspect", run_dir, "--input", m1_panel)
    assert code == 2 and "a panel run (one model across the series of 'unique_id')" in err


def test_series_picks_one_series_of_a_panel_run_for_predict_and_evaluate(panel_run, m1_panel, capsys):
    run_dir, _ = panel_run
    run = read_run(run_dir)
    every = run.task.predict(run, None)
    for given in ((), ("--input", m1_panel)):
        code, out, _ = call(capsys, "predict", run_dir, "--series", "T3", *given)
        assert code == 0 and [json.loads(line) for line in out.splitlines()] == [
            r for r in every if r["unique_id"] == "T3"]
    assert len(out.splitlines()) == 2

    code, out, _ = call(capsys, "evaluate", run_dir, "--series", "T3", "--json")
    assert code == 0
    scores, errors = json.loads(out), json.loads((run_dir / "test_errors.json").read_text())
    assert scores["series_id"] == "T3" and scores["series"] == 1
    for name in ("model", "naive", "ridge", "pooled ridge"):  # the pooled ridge the run fitted on every series
        assert scores[f"test_{name.replace(' ', '_')}_mae"] == pytest.approx(errors[name]["T3"], rel=1e-5)
    assert scores["test_mae"] == pytest.approx(errors.get("run", errors["model"])["T3"], rel=1e-5)
    assert scores["test_relative_mae"] == pytest.approx(scores["test_mae"] / scores["test_naive_mae"], rel=1e-5)


@pytest.mark.parametrize("command", ["predict", "evaluate"])
def test_a_series_the_run_does_not_know_is_a_one_line_error(panel_run, capsys, command):
    run_dir, _ = panel_run
    code, _, err = call(capsys, command, run_dir, "--series", "T99")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "--series T99: no series of 'unique_id' 'T99'" in err and "T1, T2, T3, T4, T5 and 3 more" in err
    code, _, err = call(capsys, command, run_dir, "--series", "T9")  # written, but too short for lookback 4
    assert code == 2 and len(err.strip().splitlines()) == 1 and "the run left that series out" in err


def test_series_is_refused_by_a_run_of_one_series(m1_panel, tmp_path, capsys):
    frame = pd.read_csv(m1_panel)
    frame[frame.unique_id == "T1"][["ds", "y"]].to_csv(tmp_path / "t1.csv", index=False)
    settings = {"data": str(tmp_path / "t1.csv"), "lookback": "4", "hidden_size": "4", "epochs": "1", "fast": "fused"}
    run_dir, _ = train(*load_config("forecast", settings), run_dir=tmp_path / "run", quiet=True)
    for command in ("predict", "evaluate"):
        code, _, err = call(capsys, command, run_dir, "--series", "T1")
        assert code == 2 and "--series T1: the run was trained on one series" in err


def test_a_series_drift_is_taken_out_of_its_windows_and_put_back_in_its_forecasts():
    """A straight line less its drift is flat: each window at its last value, each target on it; the drift put back
    forecasts the line's next values from that flat forecast. Off, the windows are the series' own."""
    from rnnkit.data.panel import panel_from_frame
    from rnnkit.data.windows import make_windows
    from rnnkit.tasks.forecast.panel_windows import panel_windows, with_drift

    t = np.arange(40)
    rows = pd.DataFrame({"id": np.repeat(["line", "noise"], 40), "time": np.tile(pd.date_range("1960", periods=40,
                         freq="YS"), 2), "y": np.r_[3 + 2.0 * t, np.random.default_rng(0).normal(size=40)]})
    panel = panel_from_frame("test", rows, "id", "time", "y")
    config = load_config("forecast", {"data": "x.csv", "lookback": "4", "horizon": "2"})[1]
    w = panel_windows(config, panel, []).windows["line"]
    assert config.panel_drift == "on" and np.allclose(w.x["train"][:, :, 0], w.x["train"][:, -1:, 0], atol=1e-5)
    assert np.allclose(w.y["train"], w.x["train"][:, -1:, 0], atol=1e-5)
    flat = np.repeat(w.x["test"][:, -1:, 0].astype(np.float64), 2, 1)
    drift = panel_windows(config, panel, []).drifts["line"]
    assert np.allclose(w.scaler.target_inverse(with_drift(flat, drift)), 3 + 2.0 * (w.at["test"][:, None] + [0, 1]),
                       atol=1e-3)
    off = panel_windows(replace(config, panel_drift="off"), panel, [])
    assert off.drifts == {"line": 0.0, "noise": 0.0}
    assert np.array_equal(off.windows["line"].x["train"], make_windows(panel.series["line"], 4, 2).x["train"])


def test_series_col_none_refuses_a_stacked_file_and_a_named_column_reads_it(m1_panel, tmp_path, capsys):
    code, _, err = call(capsys, "train", "forecast", "--data", m1_panel, "--series-col", "none", "--epochs", "1",
                        "--run-dir", tmp_path / "run")
    assert code == 2 and "the file holds 9 series, one per value of column 'unique_id'" in err
    code, _, err = call(capsys, "train", "forecast", "--data", m1_panel, "--series-col", "store", "--epochs", "1",
                        "--run-dir", tmp_path / "run")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "no column 'store' to tell the series apart" in err


def test_a_numeric_id_column_sorted_by_time_is_read_as_the_panel(m1_panel, tmp_path):
    """`store,date,sales` with stores numbered, sorted by time: the store is no second numeric column to choose
    between (the one-series reader asked which to forecast); each series keeps its own stamps."""
    from rnnkit.data.panel import Panel
    from rnnkit.tasks.forecast.data import load_series_or_panel

    frame = pd.read_csv(m1_panel).rename(columns={"unique_id": "store", "ds": "date", "y": "sales"})
    frame["store"] = frame["store"].str.lstrip("T").astype(int)
    frame.sort_values(["date", "store"], kind="stable").to_csv(tmp_path / "stores.csv", index=False)
    panel = load_series_or_panel(load_config("forecast", {"data": str(tmp_path / "stores.csv")})[1])
    assert isinstance(panel, Panel) and (panel.id_col, panel.time_col, panel.target_col) == ("store", "date", "sales")
    assert sorted(panel.ids, key=int) == ["1", "2", "3", "4", "5", "6", "9", "10", "12"]  # in order of first stamp
    assert panel.series["1"].times[0] == pd.Timestamp("1972-01-01")


def test_the_blend_partner_is_the_baseline_whose_blend_scores_best_not_the_best_alone():
    """The pooled ridge equal to the model (its linear start, kept) is the best baseline alone and adds nothing to a
    blend; a worse baseline whose errors cancel the model's is the partner."""
    from rnnkit.tasks.forecast.panel_scores import PanelComparison, choose_panel_blend

    actual = {k: {"valid": np.zeros((30, 1))} for k in ("a", "b")}
    forecasts = {k: {"valid": {"model": np.ones((30, 1)), "pooled ridge": np.ones((30, 1)),
                               "other": np.full((30, 1), -1.2)}} for k in ("a", "b")}
    comparison = PanelComparison(actual, forecasts, {"a": 1.0, "b": 2.0}, ["pooled ridge", "other"], [], "", 0.0)
    partner, weight = choose_panel_blend(comparison, [])
    assert partner == "other" and 0.4 <= weight <= 0.5
