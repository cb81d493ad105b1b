"""`rnnkit train` that kills itself with SIGKILL at a chosen point, for the crash-safety tests:

    python -m testkit.kill_run POINT N -- ARGS...      (ARGS: what follows `rnnkit` on a command line)

POINT is where the N-th (1-based) such event of this process dies:
    step   inside an optimizer step: after backward, before the update (a global optimizer pre-hook)
    write  inside a file write: the temp file half written, before its rename (every `rnnkit.atomic`
           write: checkpoint files, last.json, model.safetensors, metrics.jsonl, report.md ...)
    test   inside the test pass, after the training (the first test-scoring call)
    sigint a Ctrl-C (SIGINT to itself) inside the N-th optimizer step; the process is left to end itself

A process that reaches its end without dying exits 3, so a test knows its point was never reached.
"""
import os
import signal
import sys

import torch


def die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def every_nth(n: int, action):
    count = [0]

    def hook(*args, **kwargs):
        count[0] += 1
        if count[0] == n:
            action()

    return hook


def install(point: str, n: int) -> None:
    if point in ("step", "sigint"):
        action = die if point == "step" else (lambda: os.kill(os.getpid(), signal.SIGINT))
        from torch.optim.optimizer import register_optimizer_step_pre_hook

        register_optimizer_step_pre_hook(every_nth(n, action))
    elif point == "write":
        import rnnkit.atomic as atomic
        import rnnkit.io.checkpoint as checkpoint

        real = atomic.atomic_write
        count = [0]

        def half_written(path, write):
            count[0] += 1
            if count[0] != n:
                return real(path, write)

            def write_half(tmp):
                write(tmp)
                size = os.path.getsize(tmp)
                with open(tmp, "rb+") as f:
                    f.truncate(size // 2)
                die()

            return real(path, write_half)

        atomic.atomic_write = checkpoint.atomic_write = half_written
    elif point == "test":
        from rnnkit.training import Trainer

        evaluate = Trainer.evaluate

        def killing_evaluate(self, data, *, batch_size=None, prefix=""):
            if prefix == "test_":
                die()
            return evaluate(self, data, batch_size=batch_size, prefix=prefix)

        Trainer.evaluate = killing_evaluate
        try:  # the text tasks score their test set with their own predict_proba
            import rnnkit.tasks.text.train as text_train

            text_train.predict_proba = lambda *a, **k: die()
        except ImportError:
            pass
    else:
        raise SystemExit(f"unknown kill point {point!r}")


if __name__ == "__main__":
    point, n, dash, *args = sys.argv[1:]
    assert dash == "--", "usage: python -m testkit.kill_run POINT N -- ARGS..."
    torch.set_num_threads(1)
    install(point, int(n))
    from rnnkit.cli.main import run_command

    code = run_command(args)
    sys.exit(code if point == "sigint" else 3)
