"""What several test folders share: tiny models and data, cell configurations, the compiled kernels'
test problems, and the scripts tests run in their own processes (`python -m testkit.ddp_run ...`).
The tests find it because pytest puts `tests/` on the path (`pythonpath` in pyproject.toml); a test
that starts a process passes that folder on in PYTHONPATH (`testkit.subprocess_env()`)."""
import os
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent


def subprocess_env(**extra: str) -> dict[str, str]:
    """The environment for a child Python process that imports testkit (and models it registers)."""
    path = os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH", "")]))
    return {**os.environ, "PYTHONPATH": path, **extra}


def call_cli(capsys, *args) -> tuple[int, str, str]:
    """Run the `rnnkit` command in this process: (exit code, stdout, stderr)."""
    import pytest

    from rnnkit.cli.main import main

    with pytest.raises(SystemExit) as exit_:
        main(list(map(str, args)))
    out = capsys.readouterr()
    return exit_.value.code, out.out, out.err
