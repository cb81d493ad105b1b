"""A panel's windows for one global model: each series split by time as a series of its own is (70/15/15, its
validation and test periods at its end), scaled on its own training period (its own `Scaler`: a series of
thousands and one of tens train together in z-scores), its windows cut as `make_windows` cuts one series', and
the splits pooled over the series into one training and one validation set.

A panel's lookback, when not given, is chosen as a file's is (`lookback_candidates`, the ridge on the lags scored
on the validation windows), here on the pooled windows of the series long enough for every candidate; the
candidates are those of the panel's shorter series (its first quartile of lengths), so that at least three in
four series keep a lookback they can be cut by. Series too short for the lookback chosen are left out, named.

With `panel_drift`, each series' drift (its mean one-step change over its training period, scaled) is taken out of
its windows before they are pooled and put back in its forecasts: the window's values are moved by the drift
times their steps before its last, its targets by the drift times their steps ahead. A one-series run's ridge
start carries its series' drift in its intercept (under normalize "last" the intercept IS the drift); a global
model has one intercept for every series, which a panel of series trending each its own way cannot share.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from rnnkit.atomic import atomic_write, write_json
from rnnkit.data.panel import Panel, named_ids, panel_of_long_frame
from rnnkit.data.series import Series, split_points
from rnnkit.data.windows import Scaler, Windows, calendar_kinds, fits_splits, make_windows, min_length
from rnnkit.errors import UserError
from rnnkit.tasks.forecast.config import ForecastConfig
from rnnkit.tasks.forecast.data import lookback_seasons
from rnnkit.tasks.forecast.model import AUTO_NORMALIZE, FEW_NORMALIZE_WINDOWS, lookback_candidates, ridge_between

SHORT_QUANTILE = 0.25
"""The panel's lookback candidates are those of a series of this quantile of the panel's lengths."""
PANEL_FILE, SCALERS_FILE, DRIFTS_FILE = "panel.parquet", "scalers.json", "drifts.json"


@dataclass
class PanelWindows:
    """Each series' windows (scaled by its own scaler, its drift taken out), and the splits pooled over the
    series."""

    windows: dict[str, Windows]
    drifts: dict[str, float]  # series -> its drift taken out of its windows (scaled units per step; 0: none)

    def pooled(self, split: str) -> tuple[np.ndarray, np.ndarray]:
        parts = list(self.windows.values())
        return np.concatenate([w.x[split] for w in parts]), np.concatenate([w.y[split] for w in parts])

    def as_windows(self) -> Windows:
        """The pooled train and valid splits as one `Windows` (no origins, no scaler: the model's view of them)."""
        x, y = {}, {}
        for split in ("train", "valid"):
            x[split], y[split] = self.pooled(split)
        return Windows(x, y, {}, None, next(iter(self.windows.values())).calendar)

    def scalers(self) -> dict[str, Scaler]:
        return {key: w.scaler for key, w in self.windows.items()}


def panel_calendar(config: ForecastConfig, panel: Panel) -> list[str]:
    """The calendar features of every series: those that vary over the shortest series' span."""
    if config.calendar != "auto":
        return []
    return calendar_kinds(panel.freq, min(s.times[-1] - s.times[0] for s in panel.series.values()))


def panel_windows(config: ForecastConfig, panel: Panel, calendar: list[str], scalers: dict[str, Scaler] | None = None,
                  drifts: dict[str, float] | None = None) -> PanelWindows:
    """Every series' windows at `config.lookback`, scaled by its scaler of `scalers` or one fitted on its training
    period (in `config.target_transform`), less its drift of `drifts` (a trained run's: 0 where absent) or, without
    them, the drift of its training period where `config.panel_drift` asks for it."""
    found, drift = {}, {}
    for key, s in panel.series.items():
        w = make_windows(s, config.lookback, config.horizon, config.stride, calendar, (scalers or {}).get(key),
                         config.target_transform)
        drift[key] = drifts.get(key, 0.0) if drifts is not None else \
            training_drift(s, w.scaler) if config.panel_drift == "on" else 0.0
        found[key] = without_drift(w, drift[key]) if drift[key] else w
    return PanelWindows(found, drift)


def training_drift(series: Series, scaler: Scaler) -> float:
    """The series' mean one-step change over its training period, in its scaled units."""
    train = scaler.transform(series.values[:split_points(len(series))[0]])[:, 0].astype(np.float64)
    return float((train[-1] - train[0]) / (len(train) - 1))


def without_drift(windows: Windows, drift: float) -> Windows:
    """`windows` with `drift` taken out: each window's target values moved to its last step's trend line, each
    target less the drift times its steps ahead."""
    x = {split: detrended(xs, drift) for split, xs in windows.x.items()}
    y = {split: (ys - drift * np.arange(1, ys.shape[1] + 1)).astype(ys.dtype) for split, ys in windows.y.items()}
    return replace(windows, x=x, y=y)


def detrended(x: np.ndarray, drift: float) -> np.ndarray:
    """Windows x (N, L, F) whose target column (0) is moved by `drift` times each step's distance to the last."""
    x = x.copy()
    x[:, :, 0] += drift * np.arange(x.shape[1] - 1, -1, -1, dtype=np.float64)
    return x


def with_drift(z: np.ndarray, drift: float) -> np.ndarray:
    """Scaled forecasts z (N, horizon[, Q]) of detrended windows, the drift put back (drift times steps ahead)."""
    ahead = np.arange(1, z.shape[1] + 1, dtype=np.float64).reshape(-1, *[1] * (z.ndim - 2))
    return z + drift * ahead


def panel_seasons(config: ForecastConfig, panel: Panel) -> tuple[int, ...]:
    return lookback_seasons(config, next(iter(panel.series.values())))


def choose_panel_lookback(config: ForecastConfig, panel: Panel, calendar: list[str]) -> tuple[int, dict[int, float]]:
    """(the lookback of lowest pooled validation MAE of the ridge on the lags, those MAEs (scaled units)); the
    config's when given."""
    if config.lookback is not None:
        return config.lookback, {}
    lengths = np.array([len(s) for s in panel.series.values()])
    short = int(np.quantile(lengths, SHORT_QUANTILE))
    tried = lookback_candidates(config.horizon, short, panel_seasons(config, panel), config.ar_lags or 0)
    if len(tried) < 2:
        return tried[0], {}
    common = panel.keeping([k for k, s in panel.series.items() if fits_splits(len(s), max(tried), config.horizon)])
    normalizations = AUTO_NORMALIZE if config.normalize == "auto" else (config.normalize,)
    scores = {}
    for n in tried:
        pooled = panel_windows(replace(config, lookback=n), common, calendar).as_windows()
        scores[n] = min(pooled_ridge(pooled, config.ar_lags or n, how)[2] for how in normalizations)
    return min(scores, key=scores.get), scores


def long_enough(config: ForecastConfig, panel: Panel) -> tuple[Panel, str | None]:
    """(the panel without the series too short for the lookback and horizon, the note that names them)."""
    short = [k for k, s in panel.series.items() if not fits_splits(len(s), config.lookback, config.horizon)]
    if len(short) == len(panel.series):
        raise UserError(f"{panel.source}: no series is long enough for lookback {config.lookback} + horizon "
                        f"{config.horizon} with a 70/15/15 split by time (each needs at least "
                        f"{min_length(config.lookback, config.horizon)} steps; the longest has "
                        f"{max(len(s) for s in panel.series.values())}): give a shorter --lookback / --horizon")
    if not short:
        return panel, None
    return panel.keeping(k for k in panel.series if k not in short), (
        f"{len(short)} of {len(panel.series)} series shorter than the {min_length(config.lookback, config.horizon)} "
        f"steps lookback {config.lookback} and horizon {config.horizon} need left out: {named_ids(short)}")


def pooled_ridge(windows: Windows, lags: int, normalize: str):
    """(ridge, α, validation MAE in scaled units) of one ridge on the lags of every series' training windows
    (`ridge_between` of the pooled windows): the model's linear start, and the "pooled ridge" baseline."""
    return ridge_between(windows.x["train"], windows.y["train"], windows.x["valid"], windows.y["valid"], lags,
                         normalize)


def choose_panel_normalize(config: ForecastConfig, pooled: Windows) -> tuple[str, dict[str, float]]:
    """`choose_normalize` on the pooled windows: "last" on fewer than FEW_NORMALIZE_WINDOWS of them."""
    if config.normalize != "auto":
        return config.normalize, {}
    lags = config.ar_lags or config.lookback
    scores = {name: pooled_ridge(pooled, lags, name)[2] for name in AUTO_NORMALIZE}
    if len(pooled.y["valid"]) < FEW_NORMALIZE_WINDOWS:
        return "last", scores
    return min(scores, key=scores.get), scores


def save_panel(folder: Path, panel: Panel, pw: PanelWindows) -> None:
    """The panel as trained on (long: id, time, target), each series' scaler and drift, in the run folder."""
    atomic_write(Path(folder) / PANEL_FILE, lambda tmp: panel.long_frame().to_parquet(tmp, index=False))
    write_json(Path(folder) / SCALERS_FILE, {key: asdict(s) for key, s in pw.scalers().items()})
    write_json(Path(folder) / DRIFTS_FILE, pw.drifts)


def saved_panel(folder: Path, freq: str) -> Panel:
    path = Path(folder) / PANEL_FILE
    if not path.is_file():
        raise UserError(f"{folder}: no {PANEL_FILE}: not a panel run folder")
    return panel_of_long_frame(str(path), pd.read_parquet(path), freq)


def saved_scalers(folder: Path) -> dict[str, Scaler]:
    path = Path(folder) / SCALERS_FILE
    try:
        return {key: Scaler(**kept) for key, kept in json.loads(path.read_text(encoding="utf-8")).items()}
    except (OSError, ValueError, TypeError) as err:
        raise UserError(f"{path}: not a readable scalers file ({err})") from None


def saved_drifts(folder: Path) -> dict[str, float]:
    """Each series' drift a run took out of its windows ({} for a run without them: none taken out)."""
    path = Path(folder) / DRIFTS_FILE
    if not path.is_file():
        return {}
    try:
        return {key: float(d) for key, d in json.loads(path.read_text(encoding="utf-8")).items()}
    except (OSError, ValueError, TypeError, AttributeError) as err:
        raise UserError(f"{path}: not a readable drifts file ({err})") from None
