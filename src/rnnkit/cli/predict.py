"""`rnnkit predict RUN --input FILE [--output FILE] [TASK OPTIONS]`: a command per run, built like
`rnnkit train TASK`'s, so a task's own predict flags (its `predict_options` config: `--beam 5`,
`--format conll`) are parsed, checked and listed by `rnnkit predict RUN --help`.

Records are printed as they come (a task's predict may stream: memory does not grow with the input);
`--output` writes them too, atomically, row by row, in the format its suffix names (`OUTPUT_FORMATS`)."""
from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any, Iterable

import click

from rnnkit.atomic import atomic_write
from rnnkit.cli import TRUST_HELP
from rnnkit.cli.options import config_options
from rnnkit.errors import UserError
from rnnkit.tasks.registry import read_run
from rnnkit.tasks.task import Run
from rnnkit.tasks.config import make_config

USAGE = """Usage: rnnkit predict RUN --input FILE [--output FILE] [TASK OPTIONS]

  Predict with a trained run folder: one JSON line per input on stdout (some tasks print other formats).
  `rnnkit predict RUN --help` lists the options of RUN's task."""

# --output's suffix names its format; a name without one is CSV, as --output wrote before it read suffixes
OUTPUT_FORMATS = {".csv": "csv", "": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl",
                  ".txt": "text"}


def predict_command(run: Run) -> click.Command:
    task = run.task
    options = config_options(task.predict_options) if task.predict_options is not None else []

    def callback(input_: str, output: Path | None, trust_imports: bool, **values: Any) -> None:
        # trust_imports was read before the run was (run_predict): the folder is loaded by now
        if output is not None:
            output_format(output)  # before the run predicts: a wrong name should not cost the predictions
        settings = None
        if task.predict_options is not None:
            settings = make_config(task.predict_options, {k: v for k, v in values.items() if v is not None},
                                   strings=True)
        write_records(task.predict(run, input_, settings), output)

    return click.Command(str(run.path), callback=callback, context_settings={"max_content_width": 110},
                         help=f"Predict with a {task.name} run.", params=[
        click.Option(["--input", "-i", "input_"], required=not task.own_input,
                     help="input file, or - for stdin" + (" (default: the run's own data)" if task.own_input else "")),
        click.Option(["--output", "-o"], type=click.Path(path_type=Path),
                     help="also write the predictions to this file: .csv, .tsv, .jsonl (a JSON line each) or .txt "
                          "(the lines printed)"),
        click.Option(["--trust-imports"], is_flag=True, help=TRUST_HELP),
        *options])


def write_records(records: Iterable[dict | str], output: Path | None) -> None:
    """Print each record as it comes (a dict as a JSON line, a string as it is), and with `output` also
    write them, in the format of its suffix, to a temp file renamed onto `output` at the end."""
    if output is None:
        for record in records:
            click.echo(render(record))
        return
    kind = output_format(output)

    def write(tmp: str) -> None:
        with open(tmp, "w", newline="", encoding="utf-8") as f:
            writer = None
            for record in records:
                line = render(record)
                click.echo(line)
                if kind in ("jsonl", "text"):
                    f.write(line + "\n")
                    continue
                if not isinstance(record, dict):
                    raise UserError(f"--output {output}: this task's predictions are not table rows; "
                                    "name a .txt or .jsonl file, or redirect stdout")
                if writer is None:
                    writer = csv.DictWriter(f, fieldnames=list(record), extrasaction="ignore",
                                            delimiter="\t" if kind == "tsv" else ",")
                    writer.writeheader()
                writer.writerow({k: cell(v) for k, v in record.items()})

    atomic_write(output, write)


def output_format(output: Path) -> str:
    """--output's format from its suffix; a suffix it cannot write is a user mistake, caught before predicting."""
    kind = OUTPUT_FORMATS.get(output.suffix.lower())
    if kind is None:
        raise UserError(f"--output {output}: cannot write {output.suffix!r} files; expected a name ending "
                        f"in {', '.join(s for s in OUTPUT_FORMATS if s)} (or no suffix: CSV)")
    return kind


def cell(value: Any) -> Any:
    """A table cell: a list or dict (tag's tokens, tags, entities) as JSON, which a reader can parse back; csv
    wrote Python's repr (`['a', "it's"]`), which no JSON or CSV tool reads."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else value


def render(record: dict | str) -> str:
    return record if isinstance(record, str) else json.dumps(record, ensure_ascii=False)


def run_predict(args: list[str]) -> int:
    """Parse `args` (RUN first) for RUN's task and predict; returns the exit code."""
    if not args or args[0] in ("--help", "-h"):
        click.echo(USAGE)
        return 0 if args else 2
    run = read_run(args[0], trust_imports="--trust-imports" in args[1:])  # before the command exists
    if run.task.predict is None:
        if run.task.name == "lm":  # a language model continues a text rather than labelling inputs
            raise UserError(f"{args[0]}: a language model predicts by generating text: "
                            f"rnnkit generate {args[0]} --prompt TEXT")
        raise UserError(f"task {run.task.name!r} has no predict function")
    code = predict_command(run).main(args[1:], prog_name=f"rnnkit predict {args[0]}", standalone_mode=False)
    return code if isinstance(code, int) else 0
