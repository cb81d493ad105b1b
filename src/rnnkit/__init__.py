"""rnnkit: recurrent neural networks on PyTorch, from the textbook equations to fused kernels.

    import rnnkit
    layer = rnnkit.Recurrent("lstm", input_size=32, hidden_size=64, bidirectional=True)
    model = rnnkit.Sequential([rnnkit.layers.Embedding(10000, 32), rnnkit.layers.LSTM(32), rnnkit.layers.Dense(1)])
    model.summary()

Layers of the package (nothing imports upward): cells -> engine -> layers -> models -> data/training
-> io/inspect -> tasks -> cli; `reference` is the NumPy oracle beside them.
"""
from rnnkit.lazy import lazy_names

__version__ = "0.1.0"

__getattr__, __dir__ = lazy_names(__name__, {"Recurrent": "layers", "Sequential": "models"})
"""Names (and the subpackages: `rnnkit.layers`) imported on first use, so `import rnnkit` (and `rnnkit --help`)
does not import torch."""


def load(run_dir, *, trust_imports: bool = False):
    """A trained run folder as a Python object: `run.predict(inputs)` gives the records `rnnkit predict`
    prints, `run.model` the model (eval mode), `run.config` the typed config; it also calls like the
    model, as `load` once returned the bare module (see `rnnkit.tasks.predictor`)."""
    from .tasks.predictor import load_run  # tasks sit at the top of the package: imported on use

    return load_run(run_dir, trust_imports=trust_imports)


def generate(run, prompt: str = "", length: int = 200, **options):
    """Text from a trained language-model run (a folder, a `Run` or what `load` gives), streamed piece by piece: `options` are
    temperature, top_k, top_p and seed (see `rnnkit.tasks.lm.generate`)."""
    from .tasks import read_run  # tasks sit at the top of the package: imported on use
    from .tasks.lm import generate as generate_from
    from .errors import UserError

    run = getattr(run, "run", run)  # a `rnnkit.load` result holds its `Run`
    run = run if hasattr(run, "task") else read_run(run)
    if run.task.name != "lm":
        raise UserError(f"{run.path}: a run of task {run.task.name!r}; generate needs a language model (lm)")
    return generate_from(run, prompt, length, **options)


__all__ = ["cells", "layers", "models", "Recurrent", "Sequential", "generate", "load", "__version__"]
