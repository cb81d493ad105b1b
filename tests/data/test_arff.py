"""The archive's ARFF reader: the same cases and labels as the problem's .ts file (aeon ships the archive's
GunPoint, ArrowHead and BasicMotions TRAIN .arff beside their .ts), `?` padding ending a shorter series, Weka's
instances to predict (every class `?`) unlabelled, and each mistake a one-line error naming the file."""
import re
from pathlib import Path

import numpy as np
import pytest

from rnnkit.data.arff import read_arff
from rnnkit.data.ts_format import read_ts
from rnnkit.data.ucr_tsv import read_series_file
from rnnkit.errors import UserError


def write(tmp_path: Path, text: str, name: str = "f.arff") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("problem", ["GunPoint", "ArrowHead", "BasicMotions"])
def test_the_archives_arff_reads_as_its_ts_file(problem):
    aeon = pytest.importorskip("aeon")
    folder = Path(aeon.__file__).parent / "datasets" / "data" / problem
    arff, ts = read_series_file(folder / f"{problem}_TRAIN.arff"), read_ts(folder / f"{problem}_TRAIN.ts")
    assert len(arff) == len(ts) and arff.header.class_labels == ts.header.class_labels
    assert arff.header.univariate == ts.header.univariate and arff.channels == ts.channels
    np.testing.assert_array_equal(arff.labels, ts.labels)
    for a, b in zip(arff.series, ts.series):
        np.testing.assert_array_equal(a, b)


UNIVARIATE = "@relation r\n@attribute att0 numeric\n@attribute att1 numeric\n@attribute att2 numeric\n" \
             "@attribute target {up,down}\n@data\n"
RELATIONAL = ("@relation 'm'\n@attribute relationalAtt relational\n@attribute att0 numeric\n@attribute att1 numeric\n"
              "@attribute att2 numeric\n@end relationalAtt\n@attribute activity {up,down}\n@data\n")


def test_question_marks_pad_a_shorter_series_and_mark_a_missing_value(tmp_path):
    uni = read_arff(write(tmp_path, UNIVARIATE + "1,2,3,up\n4,?,6,down\n7,8,?,up\n"))
    assert [len(s) for s in uni.series] == [3, 3, 2] and list(uni.labels) == ["up", "down", "up"]
    assert np.isnan(uni.series[1][1, 0]) and uni.header.missing and not uni.header.equal_length
    assert uni.header.class_labels == ["up", "down"] and uni.series[0].dtype == np.float32 and uni.lines == [7, 8, 9]
    multi = read_arff(write(tmp_path, RELATIONAL + "'1,2,3\\n4,5,6',up\n'1,2,?\\n4,5,?',down\n"))
    assert multi.channels == 2 and [s.shape for s in multi.series] == [(3, 2), (2, 2)]
    np.testing.assert_array_equal(multi.series[0], [[1, 4], [2, 5], [3, 6]])


def test_instances_to_predict_have_no_labels(tmp_path):
    """Weka writes the instances to classify with class `?`; a file without a class attribute has none either."""
    assert read_arff(write(tmp_path, UNIVARIATE + "1,2,3,?\n4,5,6,?\n")).labels is None
    plain = read_arff(write(tmp_path, "@relation r\n@attribute a numeric\n@attribute b numeric\n@data\n1,2\n"))
    assert plain.labels is None and plain.series[0].shape == (2, 1)


@pytest.mark.parametrize("text, needle", [
    (UNIVARIATE + "1,2,3,up\n4,5,6,left\n", "not read as ARFF: left value not in ('up', 'down')"),
    (UNIVARIATE + "1,2,3,up\n4,5,6,?\n", "line 8: class ? (missing); every case needs its class, or none does"),
    (UNIVARIATE + "1,2,3,up\n?,?,?,down\n", "line 8: a case with no values"),
    ("@relation r\n@attribute a numeric\n@attribute when date yyyy-MM-dd\n@attribute c {x}\n@data\n1,2020-01-01,x\n",
     "attribute 'when' (date) is neither a time step nor the class"),
    ("@relation r\n@attribute c {x}\n@data\nx\n", "no attribute holds a time step"),
])
def test_mistakes_are_one_line_naming_the_file(tmp_path, text, needle):
    with pytest.raises(UserError, match=re.escape(needle)) as caught:
        read_series_file(write(tmp_path, text))
    assert str(tmp_path / "f.arff") in str(caught.value) and "\n" not in str(caught.value)
