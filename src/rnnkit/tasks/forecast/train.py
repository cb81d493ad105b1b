"""Training a forecaster: series -> windows -> model -> fit on the training period, keep the best
epoch on the validation period, then score model and baselines (`baselines`) on the same validation and
test windows and deliver the validation-chosen blend of the model and the best baseline. The report's
first line says so when the model alone loses to a baseline on test."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

import numpy as np

from rnnkit.atomic import atomic_write, write_json
from rnnkit.data.panel import Panel
from rnnkit.models.forecaster import pinball_loss
from rnnkit.tasks.forecast.config import COVARIATE_WORDS, ForecastConfig
from rnnkit.tasks.forecast.covariates import choose_covariates, covariates_note
from rnnkit.tasks.forecast.data import (keep_columns, load_series_or_panel, lookback_seasons, save_series,
                                        series_facts)
from rnnkit.tasks.forecast.model import (FEW_NORMALIZE_WINDOWS, LinearFits, build_model, choose_lookback,
                                         choose_normalize, keep_better_of, ridge_lag_candidates,
                                         ridge_penalty_optimizer, start_from_ridge)
from rnnkit.tasks.forecast.baselines import BLEND_FILE, save_blend
from rnnkit.tasks.forecast.predict import compare, scores, summary_metrics
from rnnkit.tasks.fit import finish, fit, start
from rnnkit.tasks.report import printer
from rnnkit.tasks.task import Task
from rnnkit.training import distributed as ddp
from rnnkit.training.losses import named_loss

PLOT_FILE, ERRORS_FILE = "forecast.png", "test_errors.json"
DEFAULT_EPOCHS = 30
WINDOWS_BUDGET = 300_000
"""Training windows a default run reads (epochs x windows): well above what the catalog's series read in their 30
epochs (Taylor's half hours, the longest, read under 100,000), so only a long series of minutes or seconds trains
fewer epochs, each of many optimizer steps."""


def run(task: Task, config: ForecastConfig, run_dir: Path, *, resume: bool = False, quiet: bool = False) -> dict[str, Any]:
    """Train a recurrent forecaster on a named series or your own file."""
    say = printer(quiet)
    series = load_series_or_panel(config)
    if isinstance(series, Panel):
        from rnnkit.tasks.forecast.panel import run_panel  # it builds on this module's helpers

        return run_panel(task, config, series, run_dir, resume=resume, quiet=quiet)
    config = replace(config, loss="mse") if config.loss == "auto" else config
    for note in series.notes:
        say(f"{series.source}: {note}")
    if config.data is not None:  # the columns the reader found (config.json keeps them for evaluate --data)
        config = replace(config, time_col=series.time_col, target_col=series.columns[0])
    config, windows, fits, choices = resolve_windows(config, series, say)
    series = fits.series  # the columns kept
    facts = {**series_facts(config, series, windows),
             "ridge_lags": ridge_lag_candidates(config, len(series), lookback_seasons(config, series))}
    start(config, quiet)
    model = build_model(config, windows.x["train"].shape[-1])
    objective, start_state = start_objective(model, config, lambda: start_from_ridge(model, windows, fits),
                                             windows.y["train"].size, "ridge", say, choices)
    epochs = epochs_to_train(config, len(windows.x["train"]), say)
    fitted = fit(task, config, run_dir, model, (windows.x["train"], windows.y["train"]), epochs=epochs,
                 valid=(windows.x["valid"], windows.y["valid"]), facts=facts, resume=resume, quiet=quiet,
                 summary={"series": series.source, "steps": len(series), "freq": series.freq,
                          "train windows": len(windows.at["train"])}, **objective)
    if start_state is not None:
        choices.append(prefer_start(model, start_state, windows, fitted.trainer.run))
        say(choices[-1])
    found = compare(model, series, windows, config.lookback, config.horizon, facts["season"],
                    naive_seasons=tuple(facts["naive_seasons"]), refit=config.refit_baselines,
                    ridge_lags=tuple(facts["ridge_lags"]))
    found.notes += choices
    table = scores(found.actual["test"], found.forecasts["test"])
    valid_mae = {name: float(np.mean(np.abs(found.actual["valid"] - f))) for name, f in found.forecasts["valid"].items()}
    final = {**fitted.final, **summary_metrics(table, found.weight)}
    say("test MAE (mean over the horizon): " + ", ".join(
        f"{label(name, found)} {np.mean(errors['mae']):.4g}" for name, errors in table.items()))
    if fitted.trainer.run is not None and ddp.is_main():
        save_outputs(fitted.trainer.run, config, series, windows, found, table, valid_mae, facts["season"])
    verdict = beats(table, found)
    say(verdict)
    return finish(task, config, fitted, final, quiet=quiet, title=verdict_title(task.name, table, found),
                  notes=report_notes(table, valid_mae, found, series.columns[0], config.horizon))


def start_objective(model, config: ForecastConfig, start_linear: Callable[[], float], train_targets: int, what: str,
                    say, choices: list[str]) -> tuple[dict[str, Any], dict | None]:
    """(the trainer's loss and optimizer options, the model's linear start to compare the trained model with, or
    None): quantile forecasts train under the pinball loss, with no metric (mae of (B, h, Q) outputs means
    nothing); the linear skip is started by `start_linear` (at `what`; it returns the ridge's α) and trained under
    that ridge's penalty, which `choices` notes."""
    objective = dict(loss=named_loss("pinball", pinball_loss(config.quantiles)), metrics=[]) if config.quantiles else {}
    if not config.linear_start or model.ar is None:
        return objective, None
    alpha = start_linear()
    say(f"linear skip started at {what} (alpha {alpha:.3g})")
    start_state = {k: v.clone() for k, v in model.state_dict().items()} if not config.quantiles else None
    penalised = ridge_penalty_optimizer(model, config, alpha, train_targets) \
        if config.linear_penalty and not config.quantiles else None
    if penalised is not None:
        objective["optimizer"] = penalised
        choices.append(f"the linear skip trains under its ridge start's penalty (alpha {alpha:.3g})")
    return objective, start_state


def epochs_to_train(config: ForecastConfig, windows: int, say=None) -> int:
    """The epochs asked for; by default DEFAULT_EPOCHS, cut so that training reads at most WINDOWS_BUDGET windows
    (`say` tells so)."""
    if config.epochs is not None:
        return config.epochs
    epochs = max(1, min(DEFAULT_EPOCHS, WINDOWS_BUDGET // max(1, windows)))
    if say is not None and epochs != DEFAULT_EPOCHS:
        say(f"{epochs} epochs, not {DEFAULT_EPOCHS}: {windows:,} training windows, and a default run reads at most "
            f"{WINDOWS_BUDGET:,} (--epochs trains more)")
    return epochs


def resolve_windows(config: ForecastConfig, series, say) -> tuple[ForecastConfig, Any, LinearFits, list[str]]:
    """The config with what "auto" left open chosen on the validation windows (a file's lookback, then `normalize`,
    then, under `--value-cols auto`, the columns read beside the target; config.json keeps the choices and the list of
    columns read, so resume and evaluate see them), the windows, the ridges fitted to choose (the model's linear start
    is one of them; `fits.series` is the series with the columns kept), and the lines that say what was chosen."""
    choices = []
    fits = LinearFits(config, series)
    if config.lookback is None:  # a file's: chosen on the validation windows
        lookback, tried = choose_lookback(config, fits, lookback_seasons(config, series))
        config = replace(config, lookback=lookback)
        choices.append(f"lookback {lookback} (of {', '.join(map(str, tried))}: validation MAE of the ridge on the "
                       f"lags {', '.join(f'{v:.4g}' for v in tried.values())}, scaled units)" if tried else
                       f"lookback {lookback} (the only candidate that leaves two training windows per lag)")
        say(choices[-1])
    scaler = fits.windows(config.lookback).scaler
    normalize, tried = choose_normalize(config, fits)
    if tried:
        choices.append(normalize_note(normalize, tried, scaler, len(fits.windows(config.lookback).at["valid"])))
        say(choices[-1])
        config = replace(config, normalize=normalize)
    if config.value_cols == "auto" and config.data is not None and len(series.columns) > 1:
        chosen, tried, gain = choose_covariates(config, fits)
        choices.append(covariates_note(chosen, tried, gain, scaler.std[0], in_logs(scaler)))
        say(choices[-1])
        if len(chosen) < len(series.columns) - 1:
            series = keep_columns(series, chosen)
    config = replace(config, value_cols=series.columns[1:] or None) if config.value_cols in COVARIATE_WORDS else config
    fits = fits.keeping(config, series) if series is not fits.series else fits
    windows = fits.windows(config.lookback)
    say(f"{len(series)} steps of {series.freq}; windows train/valid/test "
        f"{'/'.join(str(len(windows.at[k])) for k in ('train', 'valid', 'test'))}; inputs {series.columns}"
        f"{' + calendar ' + ','.join(windows.calendar) if windows.calendar else ''}")
    return config, windows, fits, choices


def save_outputs(run, config: ForecastConfig, series, windows, found, table: dict, valid_mae: dict, season: int) -> None:
    """The run folder's scaler, series, test errors, blend and forecast picture."""
    windows.scaler.save(run.path)
    save_series(run.path, series)
    write_json(run.file(ERRORS_FILE), table)
    save_blend(run.path, found.partner, found.weight, season,
               {"valid": valid_mae, "test": {n: float(np.mean(e["mae"])) for n, e in table.items()}})
    plot_forecasts(run.file(PLOT_FILE), series, windows.at["test"], found.actual["test"], found.forecasts["test"],
                   config.horizon)


def prefer_start(model, start_state: dict, windows, run) -> str:
    """The model the run delivers: the trained one, or its linear start (the ridge on the lags) where that has
    the lower validation MAE (`keep_better_of`; then saved as the run's weights, which evaluate and predict
    load); the line that says which."""
    kept, linear, trained = keep_better_of(model, start_state, windows)
    scale, units = windows.scaler.std[0], in_logs(windows.scaler)
    if not kept:
        return (f"the trained network's validation MAE{units} {trained * scale:.4g}, its linear start's "
                f"{linear * scale:.4g}")
    if run is not None and ddp.is_main():
        run.save_model(model)
    return (f"kept the linear start (the ridge on the lags): its validation MAE{units} {linear * scale:.4g} is below the "
            f"trained network's {trained * scale:.4g}, so training added nothing the validation windows confirm")


def normalize_note(chosen: str, tried: dict[str, float], scaler, windows: int) -> str:
    few = (f"{windows} validation windows are fewer than {FEW_NORMALIZE_WINDOWS}, too few to choose on; "
           if windows < FEW_NORMALIZE_WINDOWS else "")
    return (f"normalize auto: {chosen} ({few}validation MAE of the ridge on the lags{in_logs(scaler)}: "
            + ", ".join(f"{name} {mae * scaler.std[0]:.4g}" for name, mae in tried.items()) + ")")


def in_logs(scaler) -> str:
    """What a validation MAE taken on the scaled windows measures when the target is forecast in logs."""
    return " (of the log target)" if scaler.target_transform == "log" else ""


def label(name: str, found) -> str:
    return f"run's prediction (model + {found.weight:g} x {found.partner})" if name == "run" else name


def _mae(table: dict, name: str) -> float:
    return float(np.mean(table[name]["mae"]))


def beats(table: dict, found) -> str:
    """Which won on the test windows, plainly: the model alone against every baseline, and what the run
    delivers."""
    model = _mae(table, "model")
    baselines = [n for n in table if n not in ("model", "run")]
    best = min(baselines, key=lambda n: _mae(table, n))
    lost = [f"{name} ({_mae(table, name):.4g})" for name in baselines if model >= _mae(table, name)]
    delivered = (f" The run delivers the model blended with {found.partner} (weight {found.weight:g}, chosen on the "
                 f"validation windows): test MAE {_mae(table, 'run'):.4g}"
                 + (", worse than the model alone on test." if _mae(table, "run") > model else ".")
                 if "run" in table else "")
    if not lost:
        return (f"The model alone beats every baseline on the test windows: MAE {model:.4g}, "
                f"{100 * (1 - model / _mae(table, best)):.1f}% below the best, {best} ({_mae(table, best):.4g}).{delivered}")
    loud = "The model does NOT beat the naive forecast. " if model >= _mae(table, "naive") else ""
    return f"{loud}The model alone does NOT beat {', '.join(lost)} on the test windows (its MAE {model:.4g}).{delivered}"


def verdict_title(task: str, table: dict, found) -> str:
    """report.md's first line: says so when the model alone loses to a baseline on test."""
    model = _mae(table, "model")
    lost = [n for n in table if n not in ("model", "run") and model >= _mae(table, n)]
    head = f"{task}: the model alone does NOT beat {', '.join(lost)} on test" if lost else f"{task}: training report"
    return f"{head}\n\n**{beats(table, found)}**"


def report_notes(table: dict, valid_mae: dict, found, target: str, horizon: int) -> str:
    steps = sorted({1, max(1, horizon // 2), horizon})
    head = ("| forecast | validation MAE | test MAE mean | " + " | ".join(f"MAE t+{s}" for s in steps)
            + " | RMSE mean | MAPE % mean |")
    rows = [head, "|" + "---|" * (len(steps) + 5)]
    for name, e in table.items():
        rows.append(f"| {label(name, found)} | {valid_mae[name]:.4g} | {np.mean(e['mae']):.4g} | "
                    + " | ".join(f"{e['mae'][s - 1]:.4g}" for s in steps)
                    + f" | {np.mean(e['rmse']):.4g} | {np.mean(e['mape']):.3g} |")
    choice = (f"The run's prediction: the model blended with the best baseline on the validation windows, "
              f"{found.partner}, at weight {found.weight:g} (the weight of lowest validation MAE in 0, 0.05, ..., 1); "
              f"`predict` and `evaluate` deliver the same blend ({BLEND_FILE})." if found.weight else
              f"The run's prediction is the model's alone: blending it with the best baseline on the validation "
              f"windows, {found.partner}, lowered no validation MAE.")
    return (f"\n## Test period: model and baselines ({target}, every step of the horizon in {ERRORS_FILE})\n\n"
            + "\n".join(rows) + "\n\n" + choice + "\n\n" + "\n".join(f"- {n}" for n in found.notes)
            + f"\n\n![forecast against the actual series]({PLOT_FILE})\n")


def plot_forecasts(path: Path, series, at: np.ndarray, actual: np.ndarray, forecasts: dict, horizon: int) -> None:
    """The test period's actual target against the model's, the run's and every baseline's forecasts one
    step ahead, and `horizon` steps ahead when that is more than one."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = [0] if horizon == 1 else [0, horizon - 1]
    fig, axes = plt.subplots(len(steps), 1, figsize=(11, 3.2 * len(steps)), squeeze=False)
    styles = {"model": dict(color="tab:red", lw=1.2), "run": dict(color="tab:purple", lw=1.2),
              "naive": dict(color="tab:gray", lw=0.7, ls="--"), "seasonal naive": dict(color="tab:olive", lw=0.7, ls="--"),
              "ridge": dict(color="tab:blue", lw=0.7, ls=":"), "AutoETS": dict(color="tab:green", lw=0.7, ls="-."),
              "AutoARIMA": dict(color="tab:orange", lw=0.7, ls="-.")}
    for ax, h in zip(axes[:, 0], steps):
        when = series.times[at + h]
        ax.plot(when, actual[:, h], color="black", lw=1.4, label="actual")
        for name, forecast in forecasts.items():
            ax.plot(when, forecast[:, h], label="run's prediction (blend)" if name == "run" else name,
                    **styles.get(name, dict(lw=0.7)))
        ax.set_title(f"{series.columns[0]}: forecast {h + 1} step{'s' if h else ''} ahead, test period")
        ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=90))
    plt.close(fig)
