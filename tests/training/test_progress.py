"""Progress output: one line per epoch off a terminal (a log file), step lines only when asked for,
nothing when quiet, a live bar on a terminal."""
import io

from rnnkit.training import Trainer, seed_everything
from rnnkit.training.progress import Progress
from testkit.tiny_models import TinyLSTMClassifier, first_token_task


class Terminal(io.StringIO):
    def isatty(self):
        return True


def run(progress):
    progress.start_epoch(0, 20)
    for step in range(1, 21):
        progress.update(step, 8, {"loss": 1.0 / step})
    progress.end_epoch({"loss": 0.05, "acc": 0.9})


def test_one_line_per_epoch_when_not_a_terminal():
    out = io.StringIO()
    run(Progress(epochs=2, stream=out))
    assert out.getvalue().splitlines() == [out.getvalue().strip()]
    assert out.getvalue().startswith("epoch 1/2 done in") and "loss=0.05 acc=0.9" in out.getvalue()


def test_step_lines_off_a_terminal_only_with_log_every():
    out = io.StringIO()
    run(Progress(epochs=2, log_every=5, stream=out))
    lines = out.getvalue().splitlines()
    assert len(lines) == 4  # steps 5, 10, 15 (20 is the epoch's end), then the epoch line
    assert lines[0].startswith("epoch 1/2 step 5/20 loss=0.2") and "samples/s" in lines[0]
    assert lines[-1].startswith("epoch 1/2 done in")


def test_a_trainer_run_into_a_log_prints_one_line_per_epoch(capsys):
    seed_everything(0)
    x, y = first_token_task(96)
    Trainer(TinyLSTMClassifier(), metrics=["acc"]).fit((x, y), epochs=3, batch_size=8, validation_split=0.25)
    lines = capsys.readouterr().out.splitlines()  # capsys' stdout is not a terminal: as a log file or a pipe
    assert len(lines) == 3, lines  # 9 steps an epoch, yet one line each
    for k, line in enumerate(lines, start=1):
        assert line.startswith(f"epoch {k}/3 done in ")
        assert all(f" {key}=" in line for key in ("loss", "acc", "val_loss", "val_acc", "lr")), line


def test_quiet_prints_nothing_and_terminal_gets_a_bar():
    out = io.StringIO()
    run(Progress(epochs=1, quiet=True, stream=out))
    assert out.getvalue() == ""
    terminal = Terminal()
    progress = Progress(epochs=1, stream=terminal)
    assert progress.live
    run(progress)
    assert "20/20" in terminal.getvalue() and "samples/s" in terminal.getvalue()
    assert "epoch 1/1 done in" in terminal.getvalue()
