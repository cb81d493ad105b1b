"""report.md of a task's run: the trainer's report, the test set's numbers, the task's own notes, and
the command line that trains the same run again; and the per-class section every classifying task adds
(precision, recall, F1 and support per class, the confusion matrix as a table and a picture)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from rnnkit.atomic import write_json
from rnnkit.tasks.config import changed_fields
from rnnkit.training import distributed as ddp
from rnnkit.training.class_report import class_report_markdown, plot_confusion_matrix

CLASS_REPORT, CONFUSION_PLOT = "class_report.json", "confusion.png"


def printer(quiet: bool):
    """print for rank 0 of a loud run, else nothing."""
    return (lambda *a: None) if quiet or not ddp.is_main() else (lambda *a: print(*a, flush=True))


def test_metrics(final: dict[str, float]) -> dict[str, float]:
    """{"acc": ..., "loss": ...} from the final logs' test_* entries."""
    return {k[5:]: v for k, v in final.items() if k.startswith("test_")}


def class_section(run_dir: str | Path | None, report: dict, *, what: str = "test set", what_per: str = "class") -> str:
    """report.md's section for a per-class report (`training.class_report`); rank 0 of a run with a
    folder also writes the report as class_report.json and the confusion matrix as confusion.png."""
    picture = None
    if run_dir is not None and ddp.is_main():
        write_json(Path(run_dir) / CLASS_REPORT, report)
        plot_confusion_matrix(report, Path(run_dir) / CONFUSION_PLOT)
        picture = CONFUSION_PLOT
    return f"\n## Per {what_per} ({what})\n\n" + class_report_markdown(report, picture=picture) + "\n"


def accuracy_rows(table: dict[str, dict[str, float]], names: dict[str, str], weight: float) -> list[str]:
    """report.md's table of accuracies side by side, one column per split `table` has ("valid", "test"): the
    model, the baseline, and the run's blend where it blends anything in (`names` says what each row is)."""
    splits = [k for k in ("valid", "test") if k in table["baseline"]]
    rows = ["| | " + " | ".join(f"{'validation' if k == 'valid' else 'test'} accuracy" for k in splits) + " |",
            "|---" * (len(splits) + 1) + "|"]
    return rows + [f"| {names[key]} | " + " | ".join(f"{table[key][k]:.4f}" for k in splits) + " |"
                   for key in ("model", "baseline", "run") if key != "run" or weight]


def reproduce_command(task: str, config: Any) -> str:
    flags = [f"--{k.replace('_', '-')} {','.join(map(str, v)) if isinstance(v, list) else v}"
             for k, v in changed_fields(config).items()]
    return " ".join([f"rnnkit train {task}", *flags])


def write_report(trainer, task: str, config: Any, final: dict[str, float], *, title: str | None = None,
                 test_notes: list[str] = (), notes: str = "", quiet: bool = False) -> None:
    """Write report.md (rank 0 of a run with a folder) and say where the run folder is."""
    if trainer.run is None or not ddp.is_main():
        return
    text = trainer.report(trainer.final_logs, title=title or f"{task}: training report")
    tested = test_metrics(final)
    if tested:
        lines = [f"- {k}: {v:.4f}" for k, v in tested.items()] + list(test_notes)
        text += "\n## Test set\n\n" + "\n".join(lines) + "\n"
    text += notes
    text += f"\n## Reproduce\n\n`{reproduce_command(task, config)}`\n"
    trainer.run.write_report(text)
    printer(quiet)(f"run folder: {trainer.run.path}")
