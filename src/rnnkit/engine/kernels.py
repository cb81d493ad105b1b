"""Building and loading the compiled kernels (`csrc/`): the engine's one lazy loader, with one error cache.

`load()` builds the C++ extension with `torch.utils.cpp_extension.load` on first use (once), caches the
build under `$TORCH_EXTENSIONS_DIR` or `~/.cache/rnnkit/torch_extensions` in a folder named by torch's
version, the instruction set and a hash of the source (an edited source builds afresh beside the old
build, which a running process may still have loaded; torch's file lock guards concurrent builds), and
returns the module. The sources are copied into the build folder and built from there: torch rebuilds
whenever the source paths in its build.ninja change, so two checkouts (or venvs) of the same sources
building from their own paths would rebuild each other's library on every first use. Where no compiler is present or the build fails, `load()` returns None,
`available()` is False and `unavailable_reason()` says why (logged once); the engine then falls back
to the pure-torch fused path. `RNNKIT_NO_COMPILE=1` switches the compiled path off;
`RNNKIT_CPU_CAPABILITY=avx2|avx512|default` overrides the instruction set (default: torch's own).
What the kernels compute and how they are called: `rnnkit.engine.compiled`.
"""
from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
from pathlib import Path

import torch

log = logging.getLogger(__name__)

CSRC = Path(__file__).with_name("csrc")
# One translation unit per cell family plus the bindings; the headers (common.h, kernels.h) only enter the digest.
SOURCES = [CSRC / name for name in ("lstm.cpp", "gru.cpp", "simple_rnn.cpp", "minimal.cpp", "masks.cpp", "bindings.cpp")]

# Compiler flags per instruction set, as torch builds its own CPU kernels (aten/src/ATen/native/cpu).
CAPABILITY_FLAGS = {
    "avx512": ["-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq", "-mfma", "-DCPU_CAPABILITY=AVX512",
               "-DCPU_CAPABILITY_AVX512"],
    "avx2": ["-mavx2", "-mfma", "-mf16c", "-DCPU_CAPABILITY=AVX2", "-DCPU_CAPABILITY_AVX2"],
    "default": ["-DCPU_CAPABILITY=DEFAULT"],
}

_lock = threading.Lock()
_module = None
_failure: str | None = None


def cpu_capability() -> str:
    """The instruction set the kernels are built for: torch's choice unless RNNKIT_CPU_CAPABILITY says."""
    chosen = os.environ.get("RNNKIT_CPU_CAPABILITY") or torch.backends.cpu.get_cpu_capability()
    chosen = chosen.lower()
    return chosen if chosen in CAPABILITY_FLAGS else "default"


def source_digest() -> str:
    """A short hash of the C++ sources and headers: part of the build's name, so an edit never reuses a stale build."""
    digest = hashlib.sha256()
    for path in sorted(CSRC.glob("*.cpp")) + sorted(CSRC.glob("*.h")):  # every file, named: a rename rebuilds too
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def build_directory() -> Path:
    base = os.environ.get("TORCH_EXTENSIONS_DIR")
    root = Path(base) if base else Path.home() / ".cache" / "rnnkit" / "torch_extensions"
    tag = torch.__version__.split("+")[0].replace(".", "_")
    return root / f"rnnkit_kernels_torch{tag}_{cpu_capability()}_{source_digest()}"


def staged_sources(directory: Path) -> list[str]:
    """The translation units, copied (with the headers they include) into `directory/src`; a file is
    written only when missing or different, so a second checkout leaves the build untouched."""
    from rnnkit.atomic import write_bytes

    staged = directory / "src"
    for path in sorted(CSRC.glob("*.cpp")) + sorted(CSRC.glob("*.h")):
        target = staged / path.name
        if not target.is_file() or target.read_bytes() != path.read_bytes():
            write_bytes(target, path.read_bytes())
    return [str(staged / path.name) for path in SOURCES]


def _build():
    from torch.utils import cpp_extension  # imported late: it is slow and needs setuptools

    cap = cpu_capability()
    directory = build_directory()
    directory.mkdir(parents=True, exist_ok=True)
    log.info("rnnkit: building the compiled RNN kernels (%s) in %s, once (then cached)", cap, directory)
    with build_lock(directory):
        return cpp_extension.load(
            name=f"rnnkit_kernels_{cap}_{source_digest()}",
            sources=staged_sources(directory),
            extra_cflags=["-O3", "-fopenmp", *CAPABILITY_FLAGS[cap]],
            extra_ldflags=["-fopenmp"],
            build_directory=str(directory),
            verbose=False,
        )


@contextlib.contextmanager
def build_lock(directory: Path):
    """Hold an OS lock on the build folder while torch builds or loads it. torch's own lock is a file
    that only its creator deletes: a process killed mid-build (Ctrl-C on a first run, a timeout) leaves
    it behind and every later process waits on it forever. The OS drops a dead process's flock, so
    whoever holds this lock knows a torch lock file it finds is stale, and removes it."""
    try:
        import fcntl
    except ImportError:  # not POSIX: torch's lock alone
        yield
        return
    with open(directory / "rnnkit.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            (directory / "lock").unlink(missing_ok=True)
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def load():
    """The extension module, building it on first call; None (and a logged reason) if it cannot build."""
    global _module, _failure
    if _module is not None or _failure is not None:
        return _module
    with _lock:
        if _module is not None or _failure is not None:
            return _module
        if os.environ.get("RNNKIT_NO_COMPILE", "") not in ("", "0"):
            _failure = "switched off by RNNKIT_NO_COMPILE"
        else:
            try:
                _module = _build()
            except Exception as error:  # no compiler, no ninja, a failed build: fall back, say why once
                _failure = f"{type(error).__name__}: {str(error).strip().splitlines()[-1] if str(error).strip() else ''}"
                log.warning("rnnkit: compiled RNN kernels unavailable (%s); using the pure-torch fused path", _failure)
    return _module


def available() -> bool:
    """True if the compiled kernels are built (or build now) and loadable."""
    return load() is not None


def unavailable_reason() -> str | None:
    load()
    return _failure

__all__ = ["load", "available", "unavailable_reason", "cpu_capability", "source_digest", "build_directory"]
