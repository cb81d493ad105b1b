"""Text classification: `classify` (the user's own files) and `sentiment` (named datasets).

    rnnkit train classify --data reviews.csv --text-col review --label-col stars
    rnnkit train sentiment                               # IMDB
    rnnkit train sentiment --dataset chinese-reviews     # jieba words + characters
    rnnkit train sentiment --dataset movie-snippets      # short English texts (also vader-tweets)
    rnnkit predict RUN_DIR --input new.txt               # label and probability per line

Parts: `config` (the two configs), `data` (splits -> tokens -> ids), `model` (the classifier),
`train` (one model and the second view), `baseline` (the TF-IDF + logistic regression baseline every
run fits, reports beside its model and blends in when that helps on validation), `predict` (predict and
evaluate from a run folder).
"""
from __future__ import annotations

from pathlib import Path

from rnnkit.tasks.task import Task
from rnnkit.tasks.text.config import ClassifyConfig, SentimentConfig, TextPredictOptions


def run_classify(task: Task, config: ClassifyConfig, run_dir: Path, *, resume: bool = False,
                 quiet: bool = False) -> dict:
    """Train a text classifier on your own CSV/TSV/JSONL/Parquet file."""
    from rnnkit.tasks.report import printer  # imported on use: reading CLASSIFY imports no torch
    from rnnkit.tasks.text.data import file_splits, read_training_file
    from rnnkit.tasks.text.train import train_text_classifier

    config, training = read_training_file(config)
    for note in training.notes:
        printer(quiet)(f"{config.data}: {note}")
    splits, label_map, summary = file_splits(config, training)
    return train_text_classifier(task, config, splits, label_map, run_dir, summary, resume=resume, quiet=quiet)


def run_sentiment(task: Task, config: SentimentConfig, run_dir: Path, *, resume: bool = False,
                  quiet: bool = False) -> dict:
    """Sentiment analysis on a named dataset (IMDB by default), fetched on first use."""
    from rnnkit.tasks.text.data import dataset_splits  # imported on use: reading SENTIMENT imports no torch
    from rnnkit.tasks.text.train import train_text_classifier

    splits, label_map, summary = dataset_splits(config)
    return train_text_classifier(task, config, splits, label_map, run_dir, summary, resume=resume, quiet=quiet)


SHARED = {"predict": "rnnkit.tasks.text.predict:predict_texts", "evaluate": "rnnkit.tasks.text.predict:evaluate_texts",
          "summary": "rnnkit.tasks.text.model:describe", "run_notes": "rnnkit.tasks.text.predict:run_notes",
          "predict_options": TextPredictOptions}
"""What the two text tasks share: their functions by module path (`tasks.task.Function`) and predict flags."""
CLASSIFY = Task("classify", "train a text classifier on your own CSV/TSV/JSONL/Parquet file", ClassifyConfig,
                run_classify, **SHARED)
SENTIMENT = Task("sentiment", "sentiment analysis on IMDB, chinese-reviews, movie-snippets or vader-tweets, fetched on first use", SentimentConfig,
                 run_sentiment, **SHARED)
