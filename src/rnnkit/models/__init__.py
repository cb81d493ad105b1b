"""Models built from layers, registered by name so run folders rebuild them without pickles."""
from .registry import MODELS, build_model, model_config, register
from .sequential import Sequential
from . import classifier, forecaster, images, language_model, seq2seq, series_classifier, series_ensemble  # noqa: F401  (register the task models: run folders rebuild them by name)

__all__ = ["Sequential", "MODELS", "build_model", "model_config", "register"]
