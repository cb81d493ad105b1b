"""What the forecast benchmark scripts start from: a SERIES argument (a catalog name, or a JSON object of
config fields such as {"data": "lynx.csv", "time_col": "year", "target_col": "lynx"}) and a horizon, resolved
as `rnnkit train forecast` resolves them (its lookback, normalisation and windows)."""
import json

from rnnkit.data.series import Series
from rnnkit.data.windows import Windows
from rnnkit.tasks.config import make_config
from rnnkit.tasks.forecast.config import ForecastConfig
from rnnkit.tasks.forecast.data import load_series
from rnnkit.tasks.forecast.train import resolve_windows


def resolved_run(spec: str, horizon: int) -> tuple[ForecastConfig, Series, Windows]:
    """(config, series, windows) of a default run on SERIES `spec` at `horizon`."""
    base = json.loads(spec) if spec.startswith("{") else {"dataset": spec}
    config = make_config(ForecastConfig, {**base, "horizon": horizon})
    series = load_series(config)
    config, windows, _, _ = resolve_windows(config, series, lambda line: None)
    return config, series, windows
