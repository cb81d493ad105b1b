"""The run's description: report.md's text and config.json's contents."""
from torch import nn

from rnnkit.training import Trainer, seed_everything
from rnnkit.training.report import run_config
from testkit.tiny_models import TinyLSTMClassifier, first_token_task


def test_a_report_before_any_fit_says_what_is_not_known_yet():
    trainer = Trainer(nn.Linear(3, 2), quiet=True, data_summary={"source": "none"})
    text = trainer.report({})
    assert "- batch size: ?" in text and "- epochs run: 0" in text and "- source: none" in text


def test_the_report_after_fit_has_the_final_metrics_and_settings():
    seed_everything(0)
    trainer = Trainer(TinyLSTMClassifier(), optimizer="sgd", quiet=True)
    trainer.fit(first_token_task(32), epochs=2, batch_size=8)
    text = trainer.report(trainer.final_logs, title="tiny")
    assert text.startswith("# tiny\n")
    assert "| acc |" in text and "- train samples: 32" in text
    for line in ("- epochs run: 2", "- optimizer steps: 8", "- batch size: 8", "- optimizer: sgd",
                 "- loss: sparse_categorical_crossentropy"):
        assert line in text


def test_run_config_keeps_the_callers_config_and_the_training_settings():
    trainer = Trainer(nn.Linear(3, 2), config={"task": "demo"}, seed=4, clip_norm=1.0, quiet=True)
    config = run_config(trainer, epochs=3, validation_split=0.2, shuffle=False)
    assert config["task"] == "demo" and config["model"] is None  # an unregistered model
    training = config["training"]
    assert (training["epochs"], training["seed"], training["clip_norm"], training["shuffle"]) == (3, 4, 1.0, False)
