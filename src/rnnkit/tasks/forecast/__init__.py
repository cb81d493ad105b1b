"""Forecasting a numeric series: `forecast` (a named series or your own file).

    rnnkit train forecast --dataset seattle-weather [--horizon 7]
    rnnkit train forecast --data load.csv --time-col ts --target-col load [--fill ffill]
    rnnkit predict RUN_DIR --input recent.csv      # the next `horizon` values with their time stamps
    rnnkit evaluate RUN_DIR [--data other.csv]     # model and baselines on the test period

Parts: `config`, `data` (series -> windows, the facts a run keeps), `model` (the Forecaster), `train`
(fit, score against naive / seasonal naive / ridge, report and picture), `predict` (predict, evaluate).
"""
from rnnkit.tasks.forecast.config import ForecastConfig
from rnnkit.tasks.forecast.model import describe
from rnnkit.tasks.forecast.predict import evaluate, predict
from rnnkit.tasks.forecast.train import run
from rnnkit.tasks.task import Task

FORECAST = Task("forecast", "forecast a numeric series (seattle-weather, taylor-electricity, airline or your CSV)",
                ForecastConfig, run, predict=predict, evaluate=evaluate, summary=describe)
