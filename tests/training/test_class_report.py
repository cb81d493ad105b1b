"""The per-class report against scikit-learn, its tables, and the confusion matrix picture."""
import json

import numpy as np
import pytest
import torch
from sklearn.metrics import classification_report, confusion_matrix

from rnnkit.training.class_report import (class_report, class_report_markdown, class_report_text,
                                          confusion_figure, plot_confusion_matrix)

NAMES = ["neg", "neutral", "pos"]


def three_classes(n=120, seed=0):
    g = np.random.default_rng(seed)
    true = g.choice(3, n, p=[0.5, 0.3, 0.2])
    pred = np.where(g.random(n) < 0.6, true, g.integers(0, 3, n))
    return true, pred


def test_three_classes_match_scikit_learn_and_are_json():
    true, pred = three_classes()
    report = class_report(true, pred, NAMES)
    sk = classification_report(true, pred, output_dict=True, zero_division=0)
    assert [c["name"] for c in report["classes"]] == NAMES
    for c in report["classes"]:
        for key, sk_key in (("precision", "precision"), ("recall", "recall"), ("f1", "f1-score"), ("support", "support")):
            assert c[key] == pytest.approx(sk[str(c["index"])][sk_key])
    for average in ("macro", "weighted"):
        for key, sk_key in (("precision", "precision"), ("recall", "recall"), ("f1", "f1-score")):
            assert report[average][key] == pytest.approx(sk[f"{average} avg"][sk_key])
    assert report["accuracy"] == pytest.approx(sk["accuracy"]) and report["samples"] == 120
    assert report["confusion_matrix"] == confusion_matrix(true, pred).tolist()
    assert report["labels"] == NAMES and report["absent"] == []
    assert json.loads(json.dumps(report)) == report


def test_tensors_padding_and_absent_classes():
    true = torch.tensor([[0, 2, 2, -100], [2, 0, 3, -100]])  # (B, T) with padding, as a tagger's targets
    pred = torch.tensor([[0, 2, 3, 1], [2, 2, 3, 4]])
    report = class_report(true, pred, ["a", "b", "c", "d", "e"])
    t, p = np.array([0, 2, 2, 2, 0, 3]), np.array([0, 2, 3, 2, 2, 3])
    sk = classification_report(t, p, output_dict=True, zero_division=0)  # its labels: the classes present
    assert report["labels"] == ["a", "c", "d"] and report["absent"] == ["b", "e"]
    assert report["macro"]["f1"] == pytest.approx(sk["macro avg"]["f1-score"])
    assert report["samples"] == 6 and report["confusion_matrix"] == confusion_matrix(t, p).tolist()
    assert class_report([1.0, 0.0], [1, 1])["labels"] == ["0", "1"]  # whole floats are indices; default names


@pytest.mark.parametrize("args, kwargs, message", [
    (([0, 1], [0]), {}, "y_true has 2 values and y_pred 1"),
    (([0, 3], [0, 1]), {"class_names": NAMES}, "y_true holds class index 3; expected 0..2"),
    (([0, 1], [0, -1]), {}, "y_pred holds class index -1"),
    (([0, 1], [0, 1]), {"class_names": NAMES, "num_classes": 2}, "3 class names for 2 classes"),
    (([-100], [0]), {}, "no samples"),
    (([0.5], [0]), {}, "must be class indices"),
])
def test_bad_input_is_named(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        class_report(*args, **kwargs)


def test_markdown_and_text_tables():
    true, pred = three_classes()
    report = class_report(true, pred, NAMES)
    md = class_report_markdown(report, picture="confusion.png")
    rows = [line for line in md.splitlines() if line.startswith("| ")]
    assert rows[0] == "| class | precision | recall | F1 | support |"
    assert [r.split(" | ")[0][2:] for r in rows[1:6]] == ["neg", "neutral", "pos", "macro avg", "weighted avg"]
    neg = report["classes"][0]
    assert rows[1] == f"| neg | {neg['precision']:.4f} | {neg['recall']:.4f} | {neg['f1']:.4f} | {neg['support']} |"
    assert f"- accuracy: {report['accuracy']:.4f} on 120 samples" in md
    matrix = report["confusion_matrix"]
    assert "| true \\ predicted | neg | neutral | pos |" in md and f"| pos | {' | '.join(map(str, matrix[2]))} |" in md
    assert md.rstrip().endswith("![confusion matrix](confusion.png)")
    text = class_report_text(report).splitlines()
    assert text[0].split() == ["class", "precision", "recall", "f1", "support"]
    assert text[1].split() == ["neg", f"{neg['precision']:.4f}", f"{neg['recall']:.4f}", f"{neg['f1']:.4f}", str(neg["support"])]
    assert text[-1].split() == ["pos", *map(str, matrix[2])]
    assert len({len(line) for line in text[:6]}) == 1  # aligned columns


def many_classes(k=45, n=3000, seed=1):
    g = np.random.default_rng(seed)
    true = g.zipf(1.4, n) % k
    pred = np.where(g.random(n) < 0.7, true, g.integers(0, k, n))
    return class_report(true, pred, [f"c{i}" for i in range(k)])


def test_many_classes_cap_the_tables_and_the_picture(tmp_path):
    report = many_classes()
    n = len(report["labels"])
    assert n > 30
    md = class_report_markdown(report, max_rows=10)
    assert len([line for line in md.splitlines() if line.startswith("| ")]) == 1 + 10 + 2  # no matrix table
    assert f"- {n - 10} classes are less frequent and not listed" in md
    support = np.array(report["confusion_matrix"]).sum(1)
    top = sorted(np.argsort(-support, kind="stable")[:30])
    ax = confusion_figure(report).axes[0]
    assert ax.get_title().startswith(f"Confusion matrix, the 30 most frequent of {n} classes")
    assert [t.get_text() for t in ax.get_xticklabels()] == [report["labels"][i] for i in top]
    path = plot_confusion_matrix(report, tmp_path / "confusion.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and [p.name for p in tmp_path.iterdir()] == ["confusion.png"]


def test_the_picture_shares_are_of_each_true_class():
    report = class_report([0, 0, 0, 1], [0, 0, 1, 1], ["a", "b"])
    ax = confusion_figure(report).axes[0]
    assert ax.get_images()[0].get_array().tolist() == [[2 / 3, 1 / 3], [0.0, 1.0]]
    assert sorted(t.get_text() for t in ax.texts) == ["0", "1", "1", "2"]
    assert ax.get_title().startswith("Confusion matrix, 2 classes")


def test_from_model_outputs_through_class_predictions():
    """What a task does with `trainer.predict`'s outputs: one binary logit column, or class scores."""
    from rnnkit.training.metrics import class_predictions

    g = torch.Generator().manual_seed(0)
    logits, y = torch.randn(40, 1, generator=g), torch.randint(0, 2, (40,), generator=g)
    pred, true = class_predictions(logits, y, from_logits=True)
    report = class_report(true, pred, ["no", "yes"])
    assert report["confusion_matrix"] == confusion_matrix(y.numpy(), (logits[:, 0] > 0).long().numpy()).tolist()
    scores, tags = torch.randn(2, 5, 4, generator=g), torch.randint(0, 4, (2, 5), generator=g)
    tags[1, 3:] = -100  # padded steps of a tagger's (B, T) targets
    pred, true = class_predictions(scores, tags, from_logits=True)
    assert class_report(true, pred, list("abcd"))["samples"] == 8
