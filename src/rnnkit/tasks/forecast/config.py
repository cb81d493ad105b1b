"""The forecast task's config: a named series or the user's own file, the windows, the model.
Measured results of these defaults are in benchmarks/TASKS.md."""
from __future__ import annotations

from dataclasses import field
from typing import Annotated, Literal

from pydantic import Field

from rnnkit.data.choices import DEFAULT_TIME_COL, FILLS, SERIES_NAMES, TARGET_TRANSFORMS
from rnnkit.tasks.config import ConvKernel, InputDropout, NumLayers, RecurrentDropout, RecurrentModelConfig, fill_unset
from rnnkit.training.config import LearningRate, PositiveInt, Rate, ScheduleName, config_dataclass

COVARIATE_WORDS = ("all", "auto")
"""What --value-cols takes besides a list of columns and none (the target alone)."""
DATASET_LOOKBACK = {"seattle-weather": 30, "taylor-electricity": 432, "airline": 24}
"""Steps read per forecast when --lookback is not given: a month of days, two years of months, and for Taylor's
half hours a week and two days: the demand's two seasons (Taylor 2003) need the same half hour a week ago AND
the steps around it (the week-ago change from one half hour to the next), which a window of exactly a week
cuts off; of 336 to 1,008 steps the ridge on the lags scores best on validation at 432. Seattle's month, not a
year of days: the trained model's validation MAE prefers the year on every stretch it was tried on, and the
stretch after each, held out from that choice (the kept epoch is chosen on the validation windows, which flatters
the model with the more weights), prefers the month (benchmarks/TASKS.md, fourth pass)."""
DATASET_TARGET_TRANSFORM = {"taylor-electricity": "log"}
"""The target's transform under --target-transform auto (none for the others and for a file): Taylor's demand, whose
daily shape scales with its level, is forecast in logs; on the stretches held out from every choice before its test
period the log lowered the model's MAE at both horizons, where on airline's it was as often higher
(benchmarks/TASKS.md, fourth pass)."""
FILE_LOOKBACK = 24
"""A file's lookback is chosen among FILE_LOOKBACK and, for each of its seasons, the season and the season plus
a day's (the shortest season's) steps (forecast.model.choose_lookback)."""
LONGEST_AUTO_LOOKBACK = 432
"""The longest lookback a file's automatic choice tries: a week and two days of half hours (the catalog's Taylor
default, which trains within its time budget). A minute series' day (1,440 steps) or two would multiply the
windows' memory and each epoch's time by that many steps; --lookback still takes any."""
LONG_LOOKBACK = 100
"""Above this many steps the default model reads the window through a Conv1D front end (see front_end_defaults)."""


@config_dataclass
class ForecastConfig(RecurrentModelConfig):
    dataset: Literal[SERIES_NAMES] | None = None
    """a named series (fetched on first use); or give --data"""
    data: str | None = None
    """your own CSV/TSV/JSONL/Parquet file, one row per time step (with --time-col and --target-col)"""
    series_col: str = "auto"
    """a file of several series stacked (the long format: id, time, target): the column that names the series, one
    global model trained across them (auto: the column found where time starts again or repeats; none: the file is
    one series, and a stacked one is refused)"""
    time_col: str = DEFAULT_TIME_COL
    """the time column of --data (time, or where there is none, the one column named date, ds, timestamp, month,
    year...)"""
    target_col: str | None = None
    """the column to forecast (none: the file's only numeric column besides the time)"""
    value_cols: list[str] | Literal[COVARIATE_WORDS] | None = "all"
    """the columns read beside the target: all (every numeric column; a named series: its own columns), auto (a file's
    numeric columns kept only where the ridge on their lags and the target's is below the target's alone on the
    validation windows by 2 standard errors, chosen before training; not the default: on real files' test periods it
    did worse than all, benchmarks/TASKS.md), none (the target alone), or a list"""
    fill: Literal[FILLS] = "auto"
    """missing values and time stamps: auto (absent time stamps interpolated where at most 2% of the steps
    and 3 in a row, else an error), none (an error), ffill (carry the last value), interpolate (linear in time)"""
    lookback: PositiveInt | None = None
    """steps read per forecast (none: the dataset's; for a file the one of 24 and, for each season (a day and a
    week of sub-daily steps, a week and a year of days), the season and the season plus the shortest one (two
    seasons where there is one) whose ridge on the lags scores best on the validation windows, chosen before
    training)"""
    horizon: PositiveInt = 1
    """steps forecast at once (direct multi-step output)"""
    stride: PositiveInt = 1
    """steps between training windows (validation and test use every step)"""
    season: PositiveInt | None = None
    """the season in steps of the seasonal naive, AutoETS and AutoARIMA baselines (none: from the series'
    frequency: 24 hourly, 48 half-hourly, 7 daily, 52 weekly, 12 monthly, 4 quarterly)"""
    refit_baselines: bool = False
    """fit the baselines again on the training and validation periods before they forecast the test period, as
    statsforecast and Darts users refit before forecasting (the model is not refitted). Off by default: on the
    validation windows refitting helped some baselines on some series and hurt others (benchmarks/TASKS.md)"""
    calendar: Literal["auto", "none"] = "auto"
    """auto adds sin/cos of hour of day, day of week and day of year where they vary; none adds nothing"""
    panel_drift: Literal["on", "off"] = "on"
    """a panel (several series stacked): each series' drift (its mean step over its training period) taken out of
    its windows before they are pooled and put back in its forecasts (on: lower pooled validation MAE on every panel
    measured, benchmarks/TASKS.md)"""
    hidden_size: PositiveInt = 64
    num_layers: NumLayers = 1
    dropout: InputDropout = 0.0
    recurrent_dropout: RecurrentDropout = 0.0
    conv_filters: Annotated[int, Field(ge=0)] | None = None
    """> 0 adds article 003's Conv1D + MaxPooling front end with conv_kernel, conv_pool (none: 32 when the
    lookback is over 100 steps, else 0)"""
    conv_kernel: ConvKernel = 5
    conv_pool: PositiveInt | None = None
    """max-pooling width after the Conv1D front end (none: 4 for the automatic front end, else 2)"""
    ar_lags: Annotated[int, Field(ge=0)] | None = None
    """a linear skip from the last N target values to the outputs (none: all lookback steps; 0: no skip)"""
    linear_start: bool = True
    """start the linear skip at a ridge regression on the training windows (the network learns what it misses)"""
    linear_penalty: bool = True
    """train the started linear skip under the ridge's own L2 penalty (its α), so training does not undo the
    shrinkage chosen on validation (adam, rmsprop and sgd; point forecasts)"""
    normalize: Literal["auto", "none", "last", "window"] = "auto"
    """the target's level in each window: none (the training period's z-scores), last (forecast the change from
    the window's last value), window (the window's own mean and std, RevIN); auto: none or last, whichever
    gives the ridge on the lags (the linear start) the lower validation MAE, and last on fewer than 20 validation
    windows"""
    target_transform: Literal[("auto", *TARGET_TRANSFORMS)] = "auto"
    """log: the model reads and forecasts the log of a positive target, put back with exp (a daily shape or a season
    that scales with the level becomes additive); none: the target as it is; auto: log for taylor-electricity, none
    for the others and for a file. The baselines read the target as it is"""
    quantiles: list[Annotated[float, Field(gt=0.0, lt=1.0)]] = field(default_factory=list)
    """e.g. 0.1,0.5,0.9: quantile forecasts trained with the pinball loss (the median is the point forecast)"""
    epochs: PositiveInt | None = None
    """passes over the training windows (none: 30, or fewer where the windows are many, so that a default run
    reads at most 300,000 windows: a long series of minutes trains minutes, not an hour); an epochs you give is
    kept"""
    batch_size: PositiveInt = 64
    lr: LearningRate | None = 1e-3
    loss: str = "auto"
    """mse or mae on the scaled target (ignored with quantiles: the pinball loss); auto: mse for one series, mae for
    a panel (a file of several series stacked: its series' errors are in their own scales, and the squares let the
    few farthest from their training levels steer the rest; mae had the lower pooled validation MAE on every panel
    measured, benchmarks/TASKS.md)"""
    metrics: list[str] = field(default_factory=lambda: ["mae"])
    schedule: ScheduleName | None = "cosine"
    validation_split: Rate = 0.0
    """not used: a series is split by time, 70/15/15, so validation is always the 15% after the training
    period (a random or tail holdout of windows would train on the future)"""
    clip_norm: float | None = 1.0
    early_stopping: PositiveInt | None = 8
    """stop after this many epochs without a better validation loss (small series overfit early)"""
    keep_best: bool = True
    """keep the weights of the epoch with the best validation loss"""

    def __post_init__(self):
        if (self.dataset is None) == (self.data is None):
            raise ValueError("give either --dataset NAME or --data FILE (with --target-col)")
        if isinstance(self.value_cols, list) and len(self.value_cols) == 1 and self.value_cols[0] in COVARIATE_WORDS:
            self.value_cols = self.value_cols[0]  # the command line's "auto" arrives as a one-item list
        if self.target_transform == "auto":
            self.target_transform = DATASET_TARGET_TRANSFORM.get(self.dataset, "none")
        if self.dataset in DATASET_LOOKBACK:
            fill_unset(self, {"lookback": DATASET_LOOKBACK[self.dataset]})
        if self.lookback is None:  # a file's: chosen on its validation windows (forecast.model.choose_lookback)
            return
        fill_unset(self, {"ar_lags": self.lookback, **front_end_defaults(self.lookback, self.conv_filters)})
        if self.ar_lags > self.lookback:
            raise ValueError(f"ar_lags ({self.ar_lags}) cannot exceed lookback ({self.lookback})")


def front_end_defaults(lookback: int, conv_filters: int | None) -> dict[str, int]:
    """The Conv1D front end's filters and pooling when not given: a window longer than LONG_LOOKBACK steps
    is read through 32 filters pooled by 4, so the recurrent layer runs a quarter of the steps (Taylor's
    week of half hours: benchmarks/TASKS.md); a shorter one goes straight to the recurrent layer (0
    filters; a pooling of 2 should filters be asked for)."""
    auto = conv_filters is None and lookback > LONG_LOOKBACK
    return {"conv_filters": 32 if auto else 0, "conv_pool": 4 if auto else 2}


@config_dataclass
class ForecastPredictOptions:
    series: str | None = None
    """a panel run (several series stacked): forecast only this series (its id)"""
