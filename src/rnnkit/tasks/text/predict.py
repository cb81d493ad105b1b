"""Predicting and evaluating with a trained text run: each of its models reads new texts with its own
tokenizer and cut, and the run's class probabilities are the average over its models (the model in
the run folder and, with a second view, the one in <run>/second-view), blended with the run's baseline
by the run's blend weight and scaling (`baseline`)."""
from __future__ import annotations

import codecs
import sys
from contextlib import nullcontext
from itertools import chain, islice
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from rnnkit.data import LabelMap, Vocabulary, load_dataset, read_texts
from rnnkit.data.readers import encoding_name, file_encoding, refuse_binary, table_suffix
from rnnkit.data.text import encode_tokens, tokenize_all
from rnnkit.errors import UserError
from rnnkit.io.run import load
from rnnkit.tasks.runs import read_labels, read_run
from rnnkit.tasks.task import Run
from rnnkit.tasks.text.baseline import BASELINE_JSON, load_blend, name_of
from rnnkit.tasks.text.config import TextPredictOptions
from rnnkit.tasks.text.data import LABELS_FILE, TABLE_SUFFIXES, VOCAB_FILE, is_table, read_inputs
from rnnkit.tasks.text.model import SECOND_VIEW_DIR, predict_proba, scores, second_view_tokenizer
from rnnkit.training.class_report import class_report


def run_second_view(run: Run) -> str | None:
    """The second model's tokenizer as resolved at training time (runs before it was recorded: the rule
    without the length test, as they were trained)."""
    facts = run.saved.get("data") or {}
    if "second_view" in facts:
        return None if facts["second_view"] == "none" else facts["second_view"]
    return second_view_tokenizer(run.config.second_view, run_tokenizer(run))


def run_tokenizer(run: Run) -> str:
    """The tokenizer a run's texts were read with ("auto" as resolved at training time)."""
    facts = run.saved.get("data") or run.saved.get("text") or {}  # "text": run folders before the typed config
    if "tokenizer" not in facts:
        raise UserError(f"{run.file('config.json')}: not a text-classification run (no tokenizer recorded)")
    return facts["tokenizer"]


def run_members(run: Run) -> list[Run]:
    """The run and, with a second view, its second model's run."""
    members = [run]
    if run_second_view(run) is not None:
        member = run.path / SECOND_VIEW_DIR
        if not (member / "model.safetensors").is_file():
            raise UserError(f"{member}: the run's second model is missing (was training stopped? "
                            f"resume it with --resume --run-dir {run.path})")
        members.append(read_run(member, run.task))
    return members


def run_notes(run: Run) -> list[str]:
    """What `rnnkit summary` says about how the run predicts: the models it averages, the baseline it blends in."""
    notes = [f"predictions average this model with {m.path}" for m in run_members(run)[1:]]
    blended = load_blend(run)
    if blended is not None:
        notes.append(f"predictions blend in the {name_of(blended[0])} baseline ({run.file(BASELINE_JSON)}), "
                     f"{blended[1].describe()}")
    return notes


def encode_like_run(run: Run, texts: list[str]) -> list[np.ndarray]:
    """Token ids of new texts, tokenized and cut as the run's training texts were."""
    vocab = Vocabulary.load(run.file(VOCAB_FILE))
    return encode_tokens(tokenize_all(texts, run_tokenizer(run)), vocab, run.config.maxlen, run.config.truncating)


def run_proba(run: Run, texts: list[str]) -> tuple[np.ndarray, LabelMap]:
    """(N, K) class probabilities of a run for new texts, averaged over its models and blended with its
    baseline's by the run's weight and scaling, and its label map."""
    members = run_members(run)
    probs = sum(predict_proba(load(m.path), encode_like_run(m, texts)) for m in members) / len(members)
    blended = load_blend(run)
    if blended is not None:
        baseline, chosen = blended
        probs = chosen.apply(probs, baseline.predict_proba(texts) if chosen.weight else None)
    return probs, read_labels(run, LABELS_FILE)


PREDICT_CHUNK = 10_000
"""Texts read, predicted and yielded at a time: memory stays flat however long the input is."""


def predict_texts(run: Run, inputs: str, options: TextPredictOptions | None = None) -> Iterator[dict[str, Any]]:
    """Label and probability for each input text (one per line, or a table's text column), streamed:
    a chunk of lines is read, predicted and yielded before the next is read."""
    text_col = (options.text_col if options is not None else None) or getattr(run.config, "text_col", "text")
    texts = stream_inputs(inputs, text_col, getattr(run.config, "encoding", "utf-8"),
                          given=options is not None and options.text_col is not None)
    while chunk := list(islice(texts, PREDICT_CHUNK)):
        probs, label_map = run_proba(run, chunk)
        for t, k, p in zip(chunk, probs.argmax(1), probs):
            yield {"text": t, "label": label_map.labels[k], "probability": round(float(p[k]), 6)}


def stream_inputs(inputs: str, text_col: str, encoding: str = "utf-8", given: bool = False) -> Iterator[str]:
    """`read_inputs`' texts one at a time: stdin and .txt lines read lazily (as read_inputs splits them);
    a table file (CSV, Parquet...) is read whole by its reader (`given`: `text_col` was asked for by name, so
    a one-column table of another name is an error). Files are decoded with the run's encoding."""
    if inputs != "-" and (is_table(Path(inputs)) or Path(inputs).is_dir()):  # read_inputs names a folder too
        yield from read_inputs(inputs, text_col, encoding, only_column=not given)
        return
    if inputs != "-" and not Path(inputs).is_file():
        raise UserError(f"{inputs}: input file not found")
    source, found, offset = ("stdin" if inputs == "-" else inputs), False, 0
    if inputs != "-":
        with open(inputs, "rb") as f:
            head = f.read(4096)
        encoding = file_encoding(head[:4], encoding)  # a byte order mark's (UTF-16), and dropped
    with (nullcontext(getattr(sys.stdin, "buffer", sys.stdin)) if inputs == "-" else open(inputs, "rb")) as f:
        decoder, pending = codecs.getincrementaldecoder("utf-8" if inputs == "-" else encoding)(), ""
        for raw in chain(f, [b""]):  # pieces end at the byte 0x0a, which in UTF-16 may be half a character
            try:
                piece = decoder.decode(raw, final=not raw) if isinstance(raw, bytes) else raw
            except UnicodeDecodeError as err:
                if inputs != "-":
                    refuse_binary(Path(inputs), head)
                raise UserError(f"{source}: byte offset {max(0, offset + err.start - len(err.object) + len(raw))}: "
                                f"not valid {encoding_name('utf-8' if inputs == '-' else encoding)} text") from None
            offset += len(raw)
            lines = (pending + piece).splitlines(keepends=True)
            pending = lines.pop() if raw and lines and lines[-1].splitlines()[0] == lines[-1] else ""  # line open
            for text in lines:
                if text.strip():
                    found = True
                    yield text.splitlines()[0]
    if not found:
        raise UserError(f"{source}: no text to classify (one text per line expected)")


def evaluate_texts(run: Run, data: str | None = None) -> dict[str, float]:
    """Accuracy and loss on `data` (a labelled file) or on the run's own test set."""
    config = run.config
    text_col, label_col = getattr(config, "text_col", "text"), getattr(config, "label_col", "label")
    label_map = read_labels(run, LABELS_FILE)
    test_file = data or getattr(config, "test_data", None)
    if test_file is not None:  # read as the run read its own files: their encoding, and format where no suffix says
        fmt = None if table_suffix(Path(test_file)) in TABLE_SUFFIXES else getattr(config, "format", None)
        table = read_texts(test_file, text_col, label_col, fmt=fmt, encoding=getattr(config, "encoding", "utf-8"))
        texts, labels = table.texts, label_map.encode(table.labels, table)
    elif hasattr(config, "dataset"):
        split = load_dataset(config.dataset, config.cache_dir).test
        texts, labels = split.texts, np.asarray(split.labels)
    else:
        raise UserError(f"{run.path}: the run has no test set; pass --data FILE with columns "
                        f"{text_col!r} and {label_col!r}")
    probs = run_proba(run, texts)[0]
    return {**scores(probs, labels), "samples": len(texts),
            "classes": class_report(labels, probs.argmax(1), [str(n) for n in label_map.labels])}
