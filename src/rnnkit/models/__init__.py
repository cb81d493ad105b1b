"""Models built from layers, registered by name so run folders rebuild them without pickles.

`choices` holds the choices configs offer (cells, attention scores...): it imports nothing, so a config
reads them without importing torch. The package's names are imported on first use (`rnnkit.lazy`)."""
from rnnkit.lazy import lazy_names

REGISTERING = ("classifier", "forecaster", "images", "language_model", "seq2seq", "sequential", "series_classifier",
               "series_ensemble", "tagger")
"""The modules that register the task models, imported before any name of the package is read (and by
`registry.build_model` before it says a name is unknown): run folders rebuild those models by name."""

__all__ = ["Sequential", "MODELS", "build_model", "model_config", "register"]
__getattr__, __dir__ = lazy_names(__name__, {"Sequential": "sequential", "MODELS": "registry",
                                             "build_model": "registry", "model_config": "registry",
                                             "register": "registry"}, before=REGISTERING)
