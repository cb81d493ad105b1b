"""Re-score a trained text run's blend under three weight rules, without training: validation log loss (the
default), log loss after temperature-scaling each member on validation (Guo et al. 2017), and accuracy. The
weight is chosen with the first model's validation probabilities (as the run does); the test accuracy is that
of all the run's models averaged and blended at each weight. Diagnostic only: the test figures choose nothing.

    python benchmarks/tasks/text_blend_rules.py RUN_DIR [RUN_DIR ...]
"""
from __future__ import annotations

import argparse

import numpy as np
from scipy.optimize import minimize_scalar

from rnnkit.io.run import load
from rnnkit.models.blend import best_weight, blend
from rnnkit.tasks.registry import read_run
from rnnkit.tasks.text.baseline import accuracy, choose_weight, log_loss
from rnnkit.tasks.text.data import dataset_splits, with_validation
from rnnkit.tasks.text.model import predict_proba
from rnnkit.tasks.text.predict import encode_like_run, load_blend, run_members


def tempered(probs: np.ndarray, temperature: float) -> np.ndarray:
    """softmax(log p / T): T > 1 flattens, T < 1 sharpens."""
    logits = np.log(np.clip(probs, 1e-12, None)) / temperature
    e = np.exp(logits - logits.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def temperature(probs: np.ndarray, labels: np.ndarray) -> float:
    """The T of lowest log loss on (probs, labels)."""
    return minimize_scalar(lambda t: log_loss(tempered(probs, t), labels), bounds=(0.05, 20), method="bounded").x


def members_proba(members, texts: list[str]) -> np.ndarray:
    return sum(predict_proba(load(m.path), encode_like_run(m, texts)) for m in members) / len(members)


def rescore(run_dir: str) -> None:
    run = read_run(run_dir)
    splits, _, _ = dataset_splits(run.config)
    valid_texts, valid_labels = with_validation(splits, run.config)["valid"]
    valid_labels = np.asarray(valid_labels)
    members = run_members(run)
    baseline, _ = load_blend(run)
    model_v, baseline_v = members_proba(members[:1], list(valid_texts)), baseline.predict_proba(list(valid_texts))
    t_model, t_baseline = temperature(model_v, valid_labels), temperature(baseline_v, valid_labels)
    print(f"{run_dir}: validation accuracy model {accuracy(model_v, valid_labels):.4f}, baseline "
          f"{accuracy(baseline_v, valid_labels):.4f}; temperature model {t_model:.3f}, baseline {t_baseline:.3f}")
    rules = {"log loss": (choose_weight(model_v, baseline_v, valid_labels), 1.0, 1.0),
             "calibrated log loss": (choose_weight(tempered(model_v, t_model), tempered(baseline_v, t_baseline),
                                                   valid_labels), t_model, t_baseline),
             "accuracy": (best_weight(lambda w: -accuracy(blend(model_v, baseline_v, w), valid_labels)), 1.0, 1.0)}
    test_texts, test_labels = splits["test"]
    model_t, baseline_t = members_proba(members, list(test_texts)), baseline.predict_proba(list(test_texts))
    for name, (weight, t_m, t_b) in rules.items():
        test = blend(tempered(model_t, t_m), tempered(baseline_t, t_b), weight)
        print(f"  {name}: weight {weight:g}, test accuracy {accuracy(test, np.asarray(test_labels)):.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+")
    for run_dir in parser.parse_args().runs:
        rescore(run_dir)


if __name__ == "__main__":
    main()
