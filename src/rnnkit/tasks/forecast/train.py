"""Training a forecaster: series -> windows -> model -> fit on the training period, keep the best
epoch on the validation period, then score model and baselines on the same test windows. The report
opens with a plain sentence when the model does not beat the naive forecast."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from rnnkit.atomic import atomic_write, write_json
from rnnkit.models.forecaster import pinball_loss
from rnnkit.tasks.forecast.config import ForecastConfig
from rnnkit.tasks.forecast.data import load_series, series_facts, series_windows
from rnnkit.tasks.forecast.model import build_model, start_from_ridge
from rnnkit.tasks.forecast.predict import scores, summary_metrics, test_forecasts
from rnnkit.tasks.fit import finish, fit, start
from rnnkit.tasks.report import printer
from rnnkit.tasks.task import Task
from rnnkit.training import distributed as ddp
from rnnkit.training.losses import named_loss

PLOT_FILE, ERRORS_FILE = "forecast.png", "test_errors.json"


def run(task: Task, config: ForecastConfig, run_dir: Path, *, resume: bool = False, quiet: bool = False) -> dict[str, Any]:
    """Train a recurrent forecaster on a named series or your own file."""
    say = printer(quiet)
    series = load_series(config)
    for note in series.notes:
        say(f"{series.source}: {note}")
    windows = series_windows(config, series)
    facts = series_facts(config, series, windows)
    say(f"{len(series)} steps of {series.freq}; windows train/valid/test "
        f"{'/'.join(str(len(windows.at[k])) for k in ('train', 'valid', 'test'))}; inputs {series.columns}"
        f"{' + calendar ' + ','.join(windows.calendar) if windows.calendar else ''}")
    start(config, quiet)
    model = build_model(config, windows.x["train"].shape[-1])
    if config.linear_start and model.ar is not None:
        say(f"linear skip started at ridge (alpha {start_from_ridge(model, windows):.3g})")
    # quantile forecasts: the pinball loss, and no metric (mae of (B, h, Q) outputs means nothing)
    objective = dict(loss=named_loss("pinball", pinball_loss(config.quantiles)), metrics=[]) if config.quantiles else {}
    fitted = fit(task, config, run_dir, model, (windows.x["train"], windows.y["train"]),
                 valid=(windows.x["valid"], windows.y["valid"]), facts=facts, resume=resume, quiet=quiet,
                 summary={"series": series.source, "steps": len(series), "freq": series.freq,
                          "train windows": len(windows.at["train"])}, **objective)
    actual, forecasts, notes = test_forecasts(model, series, windows, config.steps_in, config.horizon, facts["season"])
    table = scores(actual, forecasts)
    final = {**fitted.final, **summary_metrics(table)}
    say("test MAE (mean over the horizon): " + ", ".join(
        f"{name} {np.mean(errors['mae']):.4g}" for name, errors in table.items()))
    run = fitted.trainer.run
    if run is not None and ddp.is_main():
        windows.scaler.save(run.path)
        write_json(run.file(ERRORS_FILE), table)
        plot_forecasts(run.file(PLOT_FILE), series, windows.at["test"], actual, forecasts, config.horizon)
    verdict = beats(table)
    if verdict:
        say(verdict)
    return finish(task, config, fitted, final, quiet=quiet,
                  title=f"{task.name}: training report" + (f"\n\n**{verdict}**" if verdict else ""),
                  notes=report_notes(table, notes, series.columns[0], config.horizon))


def beats(table: dict) -> str:
    """A plain sentence when the model's test MAE (mean over the horizon) is not below every baseline's."""
    model = np.mean(table["model"]["mae"])
    lost = [f"{name} ({np.mean(e['mae']):.4g})" for name, e in table.items() if name != "model"
            and model >= np.mean(e["mae"])]
    if not lost:
        return ""
    loud = "The model does NOT beat the naive forecast. " if model >= np.mean(table["naive"]["mae"]) else ""
    return f"{loud}Its test MAE {model:.4g} is not below: {', '.join(lost)}."


def report_notes(table: dict, notes: list[str], target: str, horizon: int) -> str:
    steps = sorted({1, max(1, horizon // 2), horizon})
    head = "| forecast | MAE mean | " + " | ".join(f"MAE t+{s}" for s in steps) + " | RMSE mean | MAPE % mean |"
    rows = [head, "|" + "---|" * (len(steps) + 4)]
    for name, e in table.items():
        rows.append(f"| {name} | {np.mean(e['mae']):.4g} | " + " | ".join(f"{e['mae'][s - 1]:.4g}" for s in steps)
                    + f" | {np.mean(e['rmse']):.4g} | {np.mean(e['mape']):.3g} |")
    return (f"\n## Test period: model and baselines ({target}, every step of the horizon in {ERRORS_FILE})\n\n"
            + "\n".join(rows) + "\n\n" + "\n".join(f"- {n}" for n in notes)
            + f"\n\n![forecast against the actual series]({PLOT_FILE})\n")


def plot_forecasts(path: Path, series, at: np.ndarray, actual: np.ndarray, forecasts: dict, horizon: int) -> None:
    """The test period's actual target against the model's (and naive's) forecasts one step ahead,
    and `horizon` steps ahead when that is more than one."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = [0] if horizon == 1 else [0, horizon - 1]
    fig, axes = plt.subplots(len(steps), 1, figsize=(11, 3.2 * len(steps)), squeeze=False)
    for ax, h in zip(axes[:, 0], steps):
        when = series.times[at + h]
        ax.plot(when, actual[:, h], color="black", lw=1.2, label="actual")
        ax.plot(when, forecasts["model"][:, h], color="tab:red", lw=1, label="model")
        ax.plot(when, forecasts["naive"][:, h], color="tab:gray", lw=0.8, ls="--", label="naive")
        ax.set_title(f"{series.columns[0]}: forecast {h + 1} step{'s' if h else ''} ahead, test period")
        ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=90))
    plt.close(fig)
