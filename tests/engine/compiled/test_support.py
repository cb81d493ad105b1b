"""What the compiled path serves, what it declines, and how it falls back without a compiler."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
import torch

from rnnkit.cells import GRUCell, LSTMCell, SimpleRNNCell
from rnnkit.engine import Masks, compiled
from rnnkit.engine.kernels import build_directory


def test_serves_the_hot_cells(kernels):
    for cell in (LSTMCell(3, 4), LSTMCell(3, 4, peephole=True), GRUCell(3, 4), GRUCell(3, 4, reset_after=False),
                 SimpleRNNCell(3, 4), SimpleRNNCell(3, 4, activation="relu"), LSTMCell(3, 4, weight_drop=0.5),
                 LSTMCell(3, 4, zoneout=0.1), LSTMCell(3, 4, peephole=True, zoneout_c=0.2), GRUCell(3, 4, zoneout=0.1),
                 GRUCell(3, 4, reset_after=False, zoneout=0.1), SimpleRNNCell(3, 4, zoneout=0.1),
                 LSTMCell(3, 4, layer_norm=True), LSTMCell(3, 4, layer_norm=True, peephole=True, zoneout=0.1),
                 GRUCell(3, 4, layer_norm=True), GRUCell(3, 4, layer_norm=True, zoneout=0.1, weight_drop=0.2)):
        assert compiled.supports(cell), cell


@pytest.mark.parametrize("options", [
    {"proj_size": 2}, {"cell_clip": 3.0}, {"proj_size": 2, "zoneout": 0.1}, {"cell_clip": 3.0, "layer_norm": True},
], ids=lambda o: next(iter(o)))
def test_declines_lstm_options_it_does_not_implement(kernels, options):
    try:
        cell = LSTMCell(3, 4, **options)
    except TypeError:
        pytest.skip(f"LSTMCell has no option {options}")
    assert not compiled.supports(cell)
    with pytest.raises(ValueError, match="compiled path"):
        compiled.run_compiled(cell, torch.randn(2, 1, 3), cell.init_state(1))


def test_declines_subclasses_and_other_dtypes(kernels):
    class MyLSTM(LSTMCell):  # may change the step: the kernels cannot know
        pass

    assert not compiled.supports(MyLSTM(3, 4))
    assert not compiled.supports(LSTMCell(3, 4).to(torch.bfloat16))


def test_zoneout_masks_of_the_wrong_shape_are_refused(kernels):
    cell = GRUCell(3, 4)
    with pytest.raises(ValueError, match="zoneout_masks"):
        compiled.run_compiled(cell, torch.randn(2, 1, 3), cell.init_state(1), None, Masks(zoneout=(torch.ones(3, 1, 4),)))
    with pytest.raises(ValueError, match="zoneout_masks"):
        compiled.run_compiled(cell, torch.randn(2, 1, 3), cell.init_state(1), None, Masks(zoneout=(torch.ones(2, 1, 4), None)))


def run_python(code: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **env})


def test_switched_off_falls_back_with_a_reason():
    done = run_python("from rnnkit.engine import compiled as c; from rnnkit.cells import LSTMCell\n"
                      "print(c.available(), c.supports(LSTMCell(2, 3)), c.unavailable_reason())",
                      RNNKIT_NO_COMPILE="1")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[:2] == ["False", "False"]
    assert "RNNKIT_NO_COMPILE" in done.stdout


def test_a_failed_build_falls_back(tmp_path):
    """A broken toolchain (here: a compiler that always fails) means available() False, not an error."""
    fake = tmp_path / "bin"
    fake.mkdir()
    for name in ("c++", "g++"):
        (fake / name).write_text("#!/bin/sh\nexit 1\n")
        (fake / name).chmod(0o755)
    done = run_python("from rnnkit.engine import compiled as c; print(c.available())",
                      PATH=f"{fake}:{os.environ['PATH']}", CXX=str(fake / "c++"),
                      TORCH_EXTENSIONS_DIR=str(tmp_path / "ext"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_second_process_reuses_the_cached_build(kernels):
    """A second process loads the built library as it is: no file of the build folder is rewritten."""
    def snapshot():
        return {p: p.stat().st_mtime_ns for p in build_directory().rglob("*") if p.is_file()}

    before = snapshot()
    assert any(p.suffix == ".so" for p in before)
    done = run_python("from rnnkit.engine import compiled as c; print(c.available())")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"
    assert snapshot() == before


def test_the_kernels_draw_nothing_from_torchs_generator(kernels):
    # A fresh process, so the kernels' one-time probes run inside the check: a first call that drew
    # random numbers would shift every dropout mask after `torch.manual_seed`, making the first
    # training in a process differ from the same training run later in it.
    done = run_python(
        "import torch\n"
        "from rnnkit.layers.recurrent import Recurrent\n"
        "layers = [Recurrent(kind, 5, 8, fast='compiled') for kind in ('lstm', 'gru', 'rnn')]\n"
        "x = torch.ones(3, 4, 5)\n"
        "torch.manual_seed(0)\n"
        "for layer in layers:\n"
        "    layer(x).sum().backward()\n"
        "    with torch.no_grad(): layer(x)\n"
        "print(float(torch.rand(1)))\n"
        "torch.manual_seed(0)\n"
        "print(float(torch.rand(1)))\n")
    assert done.returncode == 0, done.stderr
    after_kernels, untouched = done.stdout.split()
    assert after_kernels == untouched


def test_sources_are_built_from_a_copy_in_the_build_folder(tmp_path):
    # torch rebuilds when the source paths in build.ninja change: building from a copy inside the
    # digest-named folder gives every checkout of the same sources the same paths, and copying again
    # rewrites nothing (an mtime change would make ninja rebuild too).
    from rnnkit.engine.kernels import CSRC, SOURCES, staged_sources

    paths = staged_sources(tmp_path)
    assert [os.path.basename(p) for p in paths] == [p.name for p in SOURCES]
    assert all(os.path.dirname(p) == str(tmp_path / "src") for p in paths)
    assert sorted(p.name for p in (tmp_path / "src").iterdir()) == sorted(p.name for p in CSRC.iterdir()
                                                                          if p.suffix in (".cpp", ".h"))
    mtimes = {p: p.stat().st_mtime_ns for p in (tmp_path / "src").iterdir()}
    assert staged_sources(tmp_path) == paths
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "src").iterdir()} == mtimes


def test_a_lock_left_by_a_killed_build_is_removed(tmp_path):
    # torch's lock file outlives a process killed mid-build; the flock held around the build is the
    # real lock, so a torch lock found while holding it is stale and removed rather than waited on.
    from rnnkit.engine.kernels import build_lock

    (tmp_path / "lock").write_text("")
    with build_lock(tmp_path):
        assert not (tmp_path / "lock").exists()
    with build_lock(tmp_path):  # released on exit: a second holder gets it at once
        pass
