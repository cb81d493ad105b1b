"""The training choices configs offer (optimizers with their default learning rates, schedules, what a
NaN does), in a module that imports nothing, so a task config (and `rnnkit train TASK --help`) reads them
without importing torch; `optim` and `numerics` say what each does."""
from typing import Literal

DEFAULT_LR = {"adam": 1e-3, "adamw": 1e-3, "rmsprop": 1e-3, "sgd": 1e-2}  # Keras' default learning rates
OPTIMIZERS = tuple(DEFAULT_LR)
SCHEDULES = ("step", "cosine", "warmup", "warmup_cosine", "plateau")
ON_NAN = ("stop", "skip")
OnNaN = Literal[ON_NAN]
