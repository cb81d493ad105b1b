"""Progress output: plain lines off a terminal, nothing when quiet, a live bar on a terminal."""
import io

from rnnkit.training.progress import Progress


class Terminal(io.StringIO):
    def isatty(self):
        return True


def run(progress):
    progress.start_epoch(0, 20)
    for step in range(1, 21):
        progress.update(step, 8, {"loss": 1.0 / step})
    progress.end_epoch({"loss": 0.05, "acc": 0.9})


def test_plain_lines_when_not_a_terminal():
    out = io.StringIO()
    run(Progress(epochs=2, stream=out))
    lines = out.getvalue().splitlines()
    assert len(lines) == 10  # every 2 steps (about ten a epoch) and the epoch line
    assert lines[0].startswith("epoch 1/2 step 2/20 loss=0.5") and "samples/s" in lines[0]
    assert lines[-1].startswith("epoch 1/2 done in") and "acc=0.9" in lines[-1]


def test_quiet_prints_nothing_and_terminal_gets_a_bar():
    out = io.StringIO()
    run(Progress(epochs=1, quiet=True, stream=out))
    assert out.getvalue() == ""
    terminal = Terminal()
    progress = Progress(epochs=1, stream=terminal)
    assert progress.live
    run(progress)
    assert "20/20" in terminal.getvalue() and "samples/s" in terminal.getvalue()
