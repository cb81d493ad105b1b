"""Texts that repeat (a message logged by several programs, a review posted twice) stay on one side of the
validation split, and a test file that repeats training texts is told so: probes4's c_repeat.csv (2,000 messages,
1,000 of them twice) scored the baseline 0.9197 on validation texts it had trained on, 0.7933 on the same messages
without the repeats."""
from types import SimpleNamespace

import numpy as np

from rnnkit.tasks.text.data import repeats_note, with_validation

TEXTS = [f"message number {i}" for i in range(200)]
LABELS = np.arange(200) % 2
CONFIG = SimpleNamespace(validation_split=0.2, seed=0)  # what with_validation reads: a user's file


def test_a_repeated_text_is_held_out_whole():
    texts = TEXTS + TEXTS[:100] + [" message  number 3 "]  # a copy spaced differently is the same text
    labels = np.concatenate([LABELS, LABELS[:100], [1]])
    held = with_validation({"train": (texts, labels), "valid": None}, CONFIG)
    norm = lambda ts: {" ".join(t.split()) for t in ts}
    assert not norm(held["train"][0]) & norm(held["valid"][0])
    assert 0.15 < len(held["valid"][0]) / len(texts) < 0.25 and set(held["valid"][1]) == {0, 1}


def test_without_repeats_the_split_is_the_one_it_was():
    from rnnkit.data.splits import stratified_holdout
    held = with_validation({"train": (TEXTS, LABELS), "valid": None}, CONFIG)
    _, valid = stratified_holdout(LABELS, 0.2, CONFIG.seed)
    assert held["valid"][0] == [TEXTS[i] for i in valid]


def test_repeats_within_training_and_in_the_test_file_are_counted():
    texts, labels = TEXTS + TEXTS[:50], np.concatenate([LABELS, LABELS[:50]])
    splits = {"train": (texts, labels), "valid": None, "test": (TEXTS[150:] + ["new"] * 50, None)}
    note = repeats_note(splits, with_validation(splits, CONFIG))
    assert "50 of the 250 training texts repeat an earlier one" in note and "validation" not in note
    assert "of the 100 test texts are training texts" in note
    clean = {"train": (TEXTS, LABELS), "valid": None, "test": (["new"], None)}
    assert repeats_note(clean, with_validation(clean, CONFIG)) is None


def test_too_few_distinct_texts_to_hold_out_whole_split_their_copies_and_say_so():
    texts, labels = ["a film I loved", "dull and long"] * 20, np.array([1, 0] * 20)
    splits = {"train": (texts, labels), "valid": None}
    held = with_validation(splits, CONFIG)
    assert len(held["valid"][0]) == 8
    assert "8 of the 8 validation texts are training texts" in repeats_note(splits, held)


def test_a_named_dataset_keeps_its_recorded_split_whatever_repeats():
    from rnnkit.data.splits import stratified_holdout
    texts, labels = TEXTS + TEXTS[:100], np.concatenate([LABELS, LABELS[:100]])
    named = SimpleNamespace(validation_split=0.2, seed=0, dataset="imdb")
    held = with_validation({"train": (texts, labels), "valid": None}, named)
    _, valid = stratified_holdout(labels, 0.2, 0)
    assert held["valid"][0] == [texts[i] for i in valid]
