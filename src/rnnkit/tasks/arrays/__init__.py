"""The generic `arrays` task: train any registered model on arrays stored in one `.npz` file.

    {"task": "arrays", "data": "data.npz", "model": {"name": "sequential", ...}, "epochs": 5}

The file holds `x_train`, `y_train` and optionally `lengths_train`, `x_valid`/`y_valid`/`lengths_valid`
and `x_test`/`y_test`/`lengths_test`. `imports` names Python modules to import first, so users' own
`@register`ed models can be trained too; from a run folder (predict, evaluate, summary, resume) they are
imported only with `--trust-imports` or when already imported (`tasks.runs.check_imports`).

Parts: `config`, `data` (the .npz's splits), `model` (from the registry), `train`, `predict`.
"""
from rnnkit.tasks.arrays.config import ArraysConfig
from rnnkit.tasks.task import Task

ARRAYS = Task("arrays", "train a registered model on arrays from an .npz file", ArraysConfig,
              "rnnkit.tasks.arrays.train:run", predict="rnnkit.tasks.arrays.predict:predict",
              evaluate="rnnkit.tasks.arrays.predict:evaluate", summary="rnnkit.tasks.arrays.model:describe",
              load_model="rnnkit.tasks.arrays.predict:load_model")
