"""`rnnkit inspect RUN --text "..." | --input FILE [--out DIR] [--feature quotes|position|FILE]`.

What the gates and the cell state of a trained run do on given inputs (`rnnkit.inspect`): for each input,
a PNG heatmap per quantity (gate, cell state, hidden state) and layer, the tokens as labels; the units
that follow a per-token feature (Karpathy et al. 2015); for a classifier, each token's contribution to
the prediction (gradient x input), drawn over the text; and one self-contained HTML page of it all.

The families with a recurrent encoder are read through their own public functions: text classifiers
(sentiment, classify), taggers (tag), language models (lm), seq2seq (its encoder) and forecasters
(forecast: --input is a series file with the training columns, its last lookback rows are traced) and
arrays runs, `rnnkit import-keras` runs among them (--input rows as `rnnkit predict` reads them).
Written to RUN/inspect/ unless --out says where; the files written are printed, one per line.
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

import typer

from rnnkit.cli import TRUST_HELP
from rnnkit.errors import UserError

MAX_TEXTS = 20
"""Inputs traced from one --input file (the first ones): the page and the pictures stay readable."""
TOP_UNITS = 5
PAGE = "inspect.html"


@dataclass
class Sample:
    """One input as a family reads it: what to call, on what, and how to tell its prediction."""

    text: str
    tokens: list[str]
    model: Any
    inputs: tuple
    layer: str  # the name of the recurrent layer to show (`model.named_modules()`)
    call: Callable | None = None  # default: the model itself
    kwargs: dict = field(default_factory=dict)
    describe: Callable[[Any], str] | None = None  # the traced call's output -> a line naming the prediction
    notes: dict[str, list] = field(default_factory=dict)  # per-token values the page shows on hover
    embedding: Any = None  # a classifier's embedding module: contributions are computed for it


def inspect(run_dir: Path = typer.Argument(..., metavar="RUN", help="a run folder written by `rnnkit train`"),
            text: Optional[list[str]] = typer.Option(None, "--text", metavar="TEXT",
                                                     help="an input to trace (repeatable)"),
            input_: Optional[str] = typer.Option(None, "--input", "-i", metavar="FILE",
                                                 help="inputs, one per line (a forecast run: a series file)"),
            out: Optional[Path] = typer.Option(None, "--out", "-o", metavar="DIR",
                                               help="where to write the pictures and the page (default RUN/inspect)"),
            feature: Optional[str] = typer.Option(None, "--feature", metavar="quotes|position|FILE",
                                                  help="find the units that follow this per-token feature "
                                                       "(FILE: one line per input, one number per token)"),
            trust_imports: bool = typer.Option(False, "--trust-imports", help=TRUST_HELP)) -> None:
    """Picture a run's gates and cell states over given inputs. PNG heatmaps per gate and layer, and one HTML page."""
    for path in inspect_run(run_dir, text or [], input_, out, feature, trust_imports=trust_imports):
        typer.echo(str(path))


def inspect_run(run_dir: str | Path, texts: list[str], input_file: str | None = None, out: str | Path | None = None,
                feature: str | None = None, *, trust_imports: bool = False) -> list[Path]:
    """Trace a run on `texts` (or the lines of `input_file`) and write the pictures and the page into `out`
    (default RUN/inspect); returns the files written, the page last."""
    from rnnkit.tasks import read_run

    if bool(texts) == bool(input_file):
        raise UserError("give the inputs to inspect with --text TEXT or --input FILE (one of them)")
    run = read_run(run_dir, trust_imports=trust_imports)
    reader = FAMILIES.get(run.task.name)
    if reader is None:
        raise UserError(f"{run_dir}: a {run.task.name} run; inspect reads runs of {', '.join(FAMILIES)} (the "
                        "families with a recurrent encoder)")
    samples = reader(run, texts, input_file)
    return write_inspection(samples, Path(out) if out else Path(run_dir) / "inspect", feature,
                            f"rnnkit inspect {Path(run_dir).name} ({run.task.name})")


def write_inspection(samples: list[Sample], out: Path, feature: str | None, title: str) -> list[Path]:
    """Trace each sample, draw its pictures into `out` and write the page; the files written."""
    import torch

    from rnnkit.inspect import plots
    from rnnkit.inspect.attribution import contributions
    from rnnkit.inspect.features import FEATURES, correlated_units, read_feature_file, token_feature
    from rnnkit.inspect.page import write_page
    from rnnkit.inspect.trace import trace
    from rnnkit.layers import Recurrent

    model = samples[0].model
    if not any(isinstance(m, Recurrent) for m in model.modules()):
        raise UserError(f"{title}: the run's model has no recurrent layer to inspect")
    out.mkdir(parents=True, exist_ok=True)
    written, texts = [], []
    for sample in samples:
        with torch.no_grad():
            traced = trace(model, *sample.inputs, call=sample.call, **sample.kwargs)
        panels = {k: v.numpy() for k, v in traced.layer(sample.layer).panels(0).items()}
        steps = len(next(iter(panels.values())))
        per_token = steps == len(sample.tokens)  # else a conv front made the recurrent steps fewer
        entry = {"text": sample.text, "tokens": sample.tokens if per_token else [f"step {k}" for k in range(steps)],
                 "panels": panels, "notes": sample.notes if per_token else {},
                 "prediction": sample.describe(traced.output) if sample.describe else None, "contributions": None,
                 "feature": None}
        if sample.embedding is not None:
            scores = contributions(model, sample.embedding, *sample.inputs, **sample.kwargs)[0][0].numpy()
            entry["contributions"] = scores if per_token else None
            entry["scores"] = scores
        texts.append(entry)
    if feature is not None:
        if feature in FEATURES:
            values = [token_feature(t["tokens"], feature) for t in texts]
        else:
            values = read_feature_file(feature, [len(t["tokens"]) for t in texts])
        for t, v in zip(texts, values):
            t["feature"] = v
        correlated = correlated_units([t["panels"] for t in texts], values, TOP_UNITS)
    else:
        correlated = []
    many = len(texts) > 1
    for k, (sample, t) in enumerate(zip(samples, texts), 1):
        prefix = f"{k}-" if many else ""
        for name, values in t["panels"].items():
            written.append(plots.heatmap(out / f"{prefix}{slug(name)}.png", f"{t['text'][:60]} | {name}", values,
                                         t["tokens"]))
        scores = t.pop("scores", None)
        if scores is not None:  # per token, also where a conv front makes the recurrent steps fewer
            written.append(plots.text_contributions(out / f"{prefix}contributions.png", sample.tokens, scores,
                                                    f"contribution to the prediction: {t['prediction']}"))
        if correlated:
            rows = [(f"{c['panel']} #{c['unit']} r={c['r']:.2f}", t["panels"][c["panel"]][:, c["unit"]])
                    for c in correlated[:TOP_UNITS]]
            written.append(plots.unit_rows(out / f"{prefix}units.png", feature if feature in FEATURES else "file",
                                           t["feature"], rows, t["tokens"]))
    written.append(write_page(out / PAGE, {"title": title, "feature": feature, "correlated": correlated,
                                           "texts": texts}))
    return written


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def input_lines(input_file: str, what: str = "text") -> list[str]:
    """The non-empty lines of an input file, the first MAX_TEXTS of them."""
    path = Path(input_file)
    if not path.is_file():
        raise UserError(f"{path}: input file not found")
    try:
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except UnicodeDecodeError as err:
        raise UserError(f"{path}: byte offset {err.start}: not valid UTF-8 text") from None
    if not lines:
        raise UserError(f"{path}: no {what} to inspect (one per line expected)")
    if len(lines) > MAX_TEXTS:
        print(f"note: inspecting the first {MAX_TEXTS} of {len(lines)} lines of {path}", file=sys.stderr)
    return lines[:MAX_TEXTS]


# ---- the families, each read through its own public functions ------------------------------------------------
def _texts(texts: list[str], input_file: str | None) -> list[str]:
    texts = texts or input_lines(input_file)
    for t in texts:
        if not t.strip():
            raise UserError("--text is empty; expected a text to inspect")
    return texts


def _classifier(run, texts, input_file):
    import torch

    from rnnkit.data import Vocabulary
    from rnnkit.data.text import tokenize_all
    from rnnkit.tasks.runs import read_labels
    from rnnkit.tasks.text.data import LABELS_FILE, VOCAB_FILE
    from rnnkit.tasks.text.predict import encode_like_run, run_notes, run_tokenizer

    texts = _texts(texts, input_file)
    model, labels = run.task.model_of(run), read_labels(run, LABELS_FILE).labels
    config = run.config
    others = run_notes(run)  # a second model averaged in, a baseline blended in: not traced here
    vocab = Vocabulary.load(run.file(VOCAB_FILE))

    def describe(logits):  # (1, 1) or (1, K), as SequenceClassifier.predict_proba reads them
        p = torch.sigmoid(logits[0]) if logits.shape[-1] == 1 else torch.softmax(logits[0], -1)
        probs = torch.cat((1 - p, p)) if logits.shape[-1] == 1 else p
        k = int(probs.argmax())
        alone = f" by this model alone ({'; '.join(others)})" if others else ""
        return f"{labels[k]} ({float(probs[k]):.3f}){alone}"

    samples = []
    for text, ids, tokens in zip(texts, encode_like_run(run, texts), tokenize_all(texts, run_tokenizer(run))):
        tokens = [piece for t in tokens for piece in as_read(t, vocab)] or ["<unk>"]
        if config.maxlen is not None and len(tokens) > config.maxlen:  # cut as encode_tokens cuts the ids
            tokens = tokens[-config.maxlen:] if config.truncating == "pre" else tokens[:config.maxlen]
        samples.append(Sample(text, tokens, model, (torch.as_tensor(ids)[None],), "rnn", describe=describe,
                              embedding=model.embedding))
    return samples


def as_read(token: str, vocab) -> list[str]:
    """A token as the model reads it: itself, or its characters where the vocabulary backs off to them."""
    count = len(vocab.encode([token]))
    return [token] if count == 1 else list(token)[:count]


def _tagger(run, texts, input_file):
    import torch

    from rnnkit.tasks.tag.predict import Tagger

    tagger = Tagger(run)
    samples = []
    for text in _texts(texts, input_file):
        tokens = tagger.tokenize(text)
        x = torch.as_tensor(tagger.encoder.encode([tokens])[0])[None]  # (1, T) or (1, T, k)
        samples.append(Sample(text, tokens, tagger.model, (x,), "rnn", kwargs={"lengths": torch.tensor([len(tokens)])},
                              notes={"tag": tagger.tag([tokens])[0]}))
    return samples


def _language_model(run, texts, input_file):
    import torch

    from rnnkit.data import Vocabulary
    from rnnkit.tasks.lm.data import VOCAB_FILE
    from rnnkit.tasks.lm.generate import prompt_ids

    level = (run.saved.get("data") or {}).get("level", "word")
    vocab, model = Vocabulary.load(run.file(VOCAB_FILE)), run.task.model_of(run)
    samples = []
    for text in _texts(texts, input_file):
        ids = prompt_ids(text, vocab, level)
        with torch.no_grad():
            logits, _ = model(torch.tensor([ids]))
        likeliest = [vocab.itos[i] for i in logits[0].argmax(-1).tolist()]
        samples.append(Sample(text, [shown(vocab.itos[i]) for i in ids], model, (torch.tensor([ids]),), "rnn",
                              notes={"likeliest next": [shown(t) for t in likeliest]}))
    return samples


def _seq2seq(run, texts, input_file):
    import torch

    from rnnkit.data.pairs import join_tokens, tokenize_side
    from rnnkit.tasks.seq2seq.data import Vocabularies
    from rnnkit.tasks.seq2seq.model import decode_all

    vocabs, model = Vocabularies.load(run.path, run.config), run.task.model_of(run)
    samples = []
    for text in _texts(texts, input_file):
        ids = vocabs.encode_sources([text])[0]
        output = join_tokens(vocabs.target.decode(decode_all(model, [ids], beam=1)[0].ids[0]), vocabs.target_tokens)
        samples.append(Sample(text, tokenize_side(text, vocabs.source_tokens) or ["<unk>"], model,
                              (torch.as_tensor(ids)[None], torch.tensor([len(ids)])), "encoder", call=model.encode,
                              describe=lambda _, output=output: f"output (greedy): {output}"))
    return samples


def _forecaster(run, texts, input_file):
    import numpy as np
    import torch

    from rnnkit.data.series import read_series
    from rnnkit.data.windows import Scaler, last_window
    from rnnkit.tasks.forecast.predict import model_forecast

    if texts or input_file is None:
        raise UserError("a forecast run reads a series: give --input FILE (the training columns, at least lookback rows)")
    facts, lookback = run.saved.get("data", {}), run.config.lookback
    if facts.get("panel"):  # each series has its own scaler (scalers.json): not read here yet
        raise UserError(f"{run.path}: a panel run (one model across the series of {facts['id_col']!r}); inspect reads "
                        "the run of one series")
    columns = facts["columns"]
    series = read_series(input_file, facts["time_col"], columns[0], columns[1:], run.config.fill)
    scaler, model = Scaler.load(run.path), run.task.model_of(run)
    x = last_window(series, lookback, scaler, facts.get("calendar", []))  # (1, L, F)
    forecast = np.asarray(model_forecast(model, x, scaler)[0]).reshape(run.config.horizon, -1)[:, 0]
    times = [str(t) for t in series.times[-lookback:]]
    target = [float(v) for v in series.target[-lookback:]]
    return [Sample(f"{input_file}: last {lookback} steps", times, model, (torch.as_tensor(x),), "rnn",
                   describe=lambda _: "next values: " + ", ".join(f"{v:.4g}" for v in forecast),
                   notes={columns[0]: target})]


def _arrays(run, texts, input_file):
    """An arrays run (a Keras-style model, `rnnkit import-keras` runs too): --input rows as `predict` reads
    them (.npy/.npz or JSON lines), each step labelled by its value (token ids) or its index."""
    import torch

    from rnnkit.layers import Recurrent
    from rnnkit.tasks.arrays.data import read_rows
    from rnnkit.tasks.arrays.predict import load_model, records

    if texts or input_file is None:
        raise UserError("an arrays run reads arrays: give --input FILE (.npy, .npz or JSON lines, as rnnkit predict)")
    rows, model = read_rows(input_file)[:MAX_TEXTS], load_model(run).eval()
    layer = next((name for name, m in model.named_modules() if isinstance(m, Recurrent)), None)
    if layer is None:
        raise UserError(f"{run.path}: the run's model has no recurrent layer to inspect")
    samples = []
    for k, row in enumerate(rows):
        x = torch.as_tensor(row)[None]
        ids = not torch.is_floating_point(x)
        tokens = [str(int(v)) for v in x[0]] if ids else [f"t{t + 1}" for t in range(x.shape[1])]
        samples.append(Sample(f"{Path(input_file).name}: row {k + 1}", tokens, model,
                              (x if ids else x.float(),), layer,
                              describe=lambda out: ", ".join(f"{a}: {b}" for a, b in records(run, out)[0].items())))
    return samples


def shown(token: str) -> str:
    """A token as the page shows it: a line break as ⏎, a tab as →."""
    return token.replace("\n", "⏎").replace("\t", "→")


FAMILIES = {"sentiment": _classifier, "classify": _classifier, "tag": _tagger, "lm": _language_model,
            "seq2seq": _seq2seq, "forecast": _forecaster, "arrays": _arrays}
