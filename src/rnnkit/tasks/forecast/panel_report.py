"""A panel run's report: the first line says plainly when the model loses; then per forecaster its scaled test
figures and on how many series it wins, and per series its test MAE."""
from __future__ import annotations

from rnnkit.data.panel import Panel
from rnnkit.tasks.forecast.baselines import BLEND_FILE

SUMMARY_MEASURE = "geometric mean over series of test MAE / naive's"


def _label(name: str, found) -> str:
    return f"run's prediction (model + {found.weight:g} x {found.partner})" if name == "run" else name


def _lost(summary: dict) -> list[str]:
    model = summary["model"]["relative"]
    return [n for n in summary if n not in ("model", "run") and model >= summary[n]["relative"]]


def panel_verdict(summary: dict, found, series: int) -> str:
    """Which won on the test windows of the `series` series, by the geometric mean of MAE relative to naive's."""
    model = summary["model"]["relative"]
    baselines = [n for n in summary if n not in ("model", "run")]
    best = min(baselines, key=lambda n: summary[n]["relative"])
    delivered = (f" The run delivers the model blended with {found.partner} (weight {found.weight:g}, chosen on the "
                 f"pooled validation windows): {summary['run']['relative']:.4g}."
                 if "run" in summary else "")
    lost = _lost(summary)
    if not lost:
        return (f"The model alone beats every baseline over the {series} series ({SUMMARY_MEASURE}): {model:.4g}, "
                f"against {best}'s {summary[best]['relative']:.4g}.{delivered}")
    shown = ", ".join(f"{n} ({summary[n]['relative']:.4g})" for n in lost)
    return (f"The model alone does NOT beat {shown} over the {series} series ({SUMMARY_MEASURE}: the model's "
            f"{model:.4g}).{delivered}")


def panel_title(task: str, summary: dict, verdict: str) -> str:
    lost = _lost(summary)
    head = (f"{task} (panel): the model alone does NOT beat {', '.join(lost)} on test" if lost
            else f"{task} (panel): training report")
    return f"{head}\n\n**{verdict}**"


def panel_notes(summary: dict, valid: dict, maes: dict, found, panel: Panel) -> str:
    rows = ["| forecast | validation MAE / scale | test: MAE / naive's (geometric mean) | test: mean MASE | "
            "lowest test MAE on (series) |", "|---|---|---|---|---|"]
    for name, figures in summary.items():
        best = "" if name == "run" else str(figures["best"])
        rows.append(f"| {_label(name, found)} | {valid[name]:.4g} | {figures['relative']:.4g} | "
                    f"{figures['mase']:.4g} | {best} |")
    choice = (f"The run's prediction: the model blended with the best baseline on the pooled validation windows, "
              f"{found.partner}, at weight {found.weight:g} (one weight for the panel, each series in its units); "
              f"`predict` and `evaluate` deliver the same blend ({BLEND_FILE})." if found.weight else
              f"The run's prediction is the model's alone: blending it with the best baseline on the pooled "
              f"validation windows, {found.partner}, lowered no validation MAE.")
    names = [n for n in maes if n != "run"]
    per = [f"| {panel.id_col} | steps | model | best baseline | run |", "|---|---|---|---|---|"]
    for key, series in panel.series.items():
        best = min((n for n in names if n != "model"), key=lambda n: maes[n][key])
        run = maes.get("run", maes["model"])[key]
        per.append(f"| {key} | {len(series)} | {maes['model'][key]:.4g} | {best} {maes[best][key]:.4g} | {run:.4g} |")
    return (f"\n## Test period: model and baselines over {len(panel.series)} series ({panel.target_col})\n\n"
            "Each series is scored on its own test windows; its MAE is divided by naive's on the same windows "
            "(below 1: better than naive) and by its scale, the mean absolute one-step change over its training "
            "period (MASE).\n\n" + "\n".join(rows) + "\n\n" + choice + "\n\n"
            + "\n".join(f"- {n}" for n in found.notes)
            + "\n\n## Test MAE per series\n\n" + "\n".join(per) + "\n")
