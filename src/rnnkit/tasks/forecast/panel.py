"""`rnnkit train forecast --data F` on a file of several series stacked (`unique_id, ds, y`): one global model
trained across every series (as DeepAR, N-BEATS and Darts' global models are), each series scaled on its own
training period, its drift taken out (`--panel-drift`) and split by time at its own end (`panel_windows`), the
windows pooled into one training set and trained through `fit()` as every task is; then scored on every series'
own test windows beside the per-series baselines and the pooled ridge, the delivered forecast the
validation-chosen blend (`panel_scores`).

What a one-series run chooses on its validation windows (the lookback, `normalize`) a panel run chooses on the
pooled ones; the target transform is the config's (none unless asked: log needs every series positive).
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from rnnkit.atomic import write_json
from rnnkit.data.panel import Panel
from rnnkit.tasks.fit import finish, fit, start
from rnnkit.tasks.forecast.baselines import save_blend
from rnnkit.tasks.forecast.config import ForecastConfig
from rnnkit.tasks.forecast.model import build_model, keep_better_of
from rnnkit.tasks.forecast.panel_report import panel_notes, panel_title, panel_verdict
from rnnkit.tasks.forecast.panel_scores import (compare_panel, panel_baseline_names, panel_metrics, panel_summary,
                                               scaled_mae, series_maes)
from rnnkit.tasks.forecast.panel_windows import (choose_panel_lookback, choose_panel_normalize, long_enough,
                                                panel_calendar, panel_windows, pooled_ridge, save_panel)
from rnnkit.tasks.forecast.train import ERRORS_FILE, epochs_to_train, start_objective
from rnnkit.tasks.report import printer
from rnnkit.tasks.task import Task
from rnnkit.training import distributed as ddp


def run_panel(task: Task, config: ForecastConfig, panel: Panel, run_dir: Path, *, resume: bool = False,
              quiet: bool = False) -> dict[str, Any]:
    """Train one global forecaster across the series of `panel` (read from `config.data`)."""
    say = printer(quiet)
    for note in panel.notes:
        say(f"{panel.source}: {note}")
    config = replace(config, series_col=panel.id_col, time_col=panel.time_col, target_col=panel.target_col,
                     value_cols=None, loss="mae" if config.loss == "auto" else config.loss)
    read = panel.ids
    config, panel, pw, choices = resolve_panel(config, panel, say)
    pooled = pw.as_windows()
    names, left_out = panel_baseline_names(config, panel, pw)
    facts = {"panel": True, "source": panel.source, "id_col": panel.id_col, "time_col": panel.time_col,
             "columns": [panel.target_col], "freq": panel.freq, "lookback": config.lookback,
             "calendar": pooled.calendar, "ids": panel.ids,
             "left_out": [k for k in read if k not in panel.series], "baselines": names,
             "steps": int(sum(len(s) for s in panel.series.values()))}
    start(config, quiet)
    model = build_model(config, pooled.x["train"].shape[-1])
    objective, start_state = start_objective(model, config, lambda: start_from_pooled_ridge(model, pooled),
                                             pooled.y["train"].size, "the pooled ridge", say, choices)
    epochs = epochs_to_train(config, len(pooled.x["train"]), say)
    fitted = fit(task, config, run_dir, model, (pooled.x["train"], pooled.y["train"]), epochs=epochs,
                 valid=(pooled.x["valid"], pooled.y["valid"]), facts=facts, resume=resume, quiet=quiet,
                 summary={"series": panel.source, "panel of": len(panel.series), "freq": panel.freq,
                          "train windows": len(pooled.x["train"])}, **objective)
    if start_state is not None:
        choices.append(prefer_pooled_start(model, start_state, pooled, fitted.trainer.run))
        say(choices[-1])
    found = compare_panel(model, config, panel, pw, names)
    found.notes[:0] = left_out
    found.notes += choices
    maes = series_maes(found)
    summary = panel_summary(maes, found.scale)
    valid = {name: scaled_mae(found, "valid", lambda k, n=name: found.forecasts[k]["valid"][n])
             for name in summary}
    final = {**fitted.final, **panel_metrics(summary, found.weight, len(panel.series))}
    say("test, geometric mean over series of MAE / naive's: " + ", ".join(
        f"{name} {figures['relative']:.4g}" for name, figures in summary.items()))
    if fitted.trainer.run is not None and ddp.is_main():
        run = fitted.trainer.run
        save_panel(run.path, panel, pw)
        write_json(run.file(ERRORS_FILE), maes)
        save_blend(run.path, found.partner, found.weight, 0, {"valid": valid, "test": summary})
    verdict = panel_verdict(summary, found, len(panel.series))
    say(verdict)
    return finish(task, config, fitted, final, quiet=quiet, title=panel_title(task.name, summary, verdict),
                  notes=panel_notes(summary, valid, maes, found, panel))


def start_from_pooled_ridge(model, pooled) -> float:
    """The model's linear skip started at the pooled ridge (`start_from_ridge` of the pooled windows); its α."""
    ridge, alpha, _ = pooled_ridge(pooled, model.ar_lags, model.normalize)
    model.start_linear(ridge.coef_, ridge.intercept_)
    return alpha


def resolve_panel(config: ForecastConfig, panel: Panel, say):
    """(the config with the lookback and `normalize` chosen on the pooled validation windows, the panel without the
    series too short for that lookback, its windows, the lines that say what was chosen)."""
    choices = []
    calendar = panel_calendar(config, panel)
    lookback, tried = choose_panel_lookback(config, panel, calendar)
    if tried:
        choices.append(f"lookback {lookback} (of {', '.join(map(str, tried))}: pooled validation MAE of the ridge on "
                       f"the lags {', '.join(f'{v:.4g}' for v in tried.values())}, scaled units)")
        say(choices[-1])
    config = replace(config, lookback=lookback)
    panel, short = long_enough(config, panel)
    if short:
        choices.append(short)
        say(short)
    pw = panel_windows(config, panel, calendar)
    normalize, tried = choose_panel_normalize(config, pw.as_windows())
    if tried:
        choices.append(f"normalize auto: {normalize} (pooled validation MAE of the ridge on the lags: "
                       + ", ".join(f"{name} {mae:.4g}" for name, mae in tried.items()) + ", scaled units)")
        say(choices[-1])
        config = replace(config, normalize=normalize)
    counts = {split: sum(len(w.at[split]) for w in pw.windows.values()) for split in ("train", "valid", "test")}
    say(f"{len(panel.series)} series of {panel.freq}, {sum(len(s) for s in panel.series.values())} steps in all; "
        f"windows train/valid/test {'/'.join(str(counts[k]) for k in counts)}, pooled over the series")
    return config, panel, pw, choices


def prefer_pooled_start(model, start_state: dict, pooled, run) -> str:
    """`keep_better_of` on the pooled validation windows: the trained network, or its linear start (the pooled
    ridge) where that has the lower validation MAE (then saved as the run's weights)."""
    kept, linear, trained = keep_better_of(model, start_state, pooled)
    if not kept:
        return (f"the trained network's pooled validation MAE {trained:.4g}, its linear start's {linear:.4g} "
                "(scaled units)")
    if run is not None and ddp.is_main():
        run.save_model(model)
    return (f"kept the linear start (the pooled ridge): its pooled validation MAE {linear:.4g} is below the trained "
            f"network's {trained:.4g} (scaled units)")
