"""A classifier's per-class report: precision, recall, F1 and support of each class, their macro and
weighted averages, accuracy and the confusion matrix, as one JSON-serialisable dict; its markdown table
(report.md), its plain-text table (`rnnkit evaluate`) and the confusion matrix as a picture.

The numbers are scikit-learn's (`precision_recall_fscore_support`, `confusion_matrix`, zero_division=0)
over the classes present in the true or the predicted ids, scikit-learn's default labels: a class that
is neither has no score and is listed under "absent". The confusion matrix's rows are the true classes,
its columns the predicted ones. Targets equal to -100 (padding, as in `metrics`) are left out.
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from rnnkit.atomic import write_bytes
from rnnkit.training.metrics import IGNORE_INDEX

MATRIX_TABLE_MAX = 10  # classes up to which the tables also show the confusion matrix as numbers
PLOT_TOP = 30  # the picture draws the most frequent classes (true support) up to this many


def _ids(values: Any, what: str) -> np.ndarray:
    ids = np.asarray(values.detach().cpu() if hasattr(values, "detach") else values).reshape(-1)
    if ids.size and not np.issubdtype(ids.dtype, np.integer):
        if not np.all(np.mod(ids, 1) == 0):
            raise ValueError(f"{what} must be class indices (whole numbers); got {ids[np.mod(ids, 1) != 0][0]!r}")
        ids = ids.astype(np.int64)
    return ids


def class_report(y_true: Any, y_pred: Any, class_names: Sequence[str] | None = None, *,
                 num_classes: int | None = None) -> dict[str, Any]:
    """Per-class scores of predicted class indices `y_pred` against `y_true` (lists, arrays or tensors).

    `class_names[i]` names class i (default: "0", "1", ...); `num_classes` (default: len(class_names),
    else the largest index + 1) bounds the indices. Returns {"classes": [{"index", "name", "precision",
    "recall", "f1", "support"}, ...], "macro": {...}, "weighted": {...}, "accuracy", "samples",
    "labels": names of the matrix's rows and columns, "confusion_matrix": rows true, columns predicted,
    "absent": names of the classes neither true nor predicted}."""
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    true, pred = _ids(y_true, "y_true"), _ids(y_pred, "y_pred")
    if true.shape != pred.shape:
        raise ValueError(f"y_true has {true.size} values and y_pred {pred.size}; expected as many")
    keep = true != IGNORE_INDEX
    true, pred = true[keep], pred[keep]
    if true.size == 0:
        raise ValueError("no samples to report on (y_true is empty or all -100)")
    if num_classes is None:
        num_classes = len(class_names) if class_names is not None else int(max(true.max(), pred.max())) + 1
    if class_names is not None and len(class_names) != num_classes:
        raise ValueError(f"{len(class_names)} class names for {num_classes} classes; expected one name per class")
    for what, ids in (("y_true", true), ("y_pred", pred)):
        bad = ids[(ids < 0) | (ids >= num_classes)]
        if bad.size:
            raise ValueError(f"{what} holds class index {int(bad[0])}; expected 0..{num_classes - 1}")
    names = [str(n) for n in class_names] if class_names is not None else [str(i) for i in range(num_classes)]
    labels = np.union1d(true, pred)  # scikit-learn's default labels: the classes present, in index order
    p, r, f, s = precision_recall_fscore_support(true, pred, labels=labels, zero_division=0)
    classes = [{"index": int(i), "name": names[i], "precision": float(p[k]), "recall": float(r[k]),
                "f1": float(f[k]), "support": int(s[k])} for k, i in enumerate(labels)]
    averages = {}
    for average in ("macro", "weighted"):
        ap, ar, af, _ = precision_recall_fscore_support(true, pred, labels=labels, average=average, zero_division=0)
        averages[average] = {"precision": float(ap), "recall": float(ar), "f1": float(af), "support": int(true.size)}
    return {"classes": classes, **averages, "accuracy": float(np.mean(true == pred)), "samples": int(true.size),
            "labels": [names[i] for i in labels],
            "confusion_matrix": confusion_matrix(true, pred, labels=labels).tolist(),
            "absent": [names[i] for i in np.setdiff1d(np.arange(num_classes), labels)]}


def _score_rows(report: dict[str, Any], max_rows: int | None) -> tuple[list[list[str]], int]:
    """Table rows (name, precision, recall, F1, support) of the classes, most frequent first, then the
    averages; and how many classes were left out past `max_rows`."""
    classes = sorted(report["classes"], key=lambda c: (-c["support"], c["index"]))
    shown = classes if max_rows is None else classes[:max_rows]
    rows = [[c["name"], f"{c['precision']:.4f}", f"{c['recall']:.4f}", f"{c['f1']:.4f}", str(c["support"])]
            for c in shown]
    for average in ("macro", "weighted"):
        a = report[average]
        rows.append([f"{average} avg", f"{a['precision']:.4f}", f"{a['recall']:.4f}", f"{a['f1']:.4f}",
                     str(a["support"])])
    return rows, len(classes) - len(shown)


def _summary(report: dict[str, Any], left_out: int) -> list[str]:
    def classes(n: int) -> str:
        return f"{n} class is" if n == 1 else f"{n} classes are"

    absent = report["absent"]
    lines = [f"accuracy: {report['accuracy']:.4f} on {report['samples']} samples"]
    if left_out:
        lines.append(f"{classes(left_out)} less frequent and not listed")
    if absent:
        lines.append(f"{classes(len(absent))} neither true nor predicted: {', '.join(absent[:10])}"
                     f"{' ...' if len(absent) > 10 else ''}")
    return lines


def _matrix_rows(report: dict[str, Any]) -> list[list[str]]:
    return [[name, *map(str, row)] for name, row in zip(report["labels"], report["confusion_matrix"])]


def class_report_markdown(report: dict[str, Any], *, max_rows: int | None = 50, picture: str | None = None) -> str:
    """report.md's section: the per-class table, accuracy, the confusion matrix as a table (up to
    MATRIX_TABLE_MAX classes) and, given its file name relative to report.md, the matrix's `picture`."""
    rows, left_out = _score_rows(report, max_rows)
    lines = ["| class | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    lines += [""] + [f"- {line}" for line in _summary(report, left_out)]
    if len(report["labels"]) <= MATRIX_TABLE_MAX:
        lines += ["", "Confusion matrix (rows: true class, columns: predicted class):", "",
                  "| true \\ predicted | " + " | ".join(report["labels"]) + " |",
                  "|---" * (len(report["labels"]) + 1) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in _matrix_rows(report)]
    if picture is not None:
        lines += ["", f"![confusion matrix]({picture})"]
    return "\n".join(lines) + "\n"


def _aligned(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
            .rstrip() for row in rows]


def class_report_text(report: dict[str, Any], *, max_rows: int | None = 20) -> str:
    """A short plain-text table for a terminal: the per-class scores (the `max_rows` most frequent
    classes), the averages, accuracy, and the confusion matrix up to MATRIX_TABLE_MAX classes."""
    rows, left_out = _score_rows(report, max_rows)
    lines = _aligned([["class", "precision", "recall", "f1", "support"], *rows]) + _summary(report, left_out)
    if len(report["labels"]) <= MATRIX_TABLE_MAX:
        lines += ["confusion matrix (rows: true, columns: predicted):"]
        lines += _aligned([["", *report["labels"]], *_matrix_rows(report)])
    return "\n".join(lines)


def confusion_figure(report: dict[str, Any], *, top: int = PLOT_TOP):
    """The confusion matrix as a matplotlib `Figure` (Agg canvas): each row divided by its true class's
    count, so a cell is the share of that class's samples predicted as the column's class; with more
    than `top` classes only the `top` most frequent true classes are drawn, and the title says so."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    matrix = np.asarray(report["confusion_matrix"], dtype=np.int64).reshape(len(report["labels"]), -1)
    keep = np.sort(np.argsort(-matrix.sum(1), kind="stable")[:top])  # the most frequent, in class order
    counts = matrix[np.ix_(keep, keep)]
    share = counts / np.maximum(matrix[keep].sum(1, keepdims=True), 1)  # of all the true class's samples
    names = [report["labels"][i] for i in keep]
    n, total = len(keep), len(report["labels"])
    side = min(16.0, max(4.5, 0.38 * n + 2.5))
    fig = Figure(figsize=(side + 1.2, side))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    image = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    small = n <= 15
    ax.set_xticks(range(n), names, rotation=0 if n <= 6 else 90, fontsize=10 if small else 8)
    ax.set_yticks(range(n), names, fontsize=10 if small else 8)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    counted = n <= 2 * MATRIX_TABLE_MAX  # the counts in the cells while they stay legible
    if counted:
        for i in range(n):
            for j in range(n):
                ax.text(j, i, str(counts[i, j]), ha="center", va="center", fontsize=8 if small else 6,
                        color="white" if share[i, j] > 0.5 else "black")
    which = f"the {n} most frequent of {total} classes" if n < total else f"{n} classes"
    key = "colour: share of the true class's samples" + ("; numbers: counts" if counted else "")
    ax.set_title(f"Confusion matrix, {which}\n({key})")
    fig.colorbar(image, ax=ax, fraction=0.046)
    fig.tight_layout()
    return fig


def plot_confusion_matrix(report: dict[str, Any], path: str | Path, *, top: int = PLOT_TOP) -> Path:
    """Write `confusion_figure(report, top=top)` as a PNG at `path` (atomically)."""
    buf = io.BytesIO()
    confusion_figure(report, top=top).savefig(buf, format="png", dpi=90)
    return write_bytes(path, buf.getvalue())


def model_class_report(model, data: tuple, names, *, batch_size: int = 256, from_logits: bool = True) -> dict:
    """The per-class report of how `model` classifies `data` ((x, y) or (x, lengths, y)): all of it, in
    this process (under DDP too)."""
    import torch

    from rnnkit.training.metrics import class_predictions
    from rnnkit.training.outputs import predict

    device = next(model.parameters()).device
    outputs = predict(model, data, batch_size=batch_size, device=device)
    pred, true = class_predictions(outputs, torch.as_tensor(np.asarray(data[-1])), from_logits)
    return class_report(true.numpy(), pred.numpy(), [str(n) for n in names])
