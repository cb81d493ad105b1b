"""benchmarks/run.py prints its table and writes a file only when `--out` names one: the table of record
(benchmarks/RESULTS.md, beside the script) is never replaced by a default run."""
from __future__ import annotations

import runpy
import shutil
import sys
from pathlib import Path

import pytest

from rnnkit import benchmarking

SCRIPT = Path(__file__).resolve().parents[3] / "benchmarks" / "run.py"


@pytest.fixture
def script(tmp_path, monkeypatch):
    """A copy of the script beside a RESULTS.md of its own, and a tiny shape to time."""
    monkeypatch.setitem(benchmarking.SHAPES, "tiny", (2, 3, 4, 5))
    monkeypatch.setattr(benchmarking, "gemm_peak_gflops", lambda *a, **k: 100.0)
    shutil.copy(SCRIPT, tmp_path / "run.py")
    (tmp_path / "RESULTS.md").write_text("the table of record\n")
    return tmp_path / "run.py"


def run(script: Path, monkeypatch, *args: str) -> None:
    monkeypatch.setattr(sys, "argv", [str(script), "--shapes", "tiny", "--variants", "gru", "--paths", "native",
                                      "--repeats", "1", *args])
    runpy.run_path(str(script), run_name="__main__")


def test_without_out_the_table_goes_to_stdout_only(script, monkeypatch, capsys):
    run(script, monkeypatch)
    assert "| tiny (2, 3, 4, 5) | gru | native |" in capsys.readouterr().out
    assert (script.parent / "RESULTS.md").read_text() == "the table of record\n"
    assert sorted(p.name for p in script.parent.iterdir()) == ["RESULTS.md", "run.py"]


def test_out_writes_the_file_too(script, monkeypatch, capsys):
    run(script, monkeypatch, "--out", str(script.parent / "new.md"))
    assert "| tiny (2, 3, 4, 5) | gru | native |" in capsys.readouterr().out
    assert "| tiny (2, 3, 4, 5) | gru | native |" in (script.parent / "new.md").read_text()
    assert (script.parent / "RESULTS.md").read_text() == "the table of record\n"
