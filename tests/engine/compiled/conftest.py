"""Fixtures for the compiled-kernel tests: ONE build of the extension per test session.

The first build takes a few minutes (then it is cached on disk). Tests skip, each with the reason,
only when this machine has no C++ compiler or ninja; a build that fails with a compiler present is a
test failure, not a skip.
"""
from __future__ import annotations

import shutil

import pytest

from rnnkit.engine import compiled


def toolchain_missing() -> str | None:
    if not (shutil.which("c++") or shutil.which("g++")):
        return "no C++ compiler on PATH"
    try:
        from torch.utils.cpp_extension import verify_ninja_availability

        verify_ninja_availability()
    except Exception as error:  # ninja is what torch's JIT build drives
        return f"ninja unavailable: {error}"
    return None


@pytest.fixture(scope="session")
def kernels():
    """The built extension module (built once per session, reused from the cache afterwards)."""
    missing = toolchain_missing()
    if missing:
        pytest.skip(f"compiled kernels need a toolchain: {missing}")
    if not compiled.available():
        pytest.fail(f"a compiler is present but the kernels did not build: {compiled.unavailable_reason()}")
    return compiled.load()
