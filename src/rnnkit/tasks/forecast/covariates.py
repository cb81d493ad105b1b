"""Which of a file's other columns a forecast reads (`--value-cols auto`, the default for a file).

A user's file often carries columns that do not help the target (other sensors, ids, derived columns), and
the recurrent model reads every column it is given: on a short series the extra inputs over-fit. So before
training, the ridge on the lags (the model's linear start, `forecast.model.ridge_between`) is fitted on the
training windows with the target's lags alone and with the lags of the covariates as well, each at the α of
lowest validation MAE, and the run reads the covariates only where they lower that validation MAE:

    chosen = argmin over S in RULES[rule](columns) of MAE_valid(ridge on the lags of [target] + S)

The rules: "all" (the target alone or with every covariate: the default), "each" (every covariate that alone
lowers the target-only ridge's MAE), "greedy" (forward selection: add the covariate that lowers the MAE most,
until none does). Ties keep fewer columns. Ridges, not network trainings: the choice costs a second or so. How
each rule fared on stretches held out from the choice: benchmarks/TASKS.md, "Issue 25, forecasting, covariates".
"""
from __future__ import annotations

from rnnkit.tasks.forecast.config import ForecastConfig
from rnnkit.tasks.forecast.model import LinearFits

RULES = ("all", "each", "greedy")
AUTO_RULE = "all"
"""The rule --value-cols auto applies (see the module docstring and benchmarks/TASKS.md)."""


def choose_covariates(config: ForecastConfig, fits: LinearFits, rule: str = AUTO_RULE) -> tuple[list[str], dict]:
    """(the covariates of `fits.series` the run reads, {tuple of covariates tried: validation MAE of the ridge on the
    lags of the target and them, scaled units}) at the config's lookback, lags and `normalize` (resolved)."""
    if rule not in RULES:
        raise ValueError(f"covariate rule must be one of {RULES}, got {rule!r}")
    columns = fits.series.columns[1:]
    lags = config.ar_lags or config.lookback

    def score(names) -> float:
        return fits.ridge(config.lookback, lags, config.normalize, tuple(names))[2]

    tried = {(): score(())}
    if rule == "all":
        tried[tuple(columns)] = score(columns)
        chosen = min(tried, key=tried.get)  # the target alone first: it wins a tie
    elif rule == "each":
        tried.update({(name,): score((name,)) for name in columns})
        chosen = tuple(name for name in columns if tried[(name,)] < tried[()])
        if len(chosen) > 1:
            tried[chosen] = score(chosen)
    else:
        chosen = ()
        while len(chosen) < len(columns):
            steps = {(*chosen, name): score((*chosen, name)) for name in columns if name not in chosen}
            tried.update(steps)
            best = min(steps, key=steps.get)
            if steps[best] >= tried[chosen]:
                break
            chosen = best
    return list(chosen), tried


def covariates_note(chosen: list[str], tried: dict, scale: float, units: str = "") -> str:
    """The line a run prints and reports: what was read beside the target, on which validation MAEs (`scale`: the
    target's scaler std, back to its units; `units`: " (of the log target)" where it is forecast in logs)."""
    what = f"the target with {', '.join(chosen)}" if chosen else "the target alone"
    return (f"value columns auto: {what} (validation MAE of the ridge on the lags{units}: "
            + ", ".join(f"{', '.join(names) if names else 'target alone'} {mae * scale:.4g}"
                        for names, mae in tried.items()) + ")")
