"""The classify-series run's MiniRocket baseline alone on named UCR/UEA datasets: fitted on the rows a
default run trains on (the stratified 80%, seed 0), C chosen on the other 20%, scored on the official test
split, with its time: `python benchmarks/tasks/series_baseline.py gun-point italy-power-demand`."""
import sys
import time

from rnnkit.tasks.classify_series.baseline import accuracy, fit_run_baseline
from rnnkit.tasks.classify_series.config import SeriesConfig
from rnnkit.tasks.classify_series.data import read_series_data
from rnnkit.tasks.config import make_config

for name in sys.argv[1:]:
    t0 = time.perf_counter()
    config = make_config(SeriesConfig, {"dataset": name})
    files, labels, scaling, held, test = read_series_data(config)
    result = fit_run_baseline(len(labels), config.seed, held.fit, held.valid, test)
    published = {k: v for k, v in files.published.items() if k in ("HC2", "InceptionTime", "MiniRocket")}
    print(f"{name}: MiniRocket + logistic regression (C={result.model.C:g}) valid "
          f"{accuracy(result.probs['valid'], held.valid[-1]):.4f} test {accuracy(result.probs['test'], test[-1]):.4f}; "
          f"published {published}; {time.perf_counter() - t0:.0f} s", flush=True)
