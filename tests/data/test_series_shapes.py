"""The series reader on shapes users' downloads come in (new-user probes, fourth round): the newest row first, a
date and a time of day in two columns, values written with their unit."""
import pandas as pd
import pytest

from rnnkit.data.series import read_series
from rnnkit.errors import UserError


def write(tmp_path, text, name="s.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def daily(n=10):
    return pd.date_range("2024-01-01", periods=n, freq="D")


def test_a_file_with_the_newest_row_first_is_read_oldest_first_with_a_note(tmp_path):
    rows = [f"{t:%Y-%m-%d},{i}" for i, t in enumerate(daily())][::-1]
    s = read_series(write(tmp_path, "date,close\n" + "\n".join(rows) + "\n"), "time", None)
    assert s.freq == "D" and s.times[0] == pd.Timestamp("2024-01-01") and s.target.tolist() == list(range(10))
    assert any("newest first" in n for n in s.notes)


def test_newest_first_day_first_dates_read_day_first(tmp_path):
    rows = [f"{t:%d.%m.%Y},{i}" for i, t in enumerate(daily(40))][::-1]
    s = read_series(write(tmp_path, "Date;Close\n" + "\n".join(r.replace(",", ";") for r in rows) + "\n"), "time", None)
    assert s.times[0] == pd.Timestamp("2024-01-01") and s.target.tolist() == list(range(40))


def test_a_bad_value_in_a_newest_first_file_names_its_row_in_the_file(tmp_path):
    rows = [f"{t:%Y-%m-%d},{'x' if i == 7 else i}" for i, t in enumerate(daily())][::-1]
    with pytest.raises(UserError, match="row 3, column 'close': 'x'"):
        read_series(write(tmp_path, "date,close\n" + "\n".join(rows) + "\n"), "time", "close")


def test_a_file_out_of_order_otherwise_is_still_an_error(tmp_path):
    rows = [f"{t:%Y-%m-%d},{i}" for i, t in enumerate(daily())]
    rows[3], rows[4] = rows[4], rows[3]
    with pytest.raises(UserError, match="sort the file by time"):
        read_series(write(tmp_path, "date,close\n" + "\n".join(rows) + "\n"), "time", None)


@pytest.mark.parametrize("header", ["Date,Time", "date,time", "DATE,TIME"])
def test_a_date_and_a_time_of_day_in_two_columns_are_one_time_stamp(tmp_path, header):
    stamps = pd.date_range("2024-01-01", periods=96, freq="30min")
    rows = [f"{t:%d/%m/%Y},{t.hour}:{t:%M},{i % 7}" for i, t in enumerate(stamps)]
    s = read_series(write(tmp_path, f"{header},solar\n" + "\n".join(rows) + "\n"), "time", None)
    assert s.freq == "30min" and len(s) == 96 and s.times[-1] == stamps[-1]
    assert any("joined" in n for n in s.notes)


@pytest.mark.parametrize("cells,unit", [(["112 kWh", "118 kWh", "1,032.5 kWh"], "kWh"),
                                        (["$1,534.40", "$1,616.60", "$14.00"], "$"),
                                        (["12.5 °C", "-3 °C", "0 °C"], "°C"), (["€ 12", "€ 1.5", "€ 0"], "€"),
                                        (["USD 12", "USD 1,500", "USD 3"], "USD")])
def test_values_written_with_their_unit_read_as_numbers_with_a_note(tmp_path, cells, unit):
    rows = [f'{t:%Y-%m-%d},"{c}"' for t, c in zip(daily(3), cells)]
    s = read_series(write(tmp_path, "date,value\n" + "\n".join(rows) + "\n"), "time", None)
    want = [float(c.replace(unit, "").replace(",", "").strip()) for c in cells]
    assert s.target.tolist() == pytest.approx(want) and any(repr(unit) in n for n in s.notes)


def test_codes_with_a_number_in_them_stay_text(tmp_path):
    rows = [f"{t:%Y-%m-%d},{i},SKU00{i}" for i, t in zip([3, 1, 4], daily(3))]
    s = read_series(write(tmp_path, "date,sales,product\n" + "\n".join(rows) + "\n"), "time", "sales")
    assert s.columns == ["sales"] and any("'product' is not numeric" in n for n in s.notes)


def test_different_units_in_one_column_are_not_read_as_numbers(tmp_path):
    rows = [f"{t:%Y-%m-%d},{c}" for t, c in zip(daily(3), ["112 kWh", "0.5 MWh", "98 kWh"])]
    with pytest.raises(UserError, match="row 1, column 'value': '112 kWh' is not a number"):
        read_series(write(tmp_path, "date,value\n" + "\n".join(rows) + "\n"), "time", "value")
