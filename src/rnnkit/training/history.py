"""Training history (Keras' `History.history`) and its plot, article 003's accuracy and loss curves.

`history.png` has one panel per quantity (loss, then each metric), with the training curve as dots
and the validation curve as a line, as the article's `plt.plot(epochs, acc, 'bo')` figures. The
validation line has small markers too, so a one-epoch run still shows its validation point, and the
epoch axis has whole-number ticks only.
The figure is drawn with the Agg canvas directly, so no global matplotlib backend is changed.
"""
from __future__ import annotations

import io
from pathlib import Path

from rnnkit.atomic import write_bytes


class History:
    """`history[name]` is the list of per-epoch values ('loss', 'acc', 'val_loss', 'val_acc', ...)."""

    def __init__(self, history: dict[str, list[float]] | None = None, epoch: list[int] | None = None):
        self.history: dict[str, list[float]] = history or {}
        self.epoch: list[int] = epoch or []

    def append(self, epoch: int, logs: dict[str, float]) -> None:
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(float(value))

    def state_dict(self):
        return {"history": self.history, "epoch": self.epoch}

    def __repr__(self) -> str:
        return f"History(epochs={len(self.epoch)}, keys={sorted(self.history)})"

    def figure(self):
        """The history's matplotlib `Figure` (on an Agg canvas); `plot` saves it."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator

        names = [k for k in self.history if not k.startswith("val_") and k != "lr"]
        names += [k[4:] for k in self.history if k.startswith("val_") and k[4:] not in names]
        fig = Figure(figsize=(5 * max(1, len(names)), 4))
        FigureCanvasAgg(fig)
        epochs = [e + 1 for e in self.epoch]
        for i, name in enumerate(names or ["loss"]):
            ax = fig.add_subplot(1, max(1, len(names)), i + 1)
            if name in self.history:
                ax.plot(epochs, self.history[name], "bo", label=f"Training {name}")
            if f"val_{name}" in self.history:
                ax.plot(epochs, self.history[f"val_{name}"], "b", marker="s", markersize=4,
                        label=f"Validation {name}")
            ax.set_title(f"Training and validation {name}")
            ax.set_xlabel("epoch")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
            if epochs:
                ax.set_xlim(min(epochs) - 0.5, max(epochs) + 0.5)  # one epoch: not a 0.95..1.05 axis
            ax.legend()
        fig.tight_layout()
        return fig

    def plot(self, path: str | Path) -> Path:
        """Write `figure()` as a PNG to `path` (atomically)."""
        buf = io.BytesIO()
        self.figure().savefig(buf, format="png", dpi=80)
        return write_bytes(path, buf.getvalue())
