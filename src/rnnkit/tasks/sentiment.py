"""`rnnkit train sentiment`: registered by `rnnkit.tasks.text_classification` (imported here by name)."""
from rnnkit.tasks.text_classification import SentimentConfig, evaluate_texts, predict_texts, run_sentiment

__all__ = ["SentimentConfig", "run_sentiment", "predict_texts", "evaluate_texts"]
