"""The .ts reader: hand-written files of every shape the format allows, each mistake a one-line error
naming the file and line, and (slow) agreement with aeon's own loader on the archive's files."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rnnkit.data.ts_format import pad_series, read_ts
from rnnkit.errors import UserError

UNIVARIATE = """# a comment
%# an ARFF-style comment, as aeon's own UnitTest files begin
%
@problemName Tiny
@timeStamps false
@missing true
@univariate true
@equalLength true
@seriesLength 4
@classLabel true a b
@data
1,2,3,4:a
0.5,?,-1e-3,NaN:b
"""

MULTIVARIATE_UNEQUAL = """@problemName Ragged
@univariate false
@dimensions 2
@equalLength false
@classLabel true x y
@data
1,2,3:4,5,6:x

1,2:3,4:y
"""


def write(tmp_path: Path, text: str, name: str = "f.ts") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_univariate_with_missing_values(tmp_path):
    ts = read_ts(write(tmp_path, UNIVARIATE))
    assert ts.header.problem_name == "Tiny" and ts.header.class_labels == ["a", "b"]
    assert len(ts) == 2 and ts.channels == 1 and ts.lines == [12, 13]
    np.testing.assert_array_equal(ts.series[0][:, 0], [1, 2, 3, 4])
    second = ts.series[1][:, 0]
    assert np.isnan(second[1]) and np.isnan(second[3]) and second[2] == pytest.approx(-1e-3)
    assert list(ts.labels) == ["a", "b"]


def test_multivariate_unequal_lengths_are_time_first(tmp_path):
    ts = read_ts(write(tmp_path, MULTIVARIATE_UNEQUAL))
    assert ts.channels == 2 and list(ts.lengths) == [3, 2]
    np.testing.assert_array_equal(ts.series[0], [[1, 4], [2, 5], [3, 6]])  # (T, C)
    x, lengths = pad_series(ts.series)
    assert x.shape == (2, 3, 2) and list(lengths) == [3, 2]
    np.testing.assert_array_equal(x[1], [[1, 3], [2, 4], [0, 0]])


def test_timestamps_are_dropped_and_unlabelled_files_have_no_labels(tmp_path):
    text = ("@timeStamps true\n@univariate true\n@equalLength false\n@classLabel false\n@data\n"
            "(2007-01-01 00:00:00,1.5),(2007-01-01 00:01:00,2.5)\n")
    ts = read_ts(write(tmp_path, text))
    assert ts.labels is None
    np.testing.assert_array_equal(ts.series[0][:, 0], [1.5, 2.5])
    labelled = ("@timeStamps true\n@univariate false\n@equalLength false\n@classLabel true up\n@data\n"
                "(0,1.0),(1,2.0):(0,3.0),(1,4.0):up\n")
    ts = read_ts(write(tmp_path, labelled, "g.ts"))
    np.testing.assert_array_equal(ts.series[0], [[1, 3], [2, 4]])
    assert list(ts.labels) == ["up"]


def test_regression_targets_are_numbers(tmp_path):
    ts = read_ts(write(tmp_path, "@univariate true\n@classLabel false\n@targetLabel true\n@data\n1,2:0.5\n3,4:1.5\n"))
    assert ts.labels.dtype == np.float64 and list(ts.labels) == [0.5, 1.5]


@pytest.mark.parametrize("text, line, words", [
    ("@problemName X\n@univariate true\n@classLabel true 1 2\n1,2:1\n", 4, "before the @data"),
    ("@univariate true\n@classLabel true 1 2\n", None, "no @data line"),
    ("@univariate false\n@classLabel true 1 2\n@data\n1,2:3,4:1\n1,2:1\n", 5, "1 dimension(s), expected 2"),
    ("@univariate false\n@dimensions 3\n@classLabel true 1\n@data\n1,2:3,4:1\n", 5, "as @dimensions says"),
    ("@univariate true\n@classLabel true 1\n@data\n1,2:3,4:1\n", 4, "@univariate true"),
    ("@univariate true\n@classLabel true 1 2\n@data\n1,2:1\n1,2:3\n", 5, "class label '3' is not one of"),
    ("@univariate true\n@classLabel true 1 2\n@data\n1,two:1\n", 4, "'two' is not a number"),
    ("@univariate true\n@classLabel true 1 2\n@data\n1,,3:1\n", 4, "'' is not a number"),
    ("@univariate false\n@equalLength false\n@classLabel true 1\n@data\n1,2:3:1\n", 5, "different lengths"),
    ("@univariate true\n@seriesLength 3\n@classLabel true 1\n@data\n1,2:1\n", 5, "2 time points, expected 3"),
    ("@univariate maybe\n@data\n1\n", 1, "true or false"),
    ("@classLabel true\n@data\n1:1\n", 1, "must list the class labels"),
    ("@dimensions two\n@data\n1\n", 1, "positive whole number"),
    ("@univariate true\n@classLabel true 1\n@data\n", None, "no series after"),
])
def test_mistakes_are_one_line_naming_file_and_line(tmp_path, text, line, words):
    path = write(tmp_path, text)
    with pytest.raises(UserError) as err:
        read_ts(path)
    message = str(err.value)
    assert "\n" not in message and str(path) in message and words in message
    if line is not None:
        assert f"line {line}:" in message


def test_missing_and_non_utf8_files(tmp_path):
    with pytest.raises(UserError, match="not found"):
        read_ts(tmp_path / "absent.ts")
    path = tmp_path / "bad.ts"
    path.write_bytes(b"@data\n\xff\n")
    with pytest.raises(UserError, match="not valid UTF-8"):
        read_ts(path)


AEON_LOADS = """
import sys, numpy as np
from aeon.datasets import load_from_ts_file
x, y = load_from_ts_file(sys.argv[1])
x = [np.asarray(c) for c in x]
np.savez(sys.argv[2], *[c.T for c in x], y=np.asarray(y, dtype=str))
"""


@pytest.mark.slow
def test_agrees_with_aeons_loader_on_the_archive_files(tmp_path):
    """Needs aeon in some Python (AEON_PYTHON, default this one) and the aeon wheel's data (the catalog's cache)."""
    python = os.environ.get("AEON_PYTHON", sys.executable)
    if subprocess.run([python, "-c", "import aeon"], capture_output=True).returncode != 0:
        pytest.skip("aeon is not installed (set AEON_PYTHON to a Python that has it)")
    from rnnkit.data.catalog import fetch_dataset
    from rnnkit.data.catalog.ucr import UCR_DATASETS

    for name in UCR_DATASETS:
        folder = fetch_dataset(name)
        for path in sorted(folder.glob("*.ts")):
            out = tmp_path / f"{path.stem}.npz"
            subprocess.run([python, "-c", AEON_LOADS, str(path), str(out)], check=True)
            theirs = np.load(out)
            ours = read_ts(path)
            assert len(ours) == len(theirs.files) - 1, path
            for i, case in enumerate(ours.series):
                np.testing.assert_allclose(case, theirs[f"arr_{i}"], rtol=1e-6, err_msg=f"{path} case {i}")
            # aeon lower-cases labels; the reader keeps the file's spelling
            assert [s.lower() for s in ours.labels] == list(theirs["y"]), path


def test_a_utf16_ts_file_is_read_by_its_byte_order_mark(tmp_path):
    path = tmp_path / "u16.ts"
    path.write_bytes("@problemName p\n@univariate true\n@classLabel true a b\n@data\n1,2,3:a\n3,2,1:b\n".encode("utf-16"))
    assert list(read_ts(path).labels) == ["a", "b"]
