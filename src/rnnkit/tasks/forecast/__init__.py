"""Forecasting a numeric series: `forecast` (a named series or your own file).

    rnnkit train forecast --dataset seattle-weather [--horizon 7]
    rnnkit train forecast --data load.csv --time-col ts --target-col load [--fill ffill] [--value-cols all|auto|none|a,b]
    rnnkit train forecast --data long.csv            # several series stacked (unique_id, ds, y): one global model
    rnnkit predict RUN_DIR --input recent.csv      # the next `horizon` values with their time stamps
    rnnkit evaluate RUN_DIR [--data other.csv]     # model, baselines and the run's blend on the test period
    rnnkit evaluate RUN_DIR --backtest 5           # a rolling-origin backtest beside the baselines
    rnnkit predict RUN_DIR --series T3             # a panel run: one series' forecast (evaluate: its scores)

Parts: `config`, `data` (series -> windows, the facts a run keeps), `model` (the Forecaster), `baselines`
(naive, seasonal naive, ridge, AutoETS, AutoARIMA and the validation-chosen blend), `train` (fit, score
beside the baselines, report and picture), `predict` (predict, evaluate, backtest); a panel (a file of several
series stacked): `panel` (train), `panel_windows`, `panel_scores`, `panel_report`, `panel_predict`.
"""
from rnnkit.tasks.forecast.config import ForecastConfig, ForecastPredictOptions
from rnnkit.tasks.task import Task

FORECAST = Task("forecast", "forecast a numeric series (seattle-weather, taylor-electricity, airline or your CSV)",
                ForecastConfig, "rnnkit.tasks.forecast.train:run", predict="rnnkit.tasks.forecast.predict:predict",
                predict_options=ForecastPredictOptions,
                evaluate="rnnkit.tasks.forecast.predict:evaluate", summary="rnnkit.tasks.forecast.model:describe",
                resolved=("lookback",), own_input=True)
