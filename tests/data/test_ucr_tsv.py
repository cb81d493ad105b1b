"""The UCR archive's .tsv reader: the same series and labels as the problem's .ts file (aeon ships both for
ArrowHead), NaN padding ending a shorter series, numeric class order, and each mistake a one-line error
naming the file and line; `read_series_file` chooses the reader by suffix and refuses ARFF in one line."""
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


def test_arff_is_refused_and_other_suffixes_read_as_ts(tmp_path):
    with pytest.raises(UserError, match="ARFF files are not read; give the problem's .ts file"):
        read_series_file(write(tmp_path, "@relation x\n", "x.arff"))
    with pytest.raises(UserError, match="data before the @data line"):
        read_series_file(write(tmp_path, "1\t2\t3\n", "x.txt"))
