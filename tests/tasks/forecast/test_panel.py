"""`rnnkit train forecast --data LONG.csv` on a real panel (8 of M1's yearly series, statsforecast's long format
`unique_id, ds, y`, plus one too short to cut): one global model, every series reported and scored on its own test
windows, evaluate reproduces the figures, predict gives one row per series and step; `--series-col none` refuses
the file as before."""
import json

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


def test_a_panel_trains_one_model_reports_every_series_and_evaluate_and_predict_agree(m1_panel, tmp_path, capsys):
    settings = {"data": str(m1_panel), "lookback": "4", "horizon": "2", "hidden_size": "8", "epochs": "1",
                "fast": "fused"}
    run_dir, final = train(*load_config("forecast", settings), run_dir=tmp_path / "run", quiet=True)
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
