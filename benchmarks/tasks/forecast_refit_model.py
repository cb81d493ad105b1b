"""The model refitted on every window before the period it forecasts, against trained on the training windows
alone, measured first where only validation decides: inside the training period, the model is trained on its
first part with early stopping on the last part (as long as the validation period), then (a) scored on the
validation windows as it is, or (b) trained again from its ridge start on the whole training period for the
epochs the first training kept (its ridge start refitted at the same α; only that refit where the run keeps the
linear start) and scored there. Then the same one period later, as a run would do it: trained on the training
windows (early stopping on validation), against refitted on training and validation, scored on the test windows.
SERIES as in forecast_variants.py:

    python benchmarks/tasks/forecast_refit_model.py airline 12 2
"""
import dataclasses
import sys
import tempfile
import time

import numpy as np

from rnnkit.data.windows import Windows
from rnnkit.tasks.fit import fit, start
from rnnkit.tasks.forecast import FORECAST
from rnnkit.tasks.forecast.model import build_model, keep_better_of, ridge_on_levels
from rnnkit.tasks.forecast.predict import model_forecast

from forecast_setup import resolved_run  # benchmarks/tasks, beside this script


def part(windows: Windows, splits: dict) -> Windows:
    """Windows whose "train", "valid" and "eval" are the given (x, y) pairs."""
    return Windows({k: v[0] for k, v in splits.items()}, {k: v[1] for k, v in splits.items()}, {}, windows.scaler,
                   windows.calendar)


def train(config, windows: Windows, epochs: int | None, alpha: float | None = None):
    """(model, kept epochs, α): the run's model trained on windows "train" (early stopping on "valid") or,
    with `epochs`, for that many epochs without validation (0: the ridge start alone, at α)."""
    start(config, True)
    model = build_model(config, windows.x["train"].shape[-1])
    ridge, alpha, _ = ridge_on_levels(windows, model.ar_lags, model.normalize, **({"alphas": (alpha,)} if alpha else {}))
    model.start_linear(ridge.coef_, ridge.intercept_)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    if epochs == 0:
        return model, 0, alpha
    with tempfile.TemporaryDirectory() as folder:
        fitted = fit(FORECAST, config if epochs is None else dataclasses.replace(config, epochs=epochs), folder, model,
                     (windows.x["train"], windows.y["train"]),
                     valid=None if epochs else (windows.x["valid"], windows.y["valid"]), summary={}, quiet=True)
    if epochs:
        return model, epochs, alpha
    losses = fitted.trainer.history.history["val_loss"]
    kept = keep_better_of(model, state, windows)[0]
    return model, 0 if kept else int(np.argmin(losses)) + 1, alpha


def mae(model, windows, split):
    out = model_forecast(model, windows.x[split], windows.scaler)
    return float(np.mean(np.abs(out - windows.scaler.target_inverse(windows.y[split].astype(np.float64)))))


name, horizon, seeds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 2
config, series, windows = resolved_run(name, horizon)
n_valid = len(windows.at["valid"])
x, y = windows.x, windows.y
inner = len(x["train"]) - n_valid - horizon + 1  # inner training windows: their targets end before the inner validation
levels = {"valid": (part(windows, {"train": (x["train"][:inner], y["train"][:inner]),
                                   "valid": (x["train"][-n_valid:], y["train"][-n_valid:]), "eval": (x["valid"], y["valid"])}),
                    part(windows, {"train": (x["train"], y["train"]), "eval": (x["valid"], y["valid"])})),
          "test": (part(windows, {"train": (x["train"], y["train"]), "valid": (x["valid"], y["valid"]), "eval": (x["test"], y["test"])}),
                   part(windows, {"train": (np.concatenate([x["train"], x["valid"]]), np.concatenate([y["train"], y["valid"]])),
                                  "eval": (x["test"], y["test"])}))}
t0 = time.perf_counter()
for level, (first, whole) in levels.items():
    rows = []
    for seed in range(seeds):
        seeded = dataclasses.replace(config, seed=seed)
        model, epochs, alpha = train(seeded, first, None)
        whole.x["valid"], whole.y["valid"] = whole.x["eval"], whole.y["eval"]  # ridge_on_levels scores there; α is fixed
        refit, _, _ = train(seeded, whole, epochs, alpha)
        rows.append((mae(model, first, "eval"), mae(refit, whole, "eval"), epochs))
    a, b = np.mean([r[0] for r in rows]), np.mean([r[1] for r in rows])
    print(f"{name} h{horizon} {level} (mean of {seeds} seeds): as trained {a:.4g}, refitted {b:.4g} "
          f"({100 * (b / a - 1):+.1f}%); kept epochs {[r[2] for r in rows]}", flush=True)
print(f"  {time.perf_counter() - t0:.0f} s", flush=True)
