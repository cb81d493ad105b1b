"""Predicting and evaluating with a trained seq2seq run: decode sources (greedy or beam search, n best),
score pairs (WER, PER, BLEU), draw attention matrices."""
from __future__ import annotations

import io
import sys
import time
from pathlib import Path
from typing import Any, Iterator


from rnnkit.atomic import write_bytes
from rnnkit.data.pairs import PairSplit, join_tokens, tokenize_side
from rnnkit.errors import UserError
from rnnkit.io.run import load
from rnnkit.models.seq2seq import Seq2Seq
from rnnkit.tasks.seq2seq.config import DecodeOptions
from rnnkit.tasks.seq2seq.data import Vocabularies, pair_splits, read_inputs
from rnnkit.tasks.seq2seq.model import decode_all
from rnnkit.tasks.seq2seq.scores import bleu, error_rates
from rnnkit.tasks.task import Run

ATTENTION_FILE = "attention.png"


def load_model(run: Run) -> Seq2Seq:
    return load(run.path)  # the model class registered itself when this module imported it


def score_split(model: Seq2Seq, vocabs: Vocabularies, pairs: PairSplit, *, beam: int, length_penalty: float = 1.0,
                bleu: bool = False) -> dict[str, float]:
    """WER, PER (and BLEU) of each distinct source's best hypothesis against all its references, and
    the decoding speed in sources per second."""
    refs = pairs.references()
    sources = list(refs)
    t0 = time.perf_counter()
    decoded = decode_all(model, vocabs.encode_sources(sources), beam=beam, length_penalty=length_penalty)
    seconds = time.perf_counter() - t0
    predictions = [vocabs.target.decode(d.ids[0]) for d in decoded]
    references = [[tokenize_side(r, vocabs.target_tokens) for r in refs[s]] for s in sources]
    out = {**error_rates(predictions, references), "sources_per_second": len(sources) / seconds}
    if bleu:
        out["bleu"] = _bleu(predictions, references, vocabs.target_tokens)
    return out


def _bleu(predictions, references, kind):
    return bleu([join_tokens(p, kind) for p in predictions], [[join_tokens(r, kind) for r in rs] for rs in references])


def draw_attention(model: Seq2Seq, vocabs: Vocabularies, sources: list[str], path: Path) -> None:
    """One panel per source: its greedy output's attention weights, source tokens across, outputs down."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    decoded = decode_all(model, vocabs.encode_sources(sources), beam=1, keep_attention=True)
    fig = Figure(figsize=(3.2 * len(sources), 3.6))
    FigureCanvasAgg(fig)
    for k, (source, d) in enumerate(zip(sources, decoded)):
        ax = fig.add_subplot(1, len(sources), k + 1)
        outputs = vocabs.target.decode(d.ids[0]) + ["</s>"]
        ax.imshow(d.attention[: len(outputs)], cmap="Greys", vmin=0, vmax=1, aspect="auto")
        ax.set_xticks(range(len(tokenize_side(source, vocabs.source_tokens))),
                      tokenize_side(source, vocabs.source_tokens), fontsize=8)
        ax.set_yticks(range(len(outputs)), outputs, fontsize=8)
        ax.set_title(source, fontsize=9)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    write_bytes(path, buf.getvalue())


def unknown_warning(vocabs: Vocabularies, texts: list[str]) -> None:
    """One warning line on stderr naming the source tokens the model never saw (read as <unk>)."""
    unknown = sorted({t for text in texts for t in tokenize_side(text, vocabs.source_tokens) if t not in vocabs.source})
    if unknown:
        shown = " ".join(map(repr, unknown[:10])) + (" ..." if len(unknown) > 10 else "")
        print(f"warning: {len(unknown)} source token(s) never seen in training, read as <unk>: {shown}",
              file=sys.stderr, flush=True)


def predict(run: Run, inputs: str, options: DecodeOptions | None = None) -> Iterator[dict[str, Any]]:
    """One record per input line: its best output (and, with nbest > 1, the n best with their scores)."""
    options = options or DecodeOptions()
    texts = read_inputs(inputs, run.config.source_col, run.config.encoding)
    vocabs = Vocabularies.load(run.path, run.config)
    unknown_warning(vocabs, texts)
    model = load_model(run)
    for start in range(0, len(texts), 1024):  # stream: results come out block by block
        block = texts[start:start + 1024]
        decoded = decode_all(model, vocabs.encode_sources(block), beam=options.beam, nbest=options.nbest,
                             length_penalty=options.length_penalty, max_len=options.max_len)
        for text, d in zip(block, decoded):
            outputs = [join_tokens(vocabs.target.decode(ids), vocabs.target_tokens) for ids in d.ids]
            record = {"source": text, "output": outputs[0], "score": round(d.scores[0], 4)}
            if options.nbest > 1:
                record["nbest"] = [{"output": o, "score": round(s, 4)} for o, s in zip(outputs, d.scores)]
            yield record


def evaluate(run: Run, data: str | None = None) -> dict[str, float]:
    """Greedy and beam WER/PER (BLEU for word targets) on a pair file, or on the run's own test pairs."""
    config = run.config
    vocabs = Vocabularies.load(run.path, config)
    if data is not None:
        from rnnkit.data.pairs import read_pairs

        pairs = read_pairs(data, config.source_col, config.target_col, config.format, config.encoding)
    else:
        pairs = pair_splits(config)[0].get("test")
        if pairs is None:
            raise UserError(f"{run.path}: the run has no test pairs; pass --data PAIRS")
    model = load_model(run)
    with_bleu = config.target_tokens == "words" and config.dataset is None
    out = {}
    for name, beam in (("greedy", 1), (f"beam{config.beam}", config.beam)):
        for k, v in score_split(model, vocabs, pairs, beam=beam, length_penalty=config.length_penalty,
                                bleu=with_bleu).items():
            out[f"{name}_{k}"] = v
    return out
