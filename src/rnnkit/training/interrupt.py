"""Ctrl-C during `fit`: stop at the next step boundary, after saving, and say how to resume.

A SIGINT arriving in the middle of a step (between backward and the optimizer's update, or inside a
checkpoint write) must not leave a half-updated state behind, so the first Ctrl-C only sets a flag
(`StopRequest`); the trainer looks at it after each step and at each epoch end, saves a checkpoint
there and raises `TrainingInterrupted`: a `UserError` (one line, no traceback) naming the checkpoint
and the command that continues the run, exit status 130 as for any Ctrl-C. A second Ctrl-C interrupts
at once (Python's KeyboardInterrupt). Only a single process listens (under DDP every rank gets the
signal at its own point of the step, and torch's launcher already stops them all).

Under `--nproc N` (spawned DDP) a Ctrl-C stops every process at once, without a new checkpoint: the
ranks get the signal at different points of their step, and a checkpoint of one step would need them
to agree on that step first (a collective each step, for this case alone). `interrupted_processes`
says so in one line, naming the last checkpoint (each epoch end, and every `checkpoint_every` steps)
and the command that continues from it.
"""
from __future__ import annotations

import shlex
import signal
import threading
from pathlib import Path

from rnnkit.errors import UserError


class TrainingInterrupted(UserError):
    """Training stopped on Ctrl-C after saving a checkpoint; the message says how to resume."""

    exit_code = 130  # 128 + SIGINT, what a shell reports for a Ctrl-C


class StopRequest:
    """`with StopRequest() as stop:` ... `stop.requested` becomes True on the first Ctrl-C."""

    def __init__(self, listen: bool = True):
        self.requested = False
        self.listen = listen and threading.current_thread() is threading.main_thread()
        self._previous = None

    def _handle(self, signum, frame) -> None:
        self.requested = True
        signal.signal(signal.SIGINT, self._previous)  # a second Ctrl-C: what it did before (KeyboardInterrupt)

    def __enter__(self) -> StopRequest:
        if self.listen:
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        if self.listen:
            signal.signal(signal.SIGINT, self._previous)


def run_to_resume(run_dir: Path) -> Path:
    """The folder `rnnkit train --resume` takes: the outermost run folder holding `run_dir` (a model
    trained inside another run, e.g. a text run's second view, resumes with its whole run)."""
    run_dir = Path(run_dir)
    while (run_dir.parent / "config.json").is_file() and (run_dir / "config.json").is_file():
        run_dir = run_dir.parent
    return run_dir


def interrupted(where: str, checkpoint: Path, run_dir: Path, trust_imports: bool = False) -> TrainingInterrupted:
    """`trust_imports`: the run's config names modules to import, which a run folder may only do when
    trusted (`rnnkit.tasks.runs.check_imports`); the user's own run, so the command says so."""
    return TrainingInterrupted(f"training interrupted (Ctrl-C) after {where}; saved {checkpoint}; "
                               f"continue with: {resume_command(run_to_resume(run_dir), trust_imports)}")


def resume_command(run_dir: Path, trust_imports: bool, nproc: int = 1) -> str:
    """The command that continues the run in `run_dir` (the folder `run_to_resume` gives)."""
    return (f"rnnkit train {shlex.quote(str(run_dir))} --resume" + (f" --nproc {nproc}" if nproc > 1 else "")
            + (" --trust-imports" if trust_imports else ""))


def interrupted_processes(nproc: int, run_dir: Path, trust_imports: bool = False) -> TrainingInterrupted:
    """A Ctrl-C under `--nproc`: every process stopped at once; the run continues from its last checkpoint."""
    from rnnkit.io.checkpoint import last_checkpoint

    run_dir = run_to_resume(run_dir)
    checkpoint = last_checkpoint(run_dir) if (run_dir / "checkpoints").is_dir() else None
    if checkpoint is None:
        return TrainingInterrupted(f"training interrupted (Ctrl-C) in its {nproc} processes before its first "
                                   f"checkpoint; nothing to resume in {run_dir}")
    return TrainingInterrupted(f"training interrupted (Ctrl-C) in its {nproc} processes, stopped at once (no new "
                               f"checkpoint under --nproc); the last is {checkpoint}; continue with: "
                               f"{resume_command(run_dir, trust_imports, nproc)}")
