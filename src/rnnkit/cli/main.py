"""The `rnnkit` command: train, evaluate, predict, summary, datasets; each a thin call of a library function.

    rnnkit train config.json --set epochs=3        rnnkit train sentiment --dataset chinese-reviews
    rnnkit evaluate runs/arrays-...                rnnkit predict runs/arrays-... --input x.npy
    rnnkit summary config.json | RUN_DIR          rnnkit datasets list
    rnnkit generate RUN --prompt "the" --length 200 --temperature 0.8
    rnnkit export RUN --format onnx -o model.onnx

`rnnkit train TASK` is a command generated from the task's config class (`rnnkit.cli.train`). A user
mistake (`UserError`, a missing file, a bad option) prints one line on stderr and exits with code 2,
without a traceback; a misspelt command or option names the closest ones (`rnnkit.cli.usage`).

Building the command tree imports neither torch nor scikit-learn nor the tasks: each command imports what
it needs when it runs, so `rnnkit --help`, `--version` and shell completion start at once. Every help
page is click's plain layout (typer's boxed panels are off), as `rnnkit train TASK --help`'s is.
"""
from __future__ import annotations

import errno
import json
import os
import sys
from pathlib import Path
from typing import Optional

import click
import typer

from rnnkit.cli import TRUST_HELP
from rnnkit.cli.datasets import app as datasets_app
from rnnkit.cli.export import export
from rnnkit.cli.keras_import import command as import_keras_command
from rnnkit.cli.inspect import inspect as inspect_command
from rnnkit.cli.usage import GROUP, Command, usage_line
from rnnkit.errors import UserError

app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False, **GROUP)
app.add_typer(datasets_app, name="datasets")
PASS_ON = {"allow_extra_args": True, "ignore_unknown_options": True}
"""`train` and `predict` pass their arguments on to the command they build for the task (`rnnkit.cli.train`)."""


def show_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"rnnkit {version('rnnkit')}")
        raise typer.Exit()


@app.callback()
def root(version: bool = typer.Option(False, "--version", callback=show_version, is_eager=True,
                                      help="Show the version and exit.")) -> None:
    """rnnkit: recurrent neural networks, from textbook equations to trained run folders."""


@app.command(cls=Command, context_settings=PASS_ON, add_help_option=False)
def train(ctx: typer.Context,
          target: Optional[str] = typer.Argument(None, metavar="TARGET", help="a task name, a config file (.json/.yaml "
                                                 "naming its task) or a run folder")) -> None:
    """Train a task from its name, a config file or a run folder. `rnnkit train TASK --help` lists its
    options (every config field)."""
    from rnnkit.cli.train import run_train

    code = run_train(target, list(ctx.args))
    if code:
        raise typer.Exit(code)


@app.command(cls=Command)
def evaluate(run_dir: Path = typer.Argument(..., metavar="RUN", help="a run folder written by `rnnkit train`"),
             data: Optional[str] = typer.Option(None, "--data", metavar="FILE",
                                                help="data to evaluate on (default: the run's test set)"),
             backtest: Optional[int] = typer.Option(None, "--backtest", metavar="N",
                                                    help="forecast runs: a rolling-origin backtest, N forecasts of the "
                                                         "horizon ending at the series' last step, beside the baselines"),
             series: Optional[str] = typer.Option(None, "--series", metavar="ID",
                                                  help="forecast panel runs: only this series' scores"),
             as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
             trust_imports: bool = typer.Option(False, "--trust-imports", help=TRUST_HELP)) -> None:
    """Evaluate a trained run on its test data or on --data."""
    import inspect

    from rnnkit.tasks import read_run

    run = read_run(run_dir, trust_imports=trust_imports)
    if run.task.evaluate is None:
        raise UserError(f"task {run.task.name!r} has no evaluate function")
    asked = {flag: value for flag, value in (("backtest", backtest), ("series", series)) if value is not None}
    for flag in asked:
        if flag not in inspect.signature(run.task.evaluate).parameters:
            raise UserError(f"--{flag}: task {run.task.name!r} has no {flag}; it is for forecast runs")
    metrics = run.task.evaluate(run, data, **asked)
    if as_json:
        typer.echo(json.dumps(metrics))
        return
    classes = metrics.pop("classes", None)  # a classifier's per-class report (training.class_report)
    for key, value in metrics.items():
        typer.echo(f"{key}: {value:.4f}" if isinstance(value, float) else f"{key}: {value}")
    if classes is not None:
        from rnnkit.training.class_report import class_report_text

        typer.echo("\n" + class_report_text(classes))


@app.command(cls=Command, context_settings=PASS_ON, add_help_option=False)
def predict(ctx: typer.Context) -> None:
    """Predict with a trained run. `rnnkit predict RUN --input FILE`; `rnnkit predict RUN --help` lists its
    options."""
    from rnnkit.cli.predict import run_predict

    code = run_predict(list(ctx.args))
    if code:
        raise typer.Exit(code)


@app.command(cls=Command)
def generate(run_dir: Path = typer.Argument(..., metavar="RUN", help="a language-model run folder (rnnkit train lm)"),
             prompt: str = typer.Option("", "--prompt", metavar="TEXT", help="text to continue (default: a new line)"),
             length: int = typer.Option(200, "--length", metavar="INT",
                                        help="tokens (words or characters) to generate"),
             temperature: float = typer.Option(1.0, "--temperature", metavar="FLOAT",
                                               help="0: the likeliest token; < 1 surer, > 1 wilder"),
             top_k: Optional[int] = typer.Option(None, "--top-k", metavar="INT",
                                                 help="draw from the K likeliest tokens only"),
             top_p: Optional[float] = typer.Option(None, "--top-p", metavar="FLOAT",
                                                   help="draw from the likeliest tokens holding probability P"),
             seed: Optional[int] = typer.Option(None, "--seed", metavar="INT",
                                                help="the same seed gives the same text")) -> None:
    """Generate text from a trained language model. Streamed to stdout as it is sampled."""
    from rnnkit import generate as generate_text

    for piece in generate_text(run_dir, prompt, length, temperature=temperature, top_k=top_k, top_p=top_p, seed=seed):
        sys.stdout.write(piece)
        sys.stdout.flush()
    sys.stdout.write("\n")


@app.command(cls=Command)
def summary(target: str = typer.Argument(..., metavar="TARGET", help="a config file or a run folder"),
            trust_imports: bool = typer.Option(False, "--trust-imports", help=TRUST_HELP)) -> None:
    """Show a model's layers and parameter counts. A run folder's final metrics too."""
    from rnnkit.tasks.summary import summarize

    typer.echo(summarize(target, trust_imports=trust_imports))


app.command(cls=Command, name="import-keras")(import_keras_command)
app.command(cls=Command)(export)


@app.command(cls=Command)
def bench(shapes: list[str] = typer.Option(None, "--shape", metavar="NAME",
                                           help="shape name (repeatable); default all"),
          variants: list[str] = typer.Option(None, "--variant", metavar="NAME",
                                             help="cell variant (repeatable); default all"),
          repeats: int = typer.Option(5, "--repeats", min=1, metavar="INT",
                                      help="timed repeats per path (the median is reported)"),
          threads: int = typer.Option(None, "--threads", metavar="INT", help="torch threads (default: torch's)"),
          out: Path = typer.Option(None, "--out", metavar="FILE",
                                   help="also write the markdown table to this file")) -> None:
    """Time every engine path side by side. rnnkit's auto, fused and compiled runners, torch's native one and a
    naive loop."""
    from rnnkit.benchmarking import SHAPES, VARIANTS, markdown, run_benchmarks
    from rnnkit.atomic import write_text

    for flag, names, known in (("--shape", shapes, SHAPES), ("--variant", variants, VARIANTS)):
        for name in names or ():
            if name not in known:
                raise UserError(f"{flag} {name!r} is unknown; expected one of {', '.join(known)}")
    table, facts = run_benchmarks(shapes or None, variants or None, repeats, threads, log=typer.echo)
    text = markdown(table, facts, "rnnkit bench " + " ".join(sys.argv[2:]))
    typer.echo(text)
    if out is not None:
        write_text(out, text + "\n")


app.command(cls=Command, name="inspect")(inspect_command)


@app.command(cls=Command)
def tasks() -> None:
    """List the tasks `rnnkit train` knows."""
    from rnnkit.tasks import TASKS

    for name, task in TASKS.items():
        typer.echo(f"{name}: {task.description}")


def main(argv: list[str] | None = None) -> None:
    code = run_command(argv)
    if os.environ.get("WORLD_SIZE", "1") != "1":  # a rank under torchrun: leave its process group cleanly
        from rnnkit.training.distributed import leave_group

        leave_group(code)
    sys.exit(code)


def run_command(argv: list[str] | None) -> int:
    """The command's exit code; a user mistake prints one line on stderr and gives 2."""
    try:
        code = app(args=argv, prog_name="rnnkit", standalone_mode=False)
    except UserError as err:
        print(f"error: {err}", file=sys.stderr)
        return getattr(err, "exit_code", 2)  # 2, or 130 for a training stopped by Ctrl-C
    except FileNotFoundError as err:
        print(f"error: {err.filename or err}: file not found", file=sys.stderr)
        return 2
    except OSError as err:  # the OS refused: a read-only folder, a file where a folder should be, a full disk
        print(f"error: {os_reason(err)}", file=sys.stderr)
        return 2
    except (click.ClickException, typer.TyperException) as err:  # usage errors of the task commands (click)
        if type(err).__name__ == "NoArgsIsHelpError":                # and of typer's (it carries its own click)
            err.show()  # `rnnkit` or `rnnkit datasets` alone: the help, on stderr as click does
        else:
            print(f"error: {usage_line(err)}", file=sys.stderr)
        return err.exit_code
    except (typer.Abort, click.exceptions.Abort):  # click's commands (train TASK, predict RUN) turn a Ctrl-C
        print("interrupted", file=sys.stderr)           # outside training's step loop into an Abort
        return 130
    except KeyboardInterrupt:  # a second Ctrl-C, or one outside training's step loop (training.interrupt)
        print("interrupted", file=sys.stderr)
        return 130
    except _spawn_exit() as err:  # a DDP worker already printed its error
        return err.exit_code if err.exit_code > 0 else 1
    return code if isinstance(code, int) else 0


def os_reason(err: OSError) -> str:
    """'PATH: the OS's reason' for an OSError, with what it means for a file in the way of a folder."""
    reason = err.strerror or str(err)
    if err.errno in (errno.EEXIST, errno.ENOTDIR):
        reason += " (a file is where a folder is needed)"
    return f"{err.filename}: {reason}" if err.filename else reason


def _spawn_exit():
    from torch.multiprocessing import ProcessExitedException

    return ProcessExitedException


if __name__ == "__main__":
    main()
