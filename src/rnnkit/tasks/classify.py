"""`rnnkit train classify`: registered by `rnnkit.tasks.text_classification` (imported here by name)."""
from rnnkit.tasks.text_classification import ClassifyConfig, evaluate_texts, predict_texts, run_classify

__all__ = ["ClassifyConfig", "run_classify", "predict_texts", "evaluate_texts"]
