"""PNG pictures of a trace (matplotlib, drawn off-screen): a heatmap of one quantity (units down, tokens
across, the tokens as labels), the units that follow a feature, and each token's contribution shown
over the text. Gates in [0, 1] share one colour scale; states and candidates a scale centred on 0."""
from __future__ import annotations

import io
from pathlib import Path
from typing import Sequence

import numpy as np

from ..atomic import write_bytes

GATE_WORDS = ("gate",)
"""Quantities whose name holds one of these are in [0, 1] (sigmoid gates); the rest are centred on 0."""


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(min(width, 60.0), min(height, 40.0)))
    FigureCanvasAgg(fig)
    return fig


def _save(fig, path: Path) -> Path:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80, bbox_inches="tight")
    return write_bytes(path, buf.getvalue())


def _scale(name: str, values: np.ndarray) -> dict:
    if any(word in name for word in GATE_WORDS) and np.nanmin(values, initial=0) >= 0 and np.nanmax(values, initial=0) <= 1:
        return {"cmap": "viridis", "vmin": 0.0, "vmax": 1.0}
    bound = float(np.nanmax(np.abs(values), initial=0.0)) or 1.0
    return {"cmap": "RdBu_r", "vmin": -bound, "vmax": bound}


def heatmap(path: Path, name: str, values: np.ndarray, labels: Sequence[str]) -> Path:
    """values (T, units): one row per unit, one column per token, labelled with the tokens."""
    T, units = values.shape
    fig = _figure(2.0 + 0.22 * T, 1.2 + 0.16 * units)
    ax = fig.add_subplot(1, 1, 1)
    image = ax.imshow(values.T, aspect="auto", interpolation="nearest", **_scale(name, values))
    ax.set_xticks(range(T), [str(t) for t in labels], rotation=90, fontsize=8)
    ax.set_ylabel("unit")
    ax.set_title(name, fontsize=10)
    fig.colorbar(image, ax=ax, fraction=0.03, pad=0.01)
    return _save(fig, path)


def unit_rows(path: Path, feature_name: str, feature: np.ndarray, rows: list[tuple[str, np.ndarray]],
              labels: Sequence[str]) -> Path:
    """The feature, then each (label, (T,) activation) row: the units that follow it, over the tokens."""
    T = len(feature)
    fig = _figure(2.5 + 0.22 * T, 0.8 + 0.35 * (len(rows) + 1))
    axes = fig.subplots(len(rows) + 1, 1, sharex=True, squeeze=False)[:, 0]
    for ax, (label, row) in zip(axes, [(f"feature: {feature_name}", feature), *rows]):
        ax.imshow(np.asarray(row, dtype=float)[None, :], aspect="auto", interpolation="nearest",
                  **(_scale(label, row) if ax is not axes[0] else {"cmap": "Greys"}))
        ax.set_yticks([0], [label], fontsize=7)
    axes[-1].set_xticks(range(T), [str(t) for t in labels], rotation=90, fontsize=8)
    return _save(fig, path)


def text_contributions(path: Path, tokens: Sequence[str], scores: np.ndarray, title: str, width: int = 70) -> Path:
    """The text itself, each token on a background from blue (against the prediction) to red (for it)."""
    from matplotlib import colormaps

    bound = float(np.abs(scores).max(initial=0.0)) or 1.0
    lines, line, used = [], [], 0
    for token, score in zip(tokens, scores):
        if line and used + len(token) > width:
            lines.append(line)
            line, used = [], 0
        line.append((token, used, score))
        used += len(token) + 1
    lines.append(line)
    fig = _figure(0.11 * width + 0.6, 0.6 + 0.28 * len(lines))
    ax = fig.add_subplot(1, 1, 1)
    ax.set_xlim(0, width + 1)
    ax.set_ylim(len(lines), -0.8)
    ax.axis("off")
    ax.set_title(title, fontsize=10, loc="left")
    cmap = colormaps["RdBu_r"]
    for row, items in enumerate(lines):
        for token, x, score in items:
            ax.text(x, row + 0.5, token, family="monospace", fontsize=10, va="center",
                    color="white" if abs(score) > 0.6 * bound else "black", bbox={"facecolor": cmap(0.5 + 0.5 * score / bound), "edgecolor": "none", "pad": 1.5})
    return _save(fig, path)
