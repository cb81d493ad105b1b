"""Each task on tiny data, as `rnnkit train` arguments: the crash-safety and determinism tests train them.

Each function writes its data into `folder` and returns the command line after `rnnkit` (paths relative
to `folder`, where the command runs); `as_overrides` turns one into the library's config overrides.
"""
import json
from pathlib import Path

import numpy as np
from safetensors.torch import load_file

from testkit.tiny_models import first_token_task


def arrays_task(folder: Path) -> list[str]:
    x, y = first_token_task(96)
    xt, yt = first_token_task(40, seed=1)
    np.savez(folder / "data.npz", x_train=x, y_train=y, x_test=xt, y_test=yt)
    config = {"task": "arrays", "data": "data.npz", "model": {"name": "tiny_lstm_classifier", "hidden": 8},
              "imports": ["testkit.tiny_models"], "epochs": 3, "batch_size": 16, "lr": 0.03,
              "validation_split": 0.25, "checkpoint_every": 2, "schedule": "cosine"}
    (folder / "cfg.json").write_text(json.dumps(config))
    return ["train", "cfg.json"]  # 72 training samples: 5 steps an epoch, 15 in all


def classify_task(folder: Path) -> list[str]:
    """A text run with a second model (character view, 1 epoch) and a test set: the pair of models."""
    rng = np.random.default_rng(0)
    words = {"pos": ["great", "loved"], "neg": ["awful", "boring"]}
    filler = ["the", "movie", "was", "a", "plot"]

    def rows(n):
        labels = ["pos" if i % 2 else "neg" for i in range(n)]
        texts = [" ".join([*rng.choice(filler, 3), rng.choice(words[label])]) for label in labels]
        return "text,label\n" + "".join(f"{t},{l}\n" for t, l in zip(texts, labels))

    (folder / "train.csv").write_text(rows(80))
    (folder / "test.csv").write_text(rows(20))
    return ["train", "classify", "--data", "train.csv", "--test-data", "test.csv", "--epochs", "2",
            "--batch-size", "16", "--embedding-dim", "8", "--hidden-size", "8", "--embedding-init", "random",
            "--second-view", "chars", "--second-view-epochs", "1", "--checkpoint-every", "2",
            "--fast", "fused", "--lr", "0.03"]
    # 72 training texts after the 10% held out: 5 steps an epoch; first model 10 steps, second 5


def mnist_task(folder: Path) -> list[str]:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, 64)
    x = rng.random((64, 28, 28), dtype=np.float32) * 0.2
    for i, c in enumerate(y):
        x[i, 2 * c:2 * c + 3] += 0.8
    np.savez(folder / "digits.npz", x_train=x[:48].reshape(48, 784), y_train=y[:48],
             x_test=x[48:].reshape(16, 784), y_test=y[48:])
    return ["train", "mnist", "--data", "digits.npz", "--mode", "rows", "--hidden-size", "8", "--epochs", "2",
            "--batch-size", "16", "--max-shift", "0", "--checkpoint-every", "2", "--fast", "fused"]


def tag_task(folder: Path) -> list[str]:
    """NER in CoNLL columns (BIO): a person, a verb, a place; a CRF over a BiLSTM."""
    rng = np.random.default_rng(0)

    def sentences(n):
        rows = []
        for _ in range(n):
            rows.append([(rng.choice(["John", "Mary", "Alice"]), "B-PER"), (rng.choice(["lives", "works"]), "O"),
                         ("in", "O"), (rng.choice(["Paris", "Rome"]), "B-LOC"), (".", "O")])
        return "".join("".join(f"{w}\t{t}\n" for w, t in s) + "\n" for s in rows)

    (folder / "train.conll").write_text(sentences(40))
    (folder / "test.conll").write_text(sentences(8))
    return ["train", "tag", "--data", "train.conll", "--test-data", "test.conll", "--epochs", "2", "--batch-size",
            "8", "--embedding-dim", "8", "--hidden-size", "8", "--char-features", "false", "--fast", "fused"]


def lm_task(folder: Path) -> list[str]:
    """A character model of a repeated line, truncated BPTT with the state carried over."""
    line = "the quick brown fox jumps over the lazy dog\n"
    (folder / "train.txt").write_text(line * 12)
    (folder / "valid.txt").write_text(line * 2)
    (folder / "test.txt").write_text(line * 2)
    return ["train", "lm", "--data", "train.txt", "--valid-data", "valid.txt", "--test-data", "test.txt", "--level", "char",
            "--epochs", "2", "--batch-size", "4", "--bptt", "8", "--embedding-dim", "8", "--hidden-size", "16",
            "--num-layers", "1", "--optimizer", "adam", "--lr", "0.01", "--fast", "fused"]


def seq2seq_task(folder: Path) -> list[str]:
    """Reversing short words, character by character, with attention and a beam of 2."""
    rng = np.random.default_rng(0)

    def pairs(n):
        words = ["".join(rng.choice(list("abcd"), rng.integers(2, 6))) for _ in range(n)]
        return "source\ttarget\n" + "".join(f"{w}\t{w[::-1]}\n" for w in words)

    (folder / "pairs.tsv").write_text(pairs(48))
    (folder / "pairs-test.tsv").write_text(pairs(8))
    return ["train", "seq2seq", "--data", "pairs.tsv", "--test-data", "pairs-test.tsv", "--target-tokens", "chars",
            "--epochs", "2", "--batch-size", "16", "--embedding-dim", "8", "--hidden-size", "8", "--beam", "2",
            "--fast", "fused"]


def forecast_task(folder: Path) -> list[str]:
    """A noisy daily cycle of hourly values, 6 hours ahead from the last day."""
    rng = np.random.default_rng(0)
    t = np.arange(240)
    load = np.sin(2 * np.pi * t / 24) + 0.05 * rng.normal(size=len(t))
    times = np.datetime64("2024-01-01T00:00") + t.astype("timedelta64[h]")
    (folder / "series.csv").write_text("ts,load\n" + "".join(f"{a},{b:.5f}\n" for a, b in zip(times, load)))
    return ["train", "forecast", "--data", "series.csv", "--time-col", "ts", "--target-col", "load", "--lookback",
            "24", "--horizon", "6", "--hidden-size", "8", "--epochs", "2", "--fast", "fused"]


def classify_series_task(folder: Path) -> list[str]:
    """Rising or falling series of unequal lengths (a .ts file): masked LSTM, two classes."""
    rng = np.random.default_rng(0)

    def ts(n):
        rows = []
        for _ in range(n):
            label = rng.choice(["up", "down"])
            trend = np.linspace(0, 1, rng.integers(5, 12)) * (1 if label == "up" else -1) + rng.normal(0, 0.2)
            rows.append(",".join(f"{v:.4f}" for v in trend) + f":{label}")
        return "@problemName tiny\n@univariate true\n@equalLength false\n@classLabel true up down\n@data\n" \
            + "\n".join(rows) + "\n"

    (folder / "train.ts").write_text(ts(48))
    (folder / "test.ts").write_text(ts(12))
    return ["train", "classify-series", "--data", "train.ts", "--test-data", "test.ts", "--hidden-size", "8", "--epochs",
            "2", "--batch-size", "16", "--min-steps", "0", "--fast", "fused"]


TASKS = {"arrays": arrays_task, "classify": classify_task, "mnist": mnist_task, "tag": tag_task, "lm": lm_task,
         "seq2seq": seq2seq_task, "forecast": forecast_task, "classify-series": classify_series_task}


def as_overrides(args: list[str], folder: Path) -> tuple[str, dict[str, str]]:
    """(target, {field: value}) of a command line from these functions, paths made absolute in `folder`."""
    target, flags = args[1], args[2:]
    values = {k[2:].replace("-", "_"): v for k, v in zip(flags[::2], flags[1::2])}
    for key, value in values.items():
        if (folder / value).is_file():  # a file these functions wrote
            values[key] = str(folder / value)
    return (str(folder / target) if target.endswith(".json") else target), values


def run_folders(run: Path) -> list[Path]:
    """The run folder and the run folders of models trained inside it (a text run's second view)."""
    return [run, *sorted(p.parent for p in run.glob("*/config.json"))]


def timed(key: str) -> bool:
    """A wall-clock speed (lm's tokens_per_s, tag's sentences per second): it differs in every run."""
    return key.endswith("_per_s")


def outcome(run: Path) -> dict:
    """What must equal an uninterrupted run: every epoch line, the final metrics table, the weights
    (all but the speeds, which the clock decides)."""
    result = {}
    for folder in run_folders(run):
        epochs = [json.loads(l) for l in (folder / "metrics.jsonl").read_text().splitlines()]
        report = (folder / "report.md").read_text()
        table = [row for row in report.split("## Final metrics")[1].split("\n## ")[0].splitlines()
                 if not timed(row.split("|")[1].strip() if row.count("|") > 2 else "")]
        result[folder.name if folder != run else "."] = {
            "epochs": [{k: v for k, v in l.items() if not timed(k)} for l in epochs if l["kind"] == "epoch"],
            "final": table,
            "weights": {k: v.numpy() for k, v in load_file(folder / "model.safetensors").items()}}
    return result
