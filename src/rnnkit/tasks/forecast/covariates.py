"""Which of a file's other columns a forecast reads under `--value-cols auto` (an option; the default reads them all).

A user's file often carries columns that do not help the target (other sensors, ids, derived columns, levels that
drift out of the training range), and the recurrent model reads every column it is given. So before training, the
ridge on the lags (the model's linear start, `forecast.model.ridge_between`) is fitted on the training windows with
the target's lags alone and with the lags of the covariates as well, each at the α of lowest validation MAE, and
the run reads the covariates only where they lower that MAE by a margin the validation windows can vouch for:

    read the covariates  iff  mean_i(d_i) >= SURE * sd(d) / sqrt(N / horizon),
    d_i = |error of the target-alone ridge| - |error of the ridge with the covariates| on validation window i

(the "sure" rule: a paired comparison over the N validation windows, counting one window per horizon since
overlapping windows share their targets). The other rules, measured and not the default: "all" (the covariates
wherever their ridge's validation MAE is lower at all), "each" (every covariate that alone lowers it), "greedy"
(forward selection). Ties keep fewer columns. Ridges, not network trainings: the choice costs a second or so.

Measured on real files with covariates (benchmarks/TASKS.md, "Issue 25, forecasting, covariates"): on stretches
held out from the choice "sure" led reading every column, but its bar was set after seeing them, and on the full
series' test periods, which chose nothing, reading every column did better in every file. So `--value-cols all`
stays the default and `auto` is an option.
"""
from __future__ import annotations

import numpy as np

from rnnkit.tasks.forecast.config import ForecastConfig
from rnnkit.tasks.forecast.model import LinearFits, lag_features

RULES = ("all", "sure", "each", "greedy")
SURE = 2.0
"""The "sure" rule's bar: the covariates' gain over the validation windows in standard errors."""
AUTO_RULE = "sure"
"""The rule --value-cols auto applies (see the module docstring and benchmarks/TASKS.md)."""


def choose_covariates(config: ForecastConfig, fits: LinearFits, rule: str = AUTO_RULE):
    """(the covariates of `fits.series` the run reads, {tuple of covariates tried: validation MAE of the ridge on the
    lags of the target and them, scaled units}, the "sure" rule's gain in standard errors (None where not taken)) at
    the config's lookback, lags and `normalize` (resolved)."""
    if rule not in RULES:
        raise ValueError(f"covariate rule must be one of {RULES}, got {rule!r}")
    columns = fits.series.columns[1:]
    lags = config.ar_lags or config.lookback

    def score(names) -> float:
        return fits.ridge(config.lookback, lags, config.normalize, tuple(names))[2]

    tried, gain = {(): score(())}, None
    if rule in ("all", "sure"):
        tried[tuple(columns)] = score(columns)
        chosen = min(tried, key=tried.get)  # the target alone first: it wins a tie
        if rule == "sure" and chosen:
            gain = gain_in_errors(config, fits, chosen)
            chosen = chosen if gain >= SURE else ()
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
    return list(chosen), tried, gain


def gain_in_errors(config: ForecastConfig, fits: LinearFits, columns: tuple[str, ...]) -> float:
    """How many standard errors the ridge on the lags of the target and `columns` lowers the target alone's absolute
    error over the validation windows: the mean of the paired differences over their standard error, counting one
    window in `horizon` (overlapping windows share their targets)."""
    windows, lags = fits.windows(config.lookback), config.ar_lags or config.lookback
    errors = []
    for names in ((), columns):
        ridge = fits.ridge(config.lookback, lags, config.normalize, names)[0]
        z, mu, sigma = lag_features(windows.x["valid"], lags, config.normalize,
                                    tuple(fits.series.columns.index(c) for c in names))
        forecast = mu.numpy() + sigma.numpy() * ridge.predict(z).reshape(windows.y["valid"].shape)  # (N, horizon)
        errors.append(np.abs(forecast - windows.y["valid"]).mean(1))  # (N,)
    gain = errors[0] - errors[1]
    spread = gain.std(ddof=1) / np.sqrt(max(1.0, len(gain) / config.horizon))
    return float(gain.mean() / spread) if spread > 0 else 0.0


def covariates_note(chosen: list[str], tried: dict, gain: float | None, scale: float, units: str = "") -> str:
    """The line a run prints and reports: what was read beside the target, on which validation MAEs (`scale`: the
    target's scaler std, back to its units; `units`: " (of the log target)" where it is forecast in logs)."""
    what = f"the target with {', '.join(chosen)}" if chosen else "the target alone"
    sure = "" if gain is None else f"; {gain:.1f} standard errors of the paired window errors, {SURE:g} asked"
    return (f"value columns auto: {what} (validation MAE of the ridge on the lags{units}: "
            + ", ".join(f"{'with ' + ', '.join(names) if names else 'target alone'} {mae * scale:.4g}"
                        for names, mae in tried.items()) + f"{sure})")
