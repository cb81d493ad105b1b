"""The benchmark library on a tiny shape: every path timed, ratios and GFLOP/s computed from the times."""
from __future__ import annotations

import math

from rnnkit import benchmarking


def test_tiny_run_reports_every_path(monkeypatch):
    monkeypatch.setitem(benchmarking.SHAPES, "tiny", (2, 3, 4, 5))
    monkeypatch.setattr(benchmarking, "gemm_peak_gflops", lambda *a, **k: 100.0)
    table, facts = benchmarking.run_benchmarks(["tiny"], ["lstm", "lstm_peephole", "gru"], repeats=1, log=lambda m: None)
    timed = table.dropna(subset=["ms"])
    assert set(timed[timed.variant == "lstm"].path) == set(benchmarking.PATHS) - ({"compiled"} - set(timed.path))
    lstm_family = timed.variant.isin(["lstm", "lstm_peephole"])
    native = timed[lstm_family & (timed.path == "native") & (timed["mode"] == "train")]["ms"].min()  # best native run
    row = timed[(timed.variant == "lstm_peephole") & (timed.path == "fused") & (timed["mode"] == "train")].iloc[0]
    assert math.isclose(row["vs_native"], native / row["ms"])
    gflop = 3 * 2 * 3 * 2 * 4 * 5 * (4 + 5) / 1e9  # training: 3 x forward GEMM work, 4 LSTM gates
    assert math.isclose(row["gflops"], gflop / (row["ms"] / 1e3))
    assert math.isclose(row["peak_frac"], row["gflops"] / 100.0)
    text = benchmarking.markdown(table, facts, "python benchmarks/run.py --quick")
    assert "python benchmarks/run.py --quick" in text and "| tiny (2, 3, 4, 5) | gru | native |" in text


def test_paths_limit_what_is_timed_but_native_always_stays(monkeypatch):
    monkeypatch.setitem(benchmarking.SHAPES, "tiny", (2, 3, 4, 5))
    case = benchmarking.build_case("tiny", "lstm", paths=["fused"])
    assert set(case.runs) | set(case.skipped) == {"fused", "native"}
    every = benchmarking.build_case("tiny", "lstm")
    assert set(every.runs) | set(every.skipped) == set(benchmarking.PATHS)
