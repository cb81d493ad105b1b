"""The series reader and the forecasting windows on tiny files: regular grids, gaps and NaN, splits by
time, scaling from the training period only."""
import numpy as np
import pandas as pd
import pytest

from rnnkit.data.series import read_series, split_points
from rnnkit.data.windows import Scaler, calendar_features, make_windows, min_length
from rnnkit.errors import UserError


def write(tmp_path, rows, name="s.csv"):
    path = tmp_path / name
    path.write_text("ts,load,temp,kind\n" + "\n".join(rows) + "\n")
    return path


def hourly(n, start="2024-01-01 00:00"):
    times = pd.date_range(start, periods=n, freq="h")
    return [f"{t:%Y-%m-%d %H:%M},{i},{i % 5},{'ab'[i % 2]}" for i, t in enumerate(times)]


def test_reads_a_regular_series_target_first_and_notes_categorical_columns(tmp_path):
    s = read_series(write(tmp_path, hourly(10)), "ts", "load")
    assert s.columns == ["load", "temp"] and s.freq == "h" and len(s) == 10
    assert s.values[:, 0].tolist() == list(range(10)) and s.values.dtype == np.float32
    assert any("'kind' is not numeric" in n and "categorical" in n for n in s.notes)
    assert str(s.next_times(2)[0]) == "2024-01-01 10:00:00"


def test_parquet_reads_the_same_series(tmp_path):
    frame = pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=6, freq="D"), "load": np.arange(6.0)})
    frame.to_parquet(tmp_path / "s.parquet")
    s = read_series(tmp_path / "s.parquet", "ts", "load")
    assert s.freq == "D" and s.target.tolist() == list(range(6))


def test_gaps_and_nan_are_filled_only_when_asked(tmp_path):
    rows = hourly(8)
    del rows[3]  # a missing time stamp at 03:00
    rows[4] = rows[4].replace(",5,", ",,")  # a missing value at 05:00
    path = write(tmp_path, rows)
    with pytest.raises(UserError, match=r"1 missing time stamps \(first 2024-01-01 03:00:00\).*--fill ffill"):
        read_series(path, "ts", "load")
    assert read_series(path, "ts", "load", fill="ffill").target.tolist() == [0, 1, 2, 2, 4, 4, 6, 7]
    assert read_series(path, "ts", "load", fill="interpolate").target.tolist() == list(range(8))


def test_fill_auto_interpolates_few_short_gaps_and_refuses_the_others(tmp_path):
    rows = hourly(200)
    del rows[50]  # one step missing in 200: interpolated, with a note saying so
    s = read_series(write(tmp_path, rows), "ts", "load", fill="auto")
    assert s.target.tolist() == list(range(200)) and "filled by interpolation in time (--fill auto" in s.notes[-1]
    many = [r for i, r in enumerate(hourly(200)) if i % 40 != 20]  # 5 of 200 steps: more than 2%
    with pytest.raises(UserError, match=r"5 missing time stamps .*\(more than 2% of the steps, or a gap over 3 steps\)"):
        read_series(write(tmp_path, many), "ts", "load", fill="auto")
    written = hourly(200)
    written[50] = written[50].replace(",50,", ",,")  # a value written as missing: asked about, not filled
    with pytest.raises(UserError, match=r"1 missing values, the first at 2024-01-03 02:00:00; pass --fill ffill"):
        read_series(write(tmp_path, written), "ts", "load", fill="auto")
    long = hourly(200)
    del long[50:54]  # one gap of 4 steps
    with pytest.raises(UserError, match=r"4 missing time stamps .*--fill ffill"):
        read_series(write(tmp_path, long), "ts", "load", fill="auto")


def test_windows_split_by_time_with_targets_in_one_split_and_train_only_scaling(tmp_path):
    s = read_series(write(tmp_path, hourly(200)), "ts", "load")
    w = make_windows(s, lookback=12, horizon=3, stride=2, calendar=["hour"])
    valid_start, test_start = split_points(200)
    assert w.at["train"].max() + 3 <= valid_start and w.at["valid"].min() == valid_start
    assert w.at["valid"].max() + 3 <= test_start and w.at["test"].min() == test_start
    assert w.at["test"].max() + 3 == 200 and np.all(np.diff(w.at["train"]) == 2)
    assert w.scaler.mean[0] == pytest.approx(np.arange(valid_start).mean())  # the training period only
    first = w.at["test"][0]
    assert np.allclose(w.scaler.target_inverse(w.y["test"][0]), [first, first + 1, first + 2])
    assert np.allclose(w.scaler.target_inverse(w.x["test"][0, :, 0]), np.arange(first - 12, first))
    assert w.x["train"].shape[-1] == 2 + 2  # load, temp, sin and cos of the hour


def test_min_length_is_the_shortest_series_with_a_window_in_every_split():
    n = min_length(30, 7)
    assert split_points(n)[0] >= 37 and (n - split_points(n)[1]) >= 7
    m = n - 1
    valid, test = split_points(m)
    assert not (valid >= 37 and test - valid >= 7 and m - test >= 7)


def test_calendar_features_are_sin_cos_of_the_cycle():
    f = calendar_features(pd.date_range("2024-01-01", periods=24, freq="h"), ["hour"])
    assert f.shape == (24, 2) and np.allclose(f[6], [1, 0], atol=1e-6) and np.allclose(f[0], [0, 1])


def test_scaler_round_trips_through_json(tmp_path):
    scaler = Scaler.fit(np.array([[1.0, 5.0], [3.0, 5.0]]), ["a", "b"])
    scaler.save(tmp_path)
    assert Scaler.load(tmp_path) == scaler and scaler.std[1] == 1.0  # a constant column is not divided by 0


def test_a_log_scaler_scales_the_targets_log_and_puts_forecasts_back_with_exp(tmp_path):
    import json

    values = np.array([[1.0, 5.0], [np.e, 6.0], [np.e ** 2, 7.0]])
    scaler = Scaler.fit(values, ["a", "b"], "log")
    z = scaler.transform(values)
    assert np.allclose(z[:, 0], [-np.sqrt(1.5), 0.0, np.sqrt(1.5)], atol=1e-6)  # log: 0, 1, 2, then z-scores
    assert np.allclose(z[:, 1], Scaler.fit(values, ["a", "b"]).transform(values)[:, 1])  # covariates as before
    assert np.allclose(scaler.target_inverse(z[:, 0]), values[:, 0], rtol=1e-5)
    scaler.save(tmp_path)
    assert Scaler.load(tmp_path) == scaler
    saved = json.loads((tmp_path / "scaler.json").read_text())
    del saved["target_transform"]  # a run folder from before the option
    (tmp_path / "scaler.json").write_text(json.dumps(saved))
    assert Scaler.load(tmp_path).target_transform == "none"


def test_a_log_scaler_refuses_a_target_that_is_not_positive():
    with pytest.raises(UserError, match=r"target_transform log needs a positive target: 'load' reaches 0"):
        Scaler.fit(np.array([[1.0], [0.0]]), ["load"], "log")
    scaler = Scaler.fit(np.array([[1.0], [2.0]]), ["load"], "log")
    with pytest.raises(UserError, match="reaches -1"):  # a later file read by predict
        scaler.transform(np.array([[3.0], [-1.0]]))


def test_time_stamps_in_several_formats_parse_and_a_bad_one_is_named_by_row(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("ts,load\n2024-01-01,1\n2024-01-02,2\nJan 3 2024,3\n2024-01-04,4\n")
    assert read_series(path, "ts", "load").freq == "D"
    path.write_text("ts,load\n2024-01-01,1\n2024-01-02,2\nsoon,3\n")
    with pytest.raises(UserError, match=r"row 3, column 'ts': 'soon' is not a date/time$"):
        read_series(path, "ts", "load")
    path.write_text("ts,load\n0,1\n1,2\n2,3\n")  # step numbers, as anomaly benchmarks' files hold
    with pytest.raises(UserError, match=r"row 1, column 'ts': '0' is not a date/time; a column of step numbers"):
        read_series(path, "ts", "load")


def test_quarters_as_r_and_statistics_offices_write_them_parse_to_a_quarterly_grid(tmp_path):
    path = tmp_path / "q.csv"  # aeon's Uschange.csv writes "1970 Q1"
    path.write_text("Quarter,gdp\n1970 Q1,1\n1970 Q2,2\nQ3 1970,3\n1970/q4,4\n1971-Q1,5\n1971Q2,6\n")
    s = read_series(path, "Quarter", "gdp")
    assert s.freq.startswith("QS") and [str(t.date()) for t in s.times[:2]] == ["1970-01-01", "1970-04-01"]
    path.write_text("Quarter,gdp\n1970 Q1,1\n1970 Q5,2\n1970 Q3,3\n")
    with pytest.raises(UserError, match=r"row 2, column 'Quarter': '1970 Q5' is not a date/time$"):
        read_series(path, "Quarter", "gdp")


def test_a_saved_row_index_is_not_a_covariate_unless_named(tmp_path):
    frame = pd.DataFrame({"day": pd.date_range("2024-01-01", periods=8, freq="D").strftime("%Y-%m-%d"),
                          "sales": [3.0, 1, 4, 1, 5, 9, 2, 6], "price": [2.0, 2, 3, 3, 2, 2, 3, 3]})
    frame.to_csv(tmp_path / "s.csv")  # index=True: a first column "" of 0..7, read as "Unnamed: 0"
    s = read_series(tmp_path / "s.csv", "day", "sales")
    assert s.columns == ["sales", "price"]
    assert any("'Unnamed: 0' counts the rows" in n for n in s.notes)
    assert read_series(tmp_path / "s.csv", "day", "sales", ["Unnamed: 0"]).columns == ["sales", "Unnamed: 0"]


@pytest.mark.parametrize("order", ["by series", "by time"])
def test_a_file_of_several_stacked_series_names_its_id_column(tmp_path, order):
    """statsforecast's and Darts' long format (unique_id, ds, y): the error names the column that tells the series
    apart, whether the file is sorted by series (time starts again) or by time (each stamp repeats)."""
    frame = pd.DataFrame({"unique_id": np.repeat(["T1", "T2", "T3"], 6),
                          "ds": np.tile(pd.date_range("2001-01-01", periods=6, freq="YS"), 3),
                          "y": np.arange(18.0)})
    if order == "by time":
        frame = frame.sort_values(["ds", "unique_id"], kind="stable")
    frame.to_csv(tmp_path / "long.csv", index=False)
    with pytest.raises(UserError, match=r"holds 3 series, one per value of column 'unique_id'.*keep the rows of one"):
        read_series(tmp_path / "long.csv", "ds", "y")


def test_an_unsorted_file_of_one_series_is_told_to_sort(tmp_path):
    rows = hourly(9)
    rows[4], rows[5] = rows[5], rows[4]
    with pytest.raises(UserError, match=r"row 6: time .* comes before row 5's .*sort the file by time") as err:
        read_series(write(tmp_path, rows), "ts", "load")
    assert "series, one per value" not in str(err.value)


@pytest.mark.parametrize("unit, scale", [("seconds", 1), ("milliseconds", 1000)])
def test_unix_time_stamps_read_as_times_and_step_numbers_do_not(tmp_path, unit, scale):
    seconds = 1_709_251_200 + 3600 * np.arange(8)
    pd.DataFrame({"ts": seconds * scale, "load": np.arange(8.0)}).to_csv(tmp_path / "u.csv", index=False)
    s = read_series(tmp_path / "u.csv", "ts", "load")
    assert s.freq == "h" and str(s.times[0]) == "2024-03-01 00:00:00"
    assert any(f"read as Unix time in {unit}" in n for n in s.notes)
    pd.DataFrame({"ts": np.arange(8), "load": np.arange(8.0)}).to_csv(tmp_path / "n.csv", index=False)
    with pytest.raises(UserError, match="a column of step numbers is not read"):
        read_series(tmp_path / "n.csv", "ts", "load")


def test_whole_years_read_as_yearly_time_stamps(tmp_path):
    pd.DataFrame({"year": np.arange(1821, 1830), "lynx": np.arange(9.0)}).to_csv(tmp_path / "y.csv", index=False)
    s = read_series(tmp_path / "y.csv", "year", "lynx")
    assert s.freq.startswith("YS") and str(s.times[0]) == "1821-01-01 00:00:00"


def test_trading_days_with_holidays_left_out_are_a_weekday_grid(tmp_path):
    """No weekend rows and a few weekdays missing (holidays): pandas infers no frequency; the grid is business
    days, so only the holidays are gaps (to fill), not every weekend."""
    days = pd.bdate_range("2024-01-01", periods=40).delete([7, 22])
    pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "close": np.arange(38.0)}).to_csv(tmp_path / "d.csv", index=False)
    with pytest.raises(UserError, match="2 missing time stamps"):
        read_series(tmp_path / "d.csv", "date", "close")
    s = read_series(tmp_path / "d.csv", "date", "close", fill="ffill")
    assert s.freq == "B" and len(s) == 40 and s.next_times(1)[0] == pd.Timestamp("2024-02-26")


def test_a_csv_as_excel_writes_it_in_europe_reads(tmp_path):
    """Semicolons between fields, decimal commas, dots between thousands, dates day first."""
    days = pd.date_range("2024-01-01", periods=40, freq="D")
    rows = [f"{d:%d.%m.%Y};{1000 + i},{i % 10};{2 * i}" for i, d in enumerate(days)]
    rows[3] = f"{days[3]:%d.%m.%Y};1.003,3;6"
    (tmp_path / "e.csv").write_text("Datum;Wert;Menge\n" + "\n".join(rows) + "\n", encoding="utf-8")
    s = read_series(tmp_path / "e.csv", "Datum", "Wert")
    assert s.freq == "D" and s.times[12] == pd.Timestamp("2024-01-13") and s.columns == ["Wert", "Menge"]
    np.testing.assert_allclose(s.target[:5], [1000.0, 1001.1, 1002.2, 1003.3, 1004.4], rtol=1e-6)
    assert any("read day first (02.01.2024 is 02 January 2024)" in n for n in s.notes)


def test_dates_month_first_stay_month_first(tmp_path):
    days = pd.date_range("2024-01-01", periods=40, freq="D")
    pd.DataFrame({"d": days.strftime("%m/%d/%Y"), "y": np.arange(40.0)}).to_csv(tmp_path / "m.csv", index=False)
    s = read_series(tmp_path / "m.csv", "d", "y")
    assert s.times[12] == pd.Timestamp("2024-01-13") and not any("day first" in n for n in s.notes)


def test_rows_with_no_target_before_the_first_value_or_after_the_last_are_left_out(tmp_path):
    """Future dates written out for their covariates (a promotion flag known ahead) are not filled and trained
    on; a gap inside the series still is an error until --fill says how."""
    days = pd.date_range("2024-01-01", periods=20, freq="D")
    sales = np.arange(20.0) * 3 % 7
    sales[:2], sales[-4:] = np.nan, np.nan
    frame = pd.DataFrame({"date": days, "sales": sales, "promo": np.arange(20) % 5 == 0})
    frame.to_csv(tmp_path / "f.csv", index=False)
    s = read_series(tmp_path / "f.csv", "date", "sales")
    assert len(s) == 14 and s.times[0] == days[2] and s.times[-1] == days[15] and s.columns == ["sales", "promo"]
    assert s.values[:, 1].tolist() == [float(i % 5 == 0) for i in range(2, 16)]
    assert any("the first 2 steps have no 'sales'" in n for n in s.notes)
    assert any("the last 4 steps have no 'sales'" in n for n in s.notes)
    frame.loc[8, "sales"] = np.nan
    frame.to_csv(tmp_path / "g.csv", index=False)
    with pytest.raises(UserError, match="1 missing values, the first at 2024-01-09"):
        read_series(tmp_path / "g.csv", "date", "sales")
    frame["sales"] = np.nan
    frame.to_csv(tmp_path / "h.csv", index=False)
    with pytest.raises(UserError, match="column 'sales' has no values"):
        read_series(tmp_path / "h.csv", "date", "sales")


def test_with_no_time_column_the_one_named_like_one_is_read(tmp_path):
    """The default --time-col (time) absent: the one column named date, ds, month... is the time column, with a
    note; two such columns, or a --time-col given and absent, stay an error naming the columns."""
    days = pd.date_range("2024-01-01", periods=10, freq="D")
    pd.DataFrame({"Date": days, "y": np.arange(10.0) % 3}).to_csv(tmp_path / "d.csv", index=False)
    s = read_series(tmp_path / "d.csv", "time", "y")
    assert s.time_col == "Date" and s.freq == "D" and any("time column 'Date'" in n for n in s.notes)
    with pytest.raises(UserError, match="no column 'when'; available columns: Date, y"):
        read_series(tmp_path / "d.csv", "when", "y")
    pd.DataFrame({"date": days, "ds": days, "y": np.arange(10.0) % 3}).to_csv(tmp_path / "e.csv", index=False)
    with pytest.raises(UserError, match="no column 'time'; available columns: date, ds, y"):
        read_series(tmp_path / "e.csv", "time", "y")


def test_commas_between_thousands_in_a_comma_separated_file_read_as_thousands(tmp_path):
    days = pd.date_range("2024-01-01", periods=6, freq="D")
    values = ['"1,234.5"', '"12,000"', "7", '"1,000,001"', "3.5", '"2,500"']
    (tmp_path / "t.csv").write_text("date,y\n" + "".join(f"{d:%Y-%m-%d},{v}\n" for d, v in zip(days, values)))
    s = read_series(tmp_path / "t.csv", "date", "y")
    np.testing.assert_allclose(s.target, [1234.5, 12000, 7, 1000001, 3.5, 2500])


def test_a_sampling_rate_written_in_rounded_time_is_put_on_its_grid(tmp_path):
    """64 Hz written to the millisecond (steps of 15 and 16 ms), as aeon's Daphnet file is: the grid of 15.625 ms,
    with a note; stamps that truly wander stay an error."""
    stamps = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.round(np.arange(200) * 15.625).astype(int), unit="ms")
    pd.DataFrame({"time": stamps, "acc": np.sin(np.arange(200) / 7)}).to_csv(tmp_path / "hz.csv", index=False)
    s = read_series(tmp_path / "hz.csv", "time", "acc")
    assert s.freq == "15625us" and len(s) == 200 and s.times[2] == pd.Timestamp("2024-01-01 00:00:00.03125")
    assert any("15ms or 16ms apart" in n for n in s.notes)
    wander = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.cumsum([0] + [10, 10, 17, 10, 3] * 8), unit="s")
    pd.DataFrame({"time": wander, "acc": np.arange(41.0) % 4}).to_csv(tmp_path / "w.csv", index=False)
    with pytest.raises(UserError, match="off the regular 10s grid"):
        read_series(tmp_path / "w.csv", "time", "acc")


def test_a_time_column_is_found_by_a_word_in_its_name_or_by_its_dates(tmp_path):
    """aeon's solar.csv names its time `datetime_gmt`, a sales export `Order Date`, a logger `when`: the run
    ended with "no column 'time'". Now the one column of dates whose name holds a time word, else the one
    column of text that reads as dates, is the time column; a numeric 'day_of_week' never is, and two columns
    of dates stay an error naming the columns."""
    days = pd.date_range("2024-01-01", periods=30, freq="D")
    y = np.sin(np.arange(30.0))
    pd.DataFrame({"datetime_gmt": days.astype(str), "solar_gen": y}).to_csv(tmp_path / "a.csv", index=False)
    s = read_series(tmp_path / "a.csv", "time", None)
    assert s.time_col == "datetime_gmt" and s.freq == "D" and any("time column 'datetime_gmt'" in n for n in s.notes)
    pd.DataFrame({"day_of_week": days.dayofweek, "Order Date": days.strftime("%Y/%m/%d"), "sales": y}).to_csv(
        tmp_path / "b.csv", index=False)
    assert read_series(tmp_path / "b.csv", "time", "sales").time_col == "Order Date"
    pd.DataFrame({"when": days.strftime("%b %d, %Y"), "sales": y}).to_csv(tmp_path / "c.csv", index=False)
    assert read_series(tmp_path / "c.csv", "time", "sales").time_col == "when"
    pd.DataFrame({"opened": days.astype(str), "closed": days.astype(str), "sales": y}).to_csv(tmp_path / "d.csv",
                                                                                           index=False)
    with pytest.raises(UserError, match="no column 'time'; available columns: opened, closed, sales"):
        read_series(tmp_path / "d.csv", "time", "sales")


def test_day_first_stamps_that_month_first_leaves_unevenly_spaced_are_read_day_first(tmp_path):
    """Hourly stamps written 01.01.2020 23:00, 02.01.2020 00:00: read month first they increase, but jump from
    1 January to 1 February, and the run asked to fill 1,392 missing hours. Day first puts them an hour apart."""
    hours = pd.date_range("2020-01-01", periods=50, freq="h")
    pd.DataFrame({"time": hours.strftime("%d.%m.%Y %H:%M"), "y": np.cos(np.arange(50.0))}).to_csv(
        tmp_path / "h.csv", index=False)
    s = read_series(tmp_path / "h.csv", "time", "y")
    assert s.freq == "h" and len(s) == 50 and s.times[24] == pd.Timestamp("2020-01-02")
    assert any("read day first" in n and "not evenly spaced" in n for n in s.notes)
    # month first and evenly spaced stays month first
    pd.DataFrame({"time": hours.strftime("%m/%d/%Y %H:%M"), "y": np.cos(np.arange(50.0))}).to_csv(
        tmp_path / "m.csv", index=False)
    s = read_series(tmp_path / "m.csv", "time", "y")
    assert s.freq == "h" and not any("day first" in n for n in s.notes)


@pytest.mark.parametrize("start", ["2021-03-28 00:00", "2021-10-31 00:00"])
def test_local_times_with_their_utc_offsets_across_a_daylight_saving_change_read_in_utc(tmp_path, start):
    """Berlin's hours written with their offsets, +01:00 then +02:00 (spring) or back (autumn): pandas refuses a
    column of mixed offsets, and the run ended in its traceback ("Mixed timezones detected")."""
    times = pd.date_range(start, periods=6, freq="h", tz="Europe/Berlin")
    (tmp_path / "d.csv").write_text("time,load\n" + "".join(f"{t.isoformat()},{i}\n" for i, t in enumerate(times)))
    s = read_series(tmp_path / "d.csv", "time", "load")
    assert s.freq == "h" and list(s.times) == list(times.tz_convert("UTC")) and s.target.tolist() == list(range(6))
    assert any("read in UTC" in n for n in s.notes)


def test_a_column_of_percentages_reads_as_their_numbers(tmp_path):
    """A spreadsheet's growth column exported as '12.5%': "which column to forecast? ... no numeric column"."""
    (tmp_path / "p.csv").write_text("date,growth\n2020-01-01,12.5%\n2020-01-02,-3%\n2020-01-03,\n2020-01-04, 7 %\n")
    s = read_series(tmp_path / "p.csv", "date", None, fill="interpolate")
    np.testing.assert_allclose(s.target, [12.5, -3, 2, 7])


def test_excels_day_numbers_in_a_column_named_as_dates_read_as_dates(tmp_path):
    """A date column saved without its format (43831 is 2020-01-01) was refused as a column of step numbers."""
    (tmp_path / "x.csv").write_text("Order Date,sales\n43831,1\n43832,2\n43833,3.5\n")
    s = read_series(tmp_path / "x.csv", "Order Date", "sales")
    assert s.freq == "D" and str(s.times[0].date()) == "2020-01-01" and any("Excel" in n for n in s.notes)
    (tmp_path / "n.csv").write_text("step,sales\n43831,1\n43832,2\n43833,3.5\n")  # not named as dates: no dates
    with pytest.raises(UserError, match="step numbers"):
        read_series(tmp_path / "n.csv", "step", "sales")


def test_local_hours_across_a_clock_change_are_told_so(tmp_path):
    """Berlin's local hours without offsets: 02:00 never happens on 28 March, 02:00 twice on 31 October."""
    for day, stamps in (("spring", ["01:00", "03:00", "04:00"]), ("autumn", ["01:00", "02:00", "02:00", "03:00"])):
        date = "2021-03-28" if day == "spring" else "2021-10-31"
        (tmp_path / "d.csv").write_text("time,load\n" + "".join(f"{date} {s},{i}\n" for i, s in enumerate(stamps)))
        with pytest.raises(UserError, match="daylight saving change"):
            read_series(tmp_path / "d.csv", "time", "load")


def test_spaces_between_thousands_in_a_semicolon_file_read_as_thousands(tmp_path):
    """France's Excel: '1 234,5' with a narrow no-break space (or a no-break or plain space) between thousands,
    read as no numeric column at all."""
    days = pd.date_range("2024-01-01", periods=4, freq="D")
    values = ["1\u202f234,5", "12\u00a0000", "7,25", "1 000 001"]
    (tmp_path / "f.csv").write_text("Date;Valeur\n" + "".join(f"{d:%d/%m/%Y};{v}\n" for d, v in zip(days, values)))
    s = read_series(tmp_path / "f.csv", "Date", None)
    np.testing.assert_allclose(s.target, [1234.5, 12000, 7.25, 1000001])


def test_a_spreadsheets_summary_rows_below_the_data_are_left_out_with_a_note(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("ts,load\n2024-01-01,1\n2024-01-02,2\n2024-01-03,3\nTotal,6\nAverage:,2\n")
    s = read_series(path, "ts", "load")
    assert len(s) == 3 and s.target.tolist() == [1, 2, 3]
    assert "rows 4-5 ('Total', 'Average'): no time stamp after the data, a summary row: left out" in s.notes
    path.write_text("ts,load\n2024-01-01,1\nTotal,1\n2024-01-03,3\n")  # a summary word inside the data: an error
    with pytest.raises(UserError, match=r"row 2, column 'ts': 'Total' is not a date/time$"):
        read_series(path, "ts", "load")


def test_a_panel_file_sorted_by_time_reads_each_series_on_its_own_stamps(tmp_path):
    """The long format sorted by time (each stamp once per series): one series per id, each from its own first
    stamp; a series on another grid and one of two rows are left out, named; an error names the series and the
    file's row."""
    from rnnkit.data.panel import read_panel

    frame = pd.concat([pd.DataFrame({"store": "north", "date": pd.date_range("2024-01-01", periods=8, freq="D"),
                                     "sales": np.arange(8.0)}),
                       pd.DataFrame({"store": "south", "date": pd.date_range("2024-01-03", periods=6, freq="D"),
                                     "sales": 10 + np.arange(6.0)}),
                       pd.DataFrame({"store": "east", "date": pd.date_range("2024-01-01", periods=4, freq="W"),
                                     "sales": np.ones(4)}),
                       pd.DataFrame({"store": "west", "date": pd.date_range("2024-01-01", periods=2, freq="D"),
                                     "sales": np.ones(2)})]).sort_values("date", kind="stable")
    frame.to_csv(tmp_path / "stores.csv", index=False)
    panel = read_panel(tmp_path / "stores.csv", "store", "time", None)
    assert panel.ids == ["north", "south"] and panel.freq == "D" and panel.target_col == "sales"
    assert panel.series["south"].times[0] == pd.Timestamp("2024-01-03") and list(panel.series["south"].target) == \
        list(10 + np.arange(6.0))
    assert any("1 series on another grid than the panel's D left out: east" in n for n in panel.notes)
    assert any("1 series of fewer than 3 rows left out: west" in n for n in panel.notes)
    frame["sales"] = frame["sales"].astype(object)
    frame.loc[(frame.store == "south") & (frame.date == "2024-01-05"), "sales"] = "n/a!"
    frame.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(UserError, match=r"bad.csv \(store 'south'\): row \d+, column 'sales': 'n/a!' is not a number"):
        read_panel(tmp_path / "bad.csv", "store", "date", "sales")


def test_a_target_that_counts_by_one_is_named_when_no_target_is_found(tmp_path):
    """A 12-point toy series ds,y with y = 0, 1, 2, ...: "no numeric column; columns: ds, y" of a numeric y."""
    (tmp_path / "t.csv").write_text("ds,y\n" + "".join(f"2020-01-{d:02d},{d - 1}.0\n" for d in range(1, 13)))
    with pytest.raises(UserError, match="'y' counts 0, 1, 2, ... like a saved row index"):
        read_series(tmp_path / "t.csv", "ds", None)
    assert read_series(tmp_path / "t.csv", "ds", "y").target.tolist() == list(range(12))
