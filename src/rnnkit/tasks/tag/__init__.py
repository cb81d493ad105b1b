"""Sequence labelling: `tag`, one tag per token: Chinese word segmentation, POS tagging, NER.

    rnnkit train tag --dataset pku-seg                   # BMES over characters, vs jieba
    rnnkit train tag --dataset pku-pos                   # POS on gold words, vs the most frequent tag
    rnnkit train tag --dataset pku-ner | wnut16          # entities (BIO), seqeval strict
    rnnkit train tag --data train.conll --test-data test.conll [--crf auto|true|false] [--char-features true]
    rnnkit predict RUN --input text.txt [--format conll] # raw lines -> tokens, tags, words/entities
    rnnkit evaluate RUN [--data tagged.conll]
    >>> rnnkit.tasks.tag.segment(run, "我爱北京天安门")

Parts: `config` (the config and predict flags), `data` (sentences -> ids -> batches), `crf_choice`
(`--crf auto`: CRF or softmax, and which transitions), `model` (the BiLSTM-CRF), `metrics` (seqeval, SIGHAN word scores, confusion), `baselines` (jieba, most frequent
tag), `train`, `predict` (predict, evaluate, segment).
"""
from __future__ import annotations

from pathlib import Path

from rnnkit.errors import UserError
from rnnkit.tasks.tag.config import TagConfig, TagPredictOptions
from rnnkit.tasks.task import Run, Task

TAG = Task("tag", "sequence labelling (word segmentation, POS, NER) with a BiLSTM-CRF", TagConfig,
           "rnnkit.tasks.tag.train:run", predict="rnnkit.tasks.tag.predict:predict",
           predict_options=TagPredictOptions, evaluate="rnnkit.tasks.tag.predict:evaluate",
           summary="rnnkit.tasks.tag.model:describe")



def segment(run: Run | str | Path, text: str) -> list[str]:
    """The words a segmentation run (BMES tags over characters, e.g. pku-seg) cuts `text` into."""
    from rnnkit.data.tagging import words_of  # imported on use: reading TAG imports no torch
    from rnnkit.tasks.runs import read_run
    from rnnkit.tasks.tag.predict import Tagger

    run = run if isinstance(run, Run) else read_run(run, TAG)
    tagger = Tagger(run)
    if tagger.tagset.scheme != "BMES" or tagger.tagset.unit != "char":
        raise UserError(f"{run.path}: not a segmentation run (BMES tags over characters, e.g. --dataset pku-seg)")
    chars = tagger.tokenize(text)
    return words_of(chars, tagger.tag([chars])[0]) if chars else []


__all__ = ["TAG", "TagConfig", "segment"]
