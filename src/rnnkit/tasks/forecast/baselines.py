"""The forecast run's baselines and blend: naive, seasonal naive (the season from the series' frequency or
--season), ridge on the lags, statsforecast's AutoETS and AutoARIMA, all scored on the same validation and
test windows as the model; then the delivered forecast

    ŷ_run = (1 - w) ŷ_model + w ŷ_best,   w in {0, 0.05, ..., 1}

with ŷ_best the baseline of lowest validation MAE and w the weight of lowest validation MAE (ties: the
smaller w, so w = 0 unless the baseline helps). On fewer than FEW_WINDOWS validation windows (airline 12
months ahead has 10) one lucky stretch would choose the partner, so it is the baseline of lowest mean MAE over
the validation windows and EARLIER_BLOCKS stretches of the same length before them (`earlier_blocks`: a
rolling-origin backtest of the baselines, each refitted before its stretch), and on fewer than FEW_RIDGE_WINDOWS
ridge is no partner: its lags and α were chosen on those same windows. The test windows choose nothing.
`blend.json` in the run folder keeps the partner, w and the scores, so evaluate and predict deliver the same blend.

Every baseline is fitted on the training period (ridge's lags and α, the seasonal naive's season and the blend
chosen on the validation windows: ridge's lags among the model's lookback and the shorter ones a file's run
compares, as a user would tune them). With `--refit-baselines` they are fitted again on the training and
validation periods together for the test windows (`FittedBaselines.refit`), as a statsforecast or Darts user refits before
forecasting the future: ridge at its chosen α, AutoETS and AutoARIMA choosing their form again on the longer
history; the validation forecasts, and so the blend's choice, do not change. A baseline that cannot be fitted
(too short a series, a statsforecast failure) is left out with a note: it never stops a run.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from rnnkit.atomic import write_json
from rnnkit.data.windows import origins
from rnnkit.errors import UserError
from rnnkit.models.baselines import fit_ridge_at, fit_ridge_on_lags, naive, ridge_forecast, seasonal_naive, step_targets
from rnnkit.models.blend import best_weight, blend, pulled_weight
from rnnkit.models.statistical import ARIMA_HISTORY, MAX_SEASON, STATISTICAL, StatisticalBaseline

BASELINES = ("naive", "seasonal naive", "ridge", *STATISTICAL)
BLEND_FILE = "blend.json"
FEW_WINDOWS = 20
"""Fewer validation windows than this and the blend's partner is chosen over `earlier_blocks` as well."""
EARLIER_BLOCKS = 2
FEW_RIDGE_WINDOWS = 8
"""Fewer validation windows than this and ridge is not offered as the blend's partner: its lags and α were chosen
on these windows (and on each earlier stretch), so its MAE there is half a training score, and on a handful of
windows it wins the place by that alone (a 30-month file's 4 validation windows chose ridge, and the blend doubled
naive's test MAE). On M1's yearly series and short cuts of monthly and quarterly ones, leaving it out lowered the
test MAE on both halves of them (benchmarks/TASKS.md, "Short series: ridge is no partner on few validation windows")."""
PRIOR_WINDOWS = 5
"""The blend weight is pulled toward 0.5 as if this many more windows had said 0.5 (`pulled_weight`): on M1's
106 yearly series it lowered the test MAE on both halves of them (benchmarks/TASKS.md, "M1 yearly")."""
ROLL_BUDGET = 180.0
"""Seconds a statistical baseline may take to forecast every validation and test window; one that would
take longer (a long series with a long season) is left out with a note saying so."""


@dataclass
class FittedBaselines:
    """The baselines fitted on one series' training period (and ridge's α on its validation period)."""

    ridge_lags: int
    """the ridge's lags: of those it was offered, the ones of lowest validation MAE"""
    horizon: int
    season: int
    naive_season: int = 0
    """the seasonal naive's season: of the seasons it was offered, the one of lowest validation MAE"""
    ridge: object = None
    ridge_alpha: float | None = None
    statistical: dict[str, StatisticalBaseline] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    """name -> what it is (or why it was left out)"""

    @property
    def names(self) -> list[str]:
        return [n for n in BASELINES if n in self.notes and n not in self.left_out]

    @property
    def left_out(self) -> set[str]:
        return {n for n, note in self.notes.items() if note.startswith("left out")}

    def forecast(self, name: str, target: np.ndarray, at: np.ndarray, offset: int = 0) -> np.ndarray:
        """(N, horizon) forecasts of baseline `name` from the origins `at` of `target`; `offset`: the
        steps between the fitted series' first step and target[0] (for ETS' seasonal phase)."""
        if name == "naive":
            return naive(target, at, self.horizon)
        if name == "seasonal naive":
            return seasonal_naive(target, at, self.horizon, self.naive_season)
        if name == "ridge":
            return ridge_forecast(self.ridge, target, at, self.ridge_lags, self.horizon)
        return self.statistical[name].forecast(target, at, self.horizon, offset)

    def forecast_or_naive(self, name: str, target: np.ndarray, at: np.ndarray, offset: int = 0) -> np.ndarray:
        """`forecast`, naive's where `name` could not be fitted on this series (a panel's series that a baseline
        does not fit)."""
        return self.forecast(name if name in self.names else "naive", target, at, offset)

    def refit(self, target: np.ndarray, end: int) -> "FittedBaselines":
        """The same baselines fitted again on target[:end] (the training and validation periods, before the
        test one): ridge on every window whose targets end before `end`, at the α chosen on validation; the
        seasonal naive at the season chosen there; AutoETS and AutoARIMA fitted anew (their form chosen again
        by statsforecast on the longer history). A statistical one that fails to refit keeps its training
        fit, and its note says so."""
        y = np.asarray(target, dtype=np.float64)
        out = replace(self, statistical=dict(self.statistical), notes=dict(self.notes))
        if self.ridge is not None:
            out.ridge = fit_ridge_at(y, origins(0, end, self.ridge_lags, self.horizon), self.ridge_lags, self.horizon,
                                     self.ridge_alpha)
            out.notes["ridge"] += "; refitted on the training and validation windows for the test period"
        for name in self.statistical:
            try:
                out.statistical[name] = StatisticalBaseline(name, self.season).fit(y[:end])
            except Exception as err:  # noqa: BLE001 - the training fit stays; the report names the error
                out.notes[name] += f"; not refitted for the test period ({type(err).__name__}: {err})"
                continue
            out.notes[name] += f"; refitted on the training and validation periods for the test period: " \
                               f"{out.statistical[name].describe()}"
        return out


def fit_baselines(target: np.ndarray, valid_at: np.ndarray, lookback: int, horizon: int, season: int,
                  names=BASELINES, origins_to_forecast: int = 0, naive_seasons: tuple[int, ...] | None = None,
                  ridge_lags: tuple[int, ...] | None = None) -> FittedBaselines:
    """Fit `names` on the training period, the target before the first validation origin (the seasonal naive's
    season, of `naive_seasons` (default: `season` alone), and ridge's lags, of `ridge_lags` (default: the model's
    `lookback` alone), and its α, on the validation origins `valid_at`); a statistical one that would take over
    ROLL_BUDGET seconds to forecast `origins_to_forecast` windows is left out."""
    y = np.asarray(target, dtype=np.float64)
    valid_start = int(valid_at[0])
    fitted = FittedBaselines(lookback, horizon, season)
    if "naive" in names:
        fitted.notes["naive"] = "naive: the last value before each origin, for every step of the horizon"
    if "seasonal naive" in names:
        fitted.naive_season, tried = choose_naive_season(y, valid_at, horizon, naive_seasons or (season,))
        fitted.notes["seasonal naive"] = (
            f"seasonal naive: the value one season ({fitted.naive_season} steps) before each forecast step"
            + (f" (of {', '.join(map(str, tried))} steps, validation MAE {', '.join(f'{v:.4g}' for v in tried.values())})"
               if len(tried) > 1 else "") if fitted.naive_season
            else f"left out: seasonal naive's season ({season} steps) reaches before the series starts")
    if "ridge" in names:
        lags, fitted.ridge, fitted.ridge_alpha, tried = choose_ridge(y, valid_at, horizon, ridge_lags or (lookback,))
        fitted.ridge_lags = lags
        fitted.notes["ridge"] = (f"ridge: scikit-learn Ridge on the last {lags} target values"
                                 + (f" (of {', '.join(map(str, tried))}, validation MAE "
                                    f"{', '.join(f'{v:.4g}' for v in tried.values())})" if len(tried) > 1 else "")
                                 + f", alpha {fitted.ridge_alpha:.3g}, chosen on the validation windows")
    for name in STATISTICAL:
        if name in names:
            t0 = time.perf_counter()
            try:
                model = StatisticalBaseline(name, season).fit(y[:valid_start])
            except Exception as err:  # noqa: BLE001 - a baseline never stops a run; the report names the error
                fitted.notes[name] = f"left out: {name} could not be fitted ({type(err).__name__}: {err})"
                continue
            seconds = time.perf_counter() - t0
            rolling = origins_to_forecast * model.seconds_per_origin(y, valid_start, horizon)
            if rolling > ROLL_BUDGET:
                fitted.notes[name] = (f"left out: {name} ({model.describe()}) would take about {rolling / 60:.0f} min to "
                                      f"forecast the {origins_to_forecast} validation and test windows (over "
                                      f"{ROLL_BUDGET:.0f} s)")
                continue
            fitted.statistical[name] = model
            fitted.notes[name] = f"{name}: statsforecast's {model.describe()}, " + statistical_note(name, season, seconds)
    return fitted


def choose_naive_season(y: np.ndarray, valid_at: np.ndarray, horizon: int, seasons) -> tuple[int, dict[int, float]]:
    """(the season of lowest validation MAE among `seasons` that start after the series does, 0 if none
    does; the validation MAE of each of them)."""
    fits = [s for s in seasons if s <= int(valid_at[0])]
    actual = step_targets(y, valid_at, horizon)
    tried = {s: mae(actual, seasonal_naive(y, valid_at, horizon, s)) for s in fits}
    return (min(tried, key=tried.get) if tried else 0), tried


def choose_ridge(y: np.ndarray, valid_at: np.ndarray, horizon: int, lags: tuple[int, ...]):
    """(the lags of `lags` whose ridge (its α chosen on the validation origins `valid_at`) has the lowest
    validation MAE, that ridge, its α, the validation MAE of each lags tried): the lags a user would tune on
    validation, as the model's lookback is; those without a training window before `valid_at` are not tried."""
    valid_start = int(valid_at[0])
    fits, tried = {}, {}
    for n in sorted(set(lags)):
        train_at = origins(0, valid_start, n, horizon)
        if not len(train_at):
            continue
        ridge, alpha = fit_ridge_on_lags(y, train_at, valid_at, n, horizon)
        fits[n] = (ridge, alpha)
        tried[n] = mae(step_targets(y, valid_at, horizon), ridge_forecast(ridge, y, valid_at, n, horizon))
    if not tried:
        raise ValueError(f"no training window before step {valid_start} for a ridge on {sorted(set(lags))} lags")
    best = min(tried, key=tried.get)
    return best, *fits[best], tried


def statistical_note(name: str, season: int, seconds: float) -> str:
    how = ("fitted on the training period, then run without refitting over each window's whole history"
           if name == "AutoETS" else
           f"fitted on the last {ARIMA_HISTORY} training steps at most, then run without refitting over the last "
           f"{ARIMA_HISTORY} steps before each origin")
    long = f"; no seasonal part: a season of {season} steps is over the {MAX_SEASON} these models take" \
        if season > MAX_SEASON else ""
    return f"{how}{long} (fitted in {seconds:.1f}s)"


def mae(actual: np.ndarray, forecast: np.ndarray) -> float:
    return float(np.mean(np.abs(actual - forecast)))


def choose_blend(actual: np.ndarray, model: np.ndarray, baselines: dict[str, np.ndarray],
                 earlier: list[dict[str, float]] = ()) -> tuple[str, float]:
    """(the baseline of lowest MAE on these (validation) windows, or with `earlier` blocks (`earlier_blocks`) of
    lowest mean MAE over them and these windows, ridge left out on fewer than FEW_RIDGE_WINDOWS windows; the blend
    weight of lowest MAE on these windows with it, the first, smallest weight among equals, pulled toward 0.5 by
    PRIOR_WINDOWS windows: a short series' few windows choose a weight by chance, and from 96 windows on the pull
    moves no weight off its grid point)."""
    def score(name: str) -> float:
        return float(np.mean([mae(actual, baselines[name]), *(block[name] for block in earlier if name in block)]))

    # ridge where it is the only baseline fitted: a partner chosen on flattering windows, but the only one there is
    offered = [n for n in baselines if n != "ridge" or not ridge_left_out(len(actual))] or list(baselines)
    partner = min(offered, key=score)
    chosen = best_weight(lambda w: mae(actual, blend(model, baselines[partner], w)))
    return partner, pulled_weight(chosen, len(actual), PRIOR_WINDOWS)


def ridge_left_out(windows: int) -> bool:
    """Whether ridge is no candidate for the blend's partner on this many validation windows (FEW_RIDGE_WINDOWS)."""
    return windows < FEW_RIDGE_WINDOWS


def earlier_blocks(target: np.ndarray, valid_at: np.ndarray, test_start: int, lookback: int, horizon: int,
                   season: int, names=BASELINES, **options) -> list[dict[str, float]]:
    """A rolling-origin backtest of the baselines before the validation period, for a blend chosen on few
    validation windows: for k = 1 .. EARLIER_BLOCKS, the windows whose targets lie in the k-th stretch of the
    validation period's length before it, every baseline fitted on the series before that stretch as
    `fit_baselines` fits it on the series before the validation period (`options`: its naive seasons and ridge
    lags), and {name: its MAE there}. A stretch that would leave less than half the training period to fit on, or
    too few steps before it for one window of `lookback` (the ridge's lags never exceed it), is not made."""
    y = np.asarray(target, dtype=np.float64)
    valid_start = int(valid_at[0])
    period = test_start - valid_start
    blocks = []
    for k in range(1, EARLIER_BLOCKS + 1):
        start = valid_start - k * period
        at = origins(start, start + period, lookback, horizon)
        if start < max(valid_start / 2, lookback + horizon) or not len(at):
            break
        fitted = fit_baselines(y, at, lookback, horizon, season, names=names, **options)
        actual = step_targets(y, at, horizon)
        blocks.append({name: mae(actual, fitted.forecast(name, y, at)) for name in fitted.names})
    return blocks


def partner_note(windows: int, earlier: list[dict[str, float]]) -> str:
    return (f"the blend's partner: {windows} validation windows are few, so each baseline is scored as well on the "
            f"{len(earlier)} stretch{'es' if len(earlier) > 1 else ''} of the validation period's length before it "
            "(a rolling-origin backtest, each baseline fitted on the series before its stretch) and the partner is "
            "the one of lowest mean MAE over validation and these; their MAEs, latest first: "
            + "; ".join(f"{name} " + ", ".join(f"{block[name]:.4g}" for block in earlier if name in block)
                        for name in earlier[0]))


def save_blend(run_dir: Path, partner: str, weight: float, season: int, scores: dict) -> None:
    write_json(Path(run_dir) / BLEND_FILE, {"baseline": partner, "weight": weight, "season": season, "mae": scores})


def load_blend(run_dir: Path) -> tuple[str | None, float]:
    """(partner, weight) of a run; (None, 0.0) for a run made before the blend."""
    path = Path(run_dir) / BLEND_FILE
    if not path.is_file():
        return None, 0.0
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        return saved["baseline"], float(saved["weight"])
    except (ValueError, KeyError, TypeError) as err:
        raise UserError(f"{path}: not a readable blend file ({err})") from None
