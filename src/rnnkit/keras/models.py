"""Keras' `Sequential` with `compile` / `fit` / `evaluate` / `predict`, as article 003 uses it:

    model.compile(optimizer='rmsprop', loss='binary_crossentropy', metrics=['acc'])
    history = model.fit(x_train, y_train, epochs=10, batch_size=128, validation_split=0.2)
    history.history['val_acc']; model.evaluate(x_test, y_test)   # -> [loss, acc]

Numerical stability: when the model ends in `Dense(1, activation='sigmoid')` and the loss is
binary cross-entropy (or `Dense(n, activation='softmax')` with a categorical cross-entropy), training
and evaluation use the Dense layer's pre-activation output with the logits form of the loss
(`binary_cross_entropy_with_logits` / `log_softmax`), which is exact and never overflows; the
numbers equal Keras' up to its 1e-7 clamp. Any other ending gets Keras' clamped cross-entropy on the
probabilities. `predict` always returns the model's real outputs (probabilities), as a NumPy array
(a tuple of two, forward and backward, for a model ending in `Bidirectional(..., merge_mode=None)`).

Keras' files: `load_model("model.keras" | "model.h5")`, `model.save("m.keras")`, `model.save_weights(
"m.weights.h5")` and `model.load_weights(...)` read and write what Keras 3 does (`rnnkit.keras.saving`).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch
from torch import nn

from rnnkit.models import Sequential as _Sequential
from rnnkit.training import History, Trainer
from rnnkit.training.callbacks import Callback

_LOGIT_PAIRS = {("sigmoid", "binary_crossentropy"), ("softmax", "categorical_crossentropy"),
                ("softmax", "sparse_categorical_crossentropy")}


class _Logits(nn.Module):
    """A view of a Sequential returning the pre-activation output of its last Dense layer."""

    def __init__(self, model: _Sequential):
        super().__init__()
        self.model = model

    def forward(self, x, lengths=None):
        return self.model.forward_logits(x, lengths)


class Sequential(_Sequential):
    """`rnnkit.models.Sequential` plus Keras' training methods (saved and rebuilt as "sequential")."""

    def compile(self, optimizer: str | Any = "rmsprop", loss: str | Any = "binary_crossentropy",
                metrics: Sequence[str] | None = None, lr: float | None = None, **trainer_options) -> None:
        """Choose optimizer, loss and metrics; extra options (clip_norm, schedule, ...) go to the Trainer."""
        self._compiled = {"optimizer": optimizer, "loss": loss, "metrics": list(metrics or []), "lr": lr,
                          **trainer_options}
        self._trainer: Trainer | None = None

    def _get_trainer(self, x: Any, callbacks=(), verbose: int = 1, run_dir=None) -> Trainer:
        if not hasattr(self, "_compiled"):
            raise RuntimeError("call model.compile(...) before fit/evaluate")
        if self._trainer is None:
            self._build_from(x)
            c = dict(self._compiled)
            loss, activation = c.pop("loss"), self.output_activation
            use_logits = isinstance(loss, str) and (activation, loss) in _LOGIT_PAIRS
            optimizer = c.pop("optimizer")
            if isinstance(optimizer, type) and issubclass(optimizer, torch.optim.Optimizer):
                optimizer = optimizer(self.parameters())
            self._trainer = Trainer(self, loss=loss, optimizer=optimizer, lr=c.pop("lr"), metrics=c.pop("metrics"),
                                    from_logits=use_logits, forward_module=_Logits(self) if use_logits else None,
                                    run_dir=run_dir, config={"task": "keras"}, **c)
        trainer = self._trainer
        trainer.callbacks = list(callbacks or [])
        trainer.quiet = verbose == 0 or not trainer.is_main
        if run_dir is not None:
            from rnnkit.io.run import RunDir

            trainer.run = RunDir(run_dir)
        return trainer

    def _build_from(self, x: Any) -> None:
        """Layers without an input shape build on the first batch: do it before the optimizer sees the parameters."""
        if any(shape is None for shape in self.output_shapes) and x is not None:
            sample = torch.as_tensor(np.asarray(x[:2]))
            with torch.no_grad():
                self.eval()
                self(sample.float() if sample.dtype == torch.float64 else sample)
                self.train()

    def fit(self, x=None, y=None, batch_size: int | None = None, epochs: int = 1, verbose: int = 1,
            callbacks: Sequence[Callback] | None = None, validation_split: float = 0.0, validation_data=None,
            shuffle: bool = True, run_dir: str | Path | None = None, resume: bool = False, seed: int | None = None) -> History:
        """Keras' fit; returns a History whose `.history` has 'loss', metrics and their 'val_' twins."""
        trainer = self._get_trainer(x, callbacks, verbose, run_dir)
        if seed is not None:
            trainer.seed = seed
        data = x if y is None else (x, y)
        if validation_data is not None and isinstance(validation_data, (tuple, list)) and len(validation_data) == 2:
            validation_data = tuple(validation_data)
        self.history = trainer.fit(data, epochs=epochs, batch_size=batch_size or 32, validation_data=validation_data,
                                   validation_split=validation_split, shuffle=shuffle, resume=resume)
        return self.history

    def evaluate(self, x=None, y=None, batch_size: int | None = None, verbose: int = 1) -> float | list[float]:
        """[loss, metric, ...] in compile order (only the loss when there are no metrics), as Keras."""
        trainer = self._get_trainer(x, verbose=verbose)
        logs = trainer.evaluate(x if y is None else (x, y), batch_size=batch_size or 32)
        values = [logs["loss"]] + [logs[m.name] for m in trainer.metrics]
        return values if len(values) > 1 else values[0]

    def predict(self, x, batch_size: int | None = None, verbose: int = 0) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """The model's outputs (probabilities after a final sigmoid/softmax) as a NumPy array."""
        from rnnkit.layers import Bidirectional
        from rnnkit.training import predict

        self._build_from(x)
        device = next(self.parameters()).device
        out = predict(self, x, batch_size=batch_size or 32, device=device)
        last = self.layers[-1]
        if isinstance(last, Bidirectional) and last.merge_mode is None:
            return tuple(part.numpy() for part in last.split_outputs(out))
        return out.numpy()

    def save(self, filepath: str | Path) -> Path:
        """Keras' `model.save("m.keras")`: a file Keras 3's `keras.saving.load_model` opens."""
        from rnnkit.keras.saving import save_model

        return save_model(self, filepath)

    def save_weights(self, filepath: str | Path) -> Path:
        """Keras' `model.save_weights("m.weights.h5")`."""
        from rnnkit.keras.saving import save_weights

        return save_weights(self, filepath)

    def load_weights(self, filepath: str | Path) -> None:
        """Keras' `model.load_weights(...)`: a `.weights.h5`, `.keras` or legacy `.h5` file of the same layers."""
        from rnnkit.keras.saving import load_weights

        load_weights(self, filepath)


def load_model(filepath: str | Path) -> Sequential:
    """Keras' `load_model`: a `.keras` or legacy `.h5` Keras file as an rnnkit Keras-style Sequential."""
    from rnnkit.keras.saving import load_model as load

    return load(filepath)
