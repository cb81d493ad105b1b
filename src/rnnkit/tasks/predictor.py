"""A trained run as a Python object: `rnnkit.load(RUN)`.

    run = rnnkit.load("runs/sentiment-...")
    run.predict(["a wonderful film", "dull and far too long"])   # the records `rnnkit predict` prints
    run.predict(file="reviews.csv")                                # any file `rnnkit predict --input` reads
    run.model, run.config, run.task                                # the nn.Module, the typed config, the task
    rnnkit.load("runs/lm-...").generate("the ", length=100)       # a language model writes instead

Records are the CLI's because they come from the same function, the task's `predict`: inputs held in
memory are first written, in the format `rnnkit predict --input` reads, to a temporary file that is
removed afterwards (texts, sentences and seq2seq sources one per line, a text's own line breaks read
as spaces; a series classifier's series as a .ts file; images and arrays as .npy; a forecaster's recent
history, a pandas DataFrame with the training file's columns, as CSV). Task options are the keywords
`rnnkit predict RUN --help` lists (`run.predict(sources, beam=5)`).

For code written when `rnnkit.load` returned the bare model, a `LoadedRun` still calls like it and
hands every other attribute to it (`run(x)`, `run.eval()`, `run.state_dict()`); `run.model` is the
module itself (what `isinstance(..., nn.Module)` needs).
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, Iterable, Iterator

import numpy as np

from rnnkit.errors import UserError
from rnnkit.tasks.config import make_config
from rnnkit.tasks.task import Run

TEXT_TASKS = ("sentiment", "classify", "tag", "seq2seq")
"""Tasks whose inputs are lines of text (one text, sentence or source per line)."""


class LoadedRun:
    """A run folder read back, ready to predict; see the module docstring."""

    def __init__(self, run: Run):
        self.run = run
        self._model = None

    # ---- what a run is ----------------------------------------------------------------------------
    @property
    def path(self) -> Path:
        return self.run.path

    @property
    def task(self):
        return self.run.task

    @property
    def config(self):
        """The typed config the run was trained with (the task's config dataclass)."""
        return self.run.config

    @property
    def model(self):
        """The trained model, in eval mode (loaded on first use)."""
        if self._model is None:
            self._model = self.run.task.model_of(self.run)
        return self._model

    def __repr__(self) -> str:
        return f"LoadedRun({str(self.path)!r}, task={self.task.name!r})"

    # ---- predicting -------------------------------------------------------------------------------
    def predict(self, inputs: Any = None, *, file: str | os.PathLike | None = None, **options: Any) -> list:
        """The records `rnnkit predict RUN --input FILE [options]` prints (dicts, or strings for formats
        such as CoNLL), for `inputs` held in memory or for `file`."""
        return list(self.iter_predict(inputs, file=file, **options))

    def iter_predict(self, inputs: Any = None, *, file: str | os.PathLike | None = None,
                     **options: Any) -> Iterator[dict | str]:
        """`predict`'s records one at a time, as the task streams them."""
        task = self.task
        if task.predict is None:
            hint = ": call generate(prompt) instead" if task.name == "lm" else ""
            raise UserError(f"a {task.name} run has no predict{hint}")
        if inputs is not None and file is not None or inputs is None and file is None and not task.own_input:
            raise UserError("predict takes inputs or file=PATH (one of them)")
        settings = None
        if task.predict_options is not None:
            settings = make_config(task.predict_options, options)
        elif options:
            raise UserError(f"a {task.name} run's predict takes no options, got {', '.join(options)}")
        if inputs is None:  # a file, or (own_input) none: the run's own data
            yield from task.predict(self.run, None if file is None else str(file), settings)
            return
        with tempfile.TemporaryDirectory(prefix="rnnkit-predict-") as folder:
            path = write_inputs(task.name, inputs, Path(folder))
            yield from task.predict(self.run, str(path), settings)

    def generate(self, prompt: str = "", length: int = 200, **options: Any) -> str:
        """A language-model run's text after `prompt` (options: temperature, top_k, top_p, seed), whole."""
        from rnnkit import generate

        return "".join(generate(self.run, prompt, length, **options))

    # ---- the bare model's behaviour, kept for code written against it ------------------------------
    def __call__(self, *args: Any, **kwargs: Any):
        return self.model(*args, **kwargs)

    def __getattr__(self, name: str):
        if name.startswith("_") or name == "run":  # not found on the object itself: never the model's privates
            raise AttributeError(name)
        return getattr(self.model, name)


def load_run(path: str | os.PathLike, *, trust_imports: bool = False) -> LoadedRun:
    """The run folder at `path` as a `LoadedRun` (`trust_imports`: see `rnnkit.tasks.runs.check_imports`)."""
    from rnnkit.tasks.registry import read_run

    return LoadedRun(read_run(path, trust_imports=trust_imports))


def write_inputs(task: str, inputs: Any, folder: Path) -> Path:
    """`inputs` written into `folder` as the file `rnnkit predict --input` reads for `task`."""
    if task in TEXT_TASKS:
        lines = [inputs] if isinstance(inputs, str) else [_line(item) for item in _items(inputs, task)]
        if any(not line.strip() for line in lines):
            raise UserError(f"predict: an empty text among the inputs (the {task} task reads one per line)")
        return _text(folder / "inputs.txt", "".join(" ".join(line.splitlines()) + "\n" for line in lines))
    if task == "classify-series":
        return _text(folder / "inputs.ts", ts_text([np.asarray(s, dtype=np.float64) for s in _items(inputs, task)]))
    if task == "forecast":
        if not hasattr(inputs, "to_csv"):
            raise UserError("predict: a forecast run reads a pandas DataFrame with the training file's columns "
                            f"(time column included), got {type(inputs).__name__}")
        path = folder / "inputs.csv"
        inputs.to_csv(path, index=False)
        return path
    path = folder / "inputs.npy"  # images, arrays
    np.save(path, np.asarray(inputs))
    return path


def _items(inputs: Any, task: str) -> list:
    if isinstance(inputs, (str, bytes)) or not isinstance(inputs, Iterable):
        raise UserError(f"predict: a {task} run reads a list of inputs, got {type(inputs).__name__}")
    return list(inputs)


def _line(item: Any) -> str:
    """A text, or a sentence given as its tokens (joined by spaces)."""
    if isinstance(item, str):
        return item
    if isinstance(item, (list, tuple)) and all(isinstance(t, str) for t in item):
        return " ".join(item)
    raise UserError(f"predict: expected texts (str) or token lists, got {type(item).__name__}")


def ts_text(series: list[np.ndarray]) -> str:
    """Series ((T,) or (T, C) each) as an unlabelled .ts file (`rnnkit.data.ts_format`)."""
    series = [s.reshape(-1, 1) if s.ndim == 1 else s for s in series]
    if not series or any(s.ndim != 2 or not len(s) for s in series):
        raise UserError("predict: a series classifier reads a list of series, each (T,) or (T, channels), T >= 1")
    channels = series[0].shape[1]
    rows = [":".join(",".join(repr(float(v)) for v in s[:, c]) for c in range(channels)) for s in series]
    header = (f"@problemName predict\n@univariate {'true' if channels == 1 else 'false'}\n@dimensions {channels}\n"
              "@equalLength false\n@classLabel false\n@data\n")
    return header + "\n".join(rows) + "\n"


def _text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
