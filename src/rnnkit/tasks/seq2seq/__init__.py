"""Sequence to sequence with attention: `seq2seq` (grapheme to phoneme on cmudict, or your own pairs).

    rnnkit train seq2seq --dataset cmudict                    # words -> ARPAbet phonemes
    rnnkit train seq2seq --data pairs.tsv --source-tokens words --target-tokens words
    rnnkit predict RUN --input words.txt --beam 5 --nbest 3   # JSON lines: output, score, n best
    rnnkit evaluate RUN                                       # greedy and beam WER/PER on the test pairs

    >>> from rnnkit.tasks.seq2seq import translate
    >>> translate("runs/seq2seq-...", ["hello", "world"], beam=5)

Parts: `config` (training and decoding options), `data` (pairs, vocabularies, batches), `model`
(`rnnkit.models.seq2seq.Seq2Seq` and batch decoding), `scores` (WER, PER, BLEU), `train`, `predict`.
"""
from __future__ import annotations

from pathlib import Path

from rnnkit.tasks.seq2seq.config import DecodeOptions, Seq2SeqConfig
from rnnkit.tasks.task import Run, Task


def translate(run: Run | str | Path, sources: list[str], *, beam: int = 5, nbest: int = 1,
              length_penalty: float = 1.0) -> list[str] | list[list[str]]:
    """Decode `sources` with a trained run: the best output of each (a list of the n best with nbest > 1)."""
    from rnnkit.data.pairs import join_tokens  # imported on use: reading SEQ2SEQ imports no torch
    from rnnkit.tasks.runs import read_run
    from rnnkit.tasks.seq2seq.data import Vocabularies
    from rnnkit.tasks.seq2seq.model import decode_all
    from rnnkit.tasks.seq2seq.predict import load_model, unknown_warning

    run = run if isinstance(run, Run) else read_run(run, SEQ2SEQ)
    options = DecodeOptions(beam=beam, nbest=nbest, length_penalty=length_penalty)  # checks the values
    vocabs = Vocabularies.load(run.path, run.config)
    unknown_warning(vocabs, sources)
    decoded = decode_all(load_model(run), vocabs.encode_sources(list(sources)), beam=options.beam,
                         nbest=options.nbest, length_penalty=options.length_penalty)
    outputs = [[join_tokens(vocabs.target.decode(ids), vocabs.target_tokens) for ids in d.ids] for d in decoded]
    return [o[0] for o in outputs] if nbest == 1 else outputs


SEQ2SEQ = Task("seq2seq", "sequence to sequence with attention (cmudict grapheme to phoneme, or your own pairs)",
               Seq2SeqConfig, "rnnkit.tasks.seq2seq.train:run", predict="rnnkit.tasks.seq2seq.predict:predict",
               predict_options=DecodeOptions, evaluate="rnnkit.tasks.seq2seq.predict:evaluate",
               summary="rnnkit.tasks.seq2seq.model:describe", load_model="rnnkit.tasks.seq2seq.predict:load_model")

__all__ = ["SEQ2SEQ", "translate", "Seq2SeqConfig", "DecodeOptions"]
