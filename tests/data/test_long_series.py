"""Series tables in long format, one reading a row (id, time, value(s), label), as pandas users and Kaggle's sensor
data keep them: probes4's cs_long.csv (GunPoint's 50 cases) was read as 7,500 "series" of 3 values, silently."""
from pathlib import Path

import numpy as np
import pytest

from rnnkit.data.ucr_tsv import read_series_file
from rnnkit.errors import UserError

WIDE = {"a": ([1.0, 2.0, 3.0], "walk"), "b": ([4.0, 5.0], "run"), "c": ([6.0, 7.0, 8.0], "walk")}


def write(tmp_path: Path, text: str, name: str = "long.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def long_rows(order=lambda rows: rows):
    rows = [f"{case},{t},{v},{label}" for case, (values, label) in WIDE.items() for t, v in enumerate(values)]
    return "\n".join(order(rows)) + "\n"


@pytest.mark.parametrize("order", [lambda rows: rows, lambda rows: rows[::-1]])
def test_each_id_is_a_case_its_readings_in_time_order(tmp_path, order):
    f = read_series_file(write(tmp_path, "id,time,value,label\n" + long_rows(order)))
    cases = dict(zip((f.series[i][:, 0].tolist()[0] for i in range(len(f))), f.labels))
    assert len(f) == 3 and sorted(x[:, 0].tolist() for x in f.series) == sorted(v for v, _ in WIDE.values())
    assert cases == {1.0: "walk", 4.0: "run", 6.0: "walk"} and f.header.class_labels == ["run", "walk"]
    assert not f.header.equal_length and f.channels == 1


def test_other_columns_are_channels_and_a_file_to_predict_has_no_label(tmp_path):
    text = "series_id,step,x,y\n" + "".join(f"{c},{t},{t},{-t}\n" for c in "pq" for t in range(4))
    f = read_series_file(write(tmp_path, text))
    assert len(f) == 2 and f.labels is None and f.series[1].tolist() == [[t, -t] for t in range(4)]


def test_a_case_with_two_labels_is_one_line(tmp_path):
    text = "id,time,value,label\na,0,1,walk\na,1,2,run\n"
    with pytest.raises(UserError, match="line 3: label 'run' for id 'a', labelled 'walk' on line 2"):
        read_series_file(write(tmp_path, text))


def test_an_id_column_of_a_table_of_one_case_a_row_is_no_value(tmp_path):
    text = "id,label,t0,t1,t2\n" + "".join(f"{c},{lab},{','.join(map(str, v))}\n" for c, (v, lab) in
                                            (("101", ([1, 2, 3], "walk")), ("102", ([4, 5, 6], "run"))))
    f = read_series_file(write(tmp_path, text))
    assert [x[:, 0].tolist() for x in f.series] == [[1, 2, 3], [4, 5, 6]]


def test_gunpoint_in_long_format_reads_as_its_ts_file(tmp_path):
    aeon = pytest.importorskip("aeon")
    ts = read_series_file(Path(aeon.__file__).parent / "datasets" / "data" / "GunPoint" / "GunPoint_TRAIN.ts")
    rows = "".join(f"{i},{t},{v},{lab}\n" for i, (x, lab) in enumerate(zip(ts.series, ts.labels))
                   for t, v in enumerate(x[:, 0]))
    f = read_series_file(write(tmp_path, "id,time,value,label\n" + rows))
    assert len(f) == 50 and (f.labels == ts.labels).all()
    np.testing.assert_allclose(np.stack(f.series), np.stack(ts.series))


def test_sktimes_long_format_reads_each_dim_as_a_channel(tmp_path):
    """sktime's and aeon's long format (case_id, dim_id, reading_id, value): dim_id and reading_id were read as
    two more channels, BasicMotions' 6 channels of 100 steps as 3 channels of 600 (probes6)."""
    aeon = pytest.importorskip("aeon")
    ts = read_series_file(Path(aeon.__file__).parent / "datasets" / "data" / "BasicMotions" / "BasicMotions_TRAIN.ts")
    rows = "".join(f"{i},{d},{t},{v!r},{lab}\n" for i, (x, lab) in enumerate(zip(ts.series, ts.labels))
                   for d in range(x.shape[1]) for t, v in reversed(list(enumerate(x[:, d].tolist()))))
    f = read_series_file(write(tmp_path, "case_id,dim_id,reading_id,value,label\n" + rows))
    assert len(f) == 40 and f.header.dimensions == 6 and (f.labels == ts.labels).all()
    np.testing.assert_allclose(np.stack(f.series), np.stack(ts.series))


def test_a_channel_with_fewer_readings_is_padded_and_a_word_column_names_the_label_columns(tmp_path):
    f = read_series_file(write(tmp_path, "id,variable,value\na,x,1\na,x,2\na,y,5\nb,x,3\nb,y,4\nb,y,6\n"))
    np.testing.assert_equal(f.series[0], [[1, 5], [2, np.nan]])
    with pytest.raises(UserError, match=r"column 'class_val': 'walk' is not a number \(a column of class labels is "
                                        r"named label, class, target\)"):
        read_series_file(write(tmp_path, "id,time,value,class_val\n" + long_rows()))
