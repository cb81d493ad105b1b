"""The statistical forecasting baselines of the field, from statsforecast (Nixtla): AutoETS (exponential
smoothing, the state-space form of Hyndman et al. 2008, chosen by AICc) and AutoARIMA (Hyndman &
Khandakar 2008's stepwise search), each fitted ONCE on the training period and then rolled forward
without refitting: for each origin t the fitted model is run over the history before t (its parameters
fixed, its states filtered through the newer values) and forecasts steps t .. t + horizon - 1, as
statsforecast's `forward` does (and its cross-validation with refit=False).

- ETS keeps its fitted initial states, which belong to the series' first step: its history is the whole
  series before t (one pass of its filter, linear in t); a series that starts elsewhere (a file given to
  `predict`) is read from its first step in the same seasonal phase.
- ARIMA starts its filter from the data: its history is the last `ARIMA_HISTORY` steps before t, and it
  is fitted on the last `ARIMA_HISTORY` training steps, its orders searched within `ARIMA_ORDERS` (the
  default search on a thousand hourly steps took minutes to fit and 0.2 s per origin). Seasonal ARIMA with a season over `MAX_SEASON` steps (half hours' 48, weeks' 52) is too slow
  to fit and roll (a minute to fit, about a second per origin measured on Taylor's half hours), so there
  AutoARIMA runs without the seasonal part; statsforecast's ETS, like R's forecast, fits no season over
  24 steps either (it then chooses among the non-seasonal forms). `describe` says what was fitted.
"""
from __future__ import annotations

import time
import warnings

import numpy as np

ARIMA_HISTORY = 500
"""The most steps AutoARIMA is fitted on and rolls forward from (the latest ones)."""
ARIMA_ORDERS = dict(max_p=3, max_q=3, max_P=1, max_Q=1)
"""AutoARIMA's search, narrower than statsforecast's default (5, 5, 2, 2): a seasonal ARIMA's filter
carries about p + P x season states, and its start costs their fourth power at every origin."""
MAX_SEASON = 24
"""Longest season the statistical models are given (statsforecast's ETS allows no more)."""
STATISTICAL = ("AutoETS", "AutoARIMA")


class StatisticalBaseline:
    """One of STATISTICAL fitted on `train` (1-D target values from the series' first step) with season
    `season`; `forecast` rolls it over the origins of the whole series."""

    def __init__(self, name: str, season: int):
        if name not in STATISTICAL:
            raise ValueError(f"name must be one of {STATISTICAL}, got {name!r}")
        self.name, self.season = name, int(season)
        self.model = None

    def _history(self, target: np.ndarray, t: int, offset: int = 0) -> np.ndarray:
        """The values before t the model is run over. ETS: from the first step whose seasonal phase is the
        fitted series' first step's (`offset`: steps from that first step to target[0]), so from target[0]
        when the fitted series is `target`'s start. ARIMA: the last ARIMA_HISTORY values."""
        if self.name == "AutoETS":
            start = (-offset) % self.season if self.season <= MAX_SEASON else 0
        else:
            start = max(0, t - ARIMA_HISTORY)
        return np.asarray(target[start:t], dtype=np.float64)

    def fit(self, train: np.ndarray) -> "StatisticalBaseline":
        from statsforecast.models import AutoARIMA, AutoETS

        season = self.season if self.season <= MAX_SEASON else 1
        self.model = AutoETS(season_length=season) if self.name == "AutoETS" else \
            AutoARIMA(season_length=season, **ARIMA_ORDERS)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")  # statsforecast warns about its own numerical fallbacks
            self.model.fit(self._history(train, len(train)))
        return self

    def forecast(self, target: np.ndarray, at: np.ndarray, horizon: int, offset: int = 0) -> np.ndarray:
        """(N, horizon): for each origin t, the fitted model rolled over the history before t (`offset`:
        see `_history`; 0 when `target` is the fitted series, from its first step)."""
        out = np.empty((len(at), horizon))
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            for i, t in enumerate(at):
                out[i] = self.model.forward(y=self._history(target, int(t), offset), h=horizon)["mean"]
        return out

    def seconds_per_origin(self, target: np.ndarray, t: int, horizon: int) -> float:
        """The time one origin's forecast takes (measured at origin t)."""
        start = time.perf_counter()
        self.forecast(target, np.array([t]), horizon)
        return time.perf_counter() - start

    def describe(self) -> str:
        """What was fitted, e.g. "ETS(A,Ad,N)" or "ARIMA(2,1,1)(0,1,1)[12]"."""
        if self.name == "AutoETS":
            # a constant series is fitted as its value, with no ETS method: the run ended in a KeyError
            return str(self.model.model_.get("method", "a constant (the series does not vary)"))
        from statsforecast.arima import arima_string

        return arima_string(self.model.model_).strip()
