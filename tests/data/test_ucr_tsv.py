"""The UCR archive's .tsv reader: the same series and labels as the problem's .ts file (aeon ships both for
ArrowHead), NaN padding ending a shorter series, numeric class order, and each mistake a one-line error
naming the file and line; `read_series_file` chooses the reader by suffix (ARFF: tests/data/test_arff.py)."""
from pathlib import Path

import numpy as np
import pytest

from rnnkit.data.ts_format import read_ts
from rnnkit.data.ucr_tsv import read_series_file, read_ucr_tsv
from rnnkit.errors import UserError


def write(tmp_path: Path, text: str, name: str = "f.tsv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_arrowhead_tsv_reads_as_its_ts_file():
    aeon = pytest.importorskip("aeon")
    folder = Path(aeon.__file__).parent / "datasets" / "data" / "ArrowHead"
    tsv, ts = read_series_file(folder / "ArrowHead_TRAIN.tsv"), read_ts(folder / "ArrowHead_TRAIN.ts")
    assert len(tsv) == len(ts) == 36 and tsv.header.class_labels == ts.header.class_labels == ["0", "1", "2"]
    np.testing.assert_array_equal(tsv.labels, ts.labels)
    for a, b in zip(tsv.series, ts.series):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_codes_with_a_leading_zero_stay_as_written(tmp_path):
    ts = read_ucr_tsv(write(tmp_path, "01\t1\t2\n10\t3\t4\n05\t5\t6\n"))
    assert list(ts.labels) == ["01", "10", "05"] and ts.header.class_labels == ["01", "05", "10"]


def test_padding_ends_a_series_and_labels_sort_as_numbers(tmp_path):
    ts = read_ucr_tsv(write(tmp_path, "10\t1\t2\t3\n\n2\t4\tNaN\t6\n-1\t7\t8\tNaN\n2,1,2,,\n"))
    assert ts.header.class_labels == ["-1", "2", "10"] and list(ts.labels) == ["10", "2", "-1", "2"]
    assert [len(s) for s in ts.series] == [3, 3, 2, 2] and ts.lines == [1, 3, 4, 5]
    assert np.isnan(ts.series[1][1, 0]) and ts.header.missing and not ts.header.equal_length
    assert ts.series[0].shape == (3, 1) and ts.series[0].dtype == np.float32


@pytest.mark.parametrize("text, needle", [
    ("1\t1\t2\n2\t3\tx\n", "line 2: 'x' is not a number"),
    ("1\t1\t2\n2\tNaN\tNaN\n", "line 2: a case with no values"),
    ("1\tinf\t2\n", "line 1: an infinite value"),
    ("\n\n", "no series"),
])
def test_mistakes_name_the_line(tmp_path, text, needle):
    with pytest.raises(UserError, match=needle) as caught:
        read_ucr_tsv(write(tmp_path, text))
    assert str(tmp_path / "f.tsv") in str(caught.value) and "\n" not in str(caught.value)


def test_other_suffixes_read_as_ts_where_they_open_with_its_header_else_as_tables(tmp_path):
    with pytest.raises(UserError, match="line 2: data before the @data line"):
        read_series_file(write(tmp_path, "@problemName x\n1\t2\t3\n", "x.dat"))
    # the UCR archive of 2015: no suffix, comma-separated, the label first (was "data before the @data line")
    f = read_series_file(write(tmp_path, "1,0.5,0.25,0.125\n2,1.5,1.25,1.125\n", "GunPoint_TRAIN"))
    assert list(f.labels) == ["1", "2"] and f.series[1][:, 0].tolist() == [1.5, 1.25, 1.125]


def test_csv_and_txt_tables_read_as_the_tsv_does(tmp_path):
    """The same cases as a UCR .tsv, written as users write them: comma-separated with or without column
    names, space-separated as the 2015 archive's .txt, semicolon-separated with decimal commas (Excel in much of
    Europe)."""
    tsv = read_ucr_tsv(write(tmp_path, "1\t0.5\t2\n2\t3\t4\n"))
    for text, name in [("1,0.5,2\n2,3,4\n", "a.csv"), ("label,t0,t1\n1,0.5,2\n2,3,4\n", "b.csv"),
                       ("  1.0000000e+00  5.0000000e-01  2.0\n  2  3  4\n", "c.txt"),
                       ("label;t0;t1\n1;0,5;2\n2;3;4\n", "d.csv"), ("1;0,5;2,0\n2;3;4e0\n", "e.csv")]:
        table = read_series_file(write(tmp_path, text, name))
        assert list(table.labels) == ["1", "2"], name
        for a, b in zip(table.series, tsv.series):
            np.testing.assert_array_equal(a, b)


def test_a_header_names_the_label_column_and_a_saved_index_is_left_out(tmp_path):
    """pandas' `DataFrame(X).assign(label=y).to_csv()`: the row numbers first (no name), the values under the
    column numbers, the label last."""
    table = read_series_file(write(tmp_path, ",0,1,2,Class\n0,1.5,2,3,up\n1,4,5,6,down\n", "x.csv"))
    assert list(table.labels) == ["up", "down"] and table.header.class_labels == ["down", "up"]
    assert table.series[0][:, 0].tolist() == [1.5, 2, 3] and table.lines == [2, 3]


def test_a_label_last_without_a_header_says_how_to_name_it(tmp_path):
    with pytest.raises(UserError, match=r"line 1: 'up' is not a number .*called label, class or target|"
                                        r"line 1: 'up' is not a number .*calls it label, class or target"):
        read_series_file(write(tmp_path, "1,2,3,up\n4,5,6,down\n", "x.csv"))


def test_a_table_with_column_names_and_no_label_column_is_series_to_predict(tmp_path):
    """Under a header, the labels are the column named label/class/target, else a first column of words; a table
    of numbers alone has no labels (what predict reads), not its first value taken as a label."""
    unlabelled = read_series_file(write(tmp_path, "t0,t1,t2\n1,2,3\n4,5,6\n", "u.csv"))
    assert unlabelled.labels is None and unlabelled.header.class_labels is None
    assert unlabelled.series[0][:, 0].tolist() == [1, 2, 3]
    words = read_series_file(write(tmp_path, "kind,t0,t1\nup,1,2\ndown,3,4\n", "w.csv"))
    assert list(words.labels) == ["up", "down"] and words.series[1][:, 0].tolist() == [3, 4]


def test_a_table_without_a_header_holding_its_labels_last_reads_them_there(tmp_path):
    """Kaggle's heartbeat CSVs: values, then the class as a float, no header. The first column was read as the
    labels and refused as "50 distinct numbers ... a score, not classes"."""
    path = tmp_path / "beats.csv"
    path.write_text("0.98,0.75,0.12,0.0\n0.91,0.42,0.33,1.0\n0.25,0.5,0.75,0.0\n1.0,0.9,0.8,1.0\n")
    ts = read_series_file(path)
    assert list(ts.labels) == ["0", "1", "0", "1"] and ts.header.class_labels == ["0", "1"]
    np.testing.assert_allclose(ts.series[1][:, 0], [0.91, 0.42, 0.33])
    ucr = tmp_path / "ucr.csv"  # the UCR archive's own order stays: label first, whole numbers
    ucr.write_text("1,0.98,0.75,2\n2,0.91,0.42,1\n1,0.25,0.5,2\n2,1.5,0.9,1\n")
    assert list(read_series_file(ucr).labels) == ["1", "2", "1", "2"]
