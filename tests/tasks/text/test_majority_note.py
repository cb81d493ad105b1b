"""A classify run's accuracy line says when always predicting the most frequent class scores as well: 15 texts of
a rare class in 1,500 printed "acc=0.9867" for a run that never predicted it, without a word (probes6)."""
import numpy as np

from rnnkit.tasks.text.train import majority_note


def test_the_accuracy_line_names_the_most_frequent_class_share_where_the_run_does_no_better():
    labels = np.array([0] * 148 + [1] * 2)
    assert "always predicting the most frequent class scores 0.9867 too" in majority_note(labels, 148 / 150)
    assert majority_note(labels, 149 / 150) == ""  # one rare text found
    assert majority_note(np.array([0, 1, 2, 2]), 0.75) == ""
