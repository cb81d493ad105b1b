"""What several test folders share: tiny models and data, cell configurations, the compiled kernels'
test problems, and the scripts tests run in their own processes (`python -m testkit.ddp_run ...`).
The tests find it because pytest puts `tests/` on the path (`pythonpath` in pyproject.toml); a test
that starts a process passes that folder on in PYTHONPATH (`testkit.subprocess_env()`), with the rnnkit
this process imported first: a child started in another folder must not import another copy (a relative
PYTHONPATH=src in a worktree pointed its children at the installed one)."""
import os
from pathlib import Path

import rnnkit

TESTS = Path(__file__).resolve().parent.parent
SOURCE = Path(rnnkit.__file__).resolve().parents[1]


def subprocess_env(**extra: str) -> dict[str, str]:
    """The environment for a child Python process that imports testkit (and models it registers)."""
    inherited = [str(Path(p).resolve()) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    path = os.pathsep.join([str(SOURCE), str(TESTS), *inherited])
    return {**os.environ, "PYTHONPATH": path, **extra}


def call_cli(capsys, *args) -> tuple[int, str, str]:
    """Run the `rnnkit` command in this process: (exit code, stdout, stderr)."""
    import pytest

    from rnnkit.cli.main import main

    with pytest.raises(SystemExit) as exit_:
        main(list(map(str, args)))
    out = capsys.readouterr()
    return exit_.value.code, out.out, out.err
