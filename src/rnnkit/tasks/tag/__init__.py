"""Sequence labelling: `tag`, one tag per token: Chinese word segmentation, POS tagging, NER.

    rnnkit train tag --dataset pku-seg                   # BMES over characters, vs jieba
    rnnkit train tag --dataset pku-pos                   # POS on gold words, vs the most frequent tag
    rnnkit train tag --dataset pku-ner | wnut16          # entities (BIO), seqeval strict
    rnnkit train tag --data train.conll --test-data test.conll [--crf false] [--char-features true]
    rnnkit predict RUN --input text.txt [--format conll] # raw lines -> tokens, tags, words/entities
    rnnkit evaluate RUN [--data tagged.conll]
    >>> rnnkit.tasks.tag.segment(run, "我爱北京天安门")

Parts: `config` (the config and predict flags), `data` (sentences -> ids -> batches), `model` (the
BiLSTM-CRF), `metrics` (seqeval, SIGHAN word scores, confusion), `baselines` (jieba, most frequent
tag), `train`, `predict` (predict, evaluate, segment).
"""
from __future__ import annotations

from rnnkit.tasks.tag.config import TagConfig, TagPredictOptions
from rnnkit.tasks.tag.model import describe
from rnnkit.tasks.tag.predict import evaluate, predict, segment
from rnnkit.tasks.tag.train import run
from rnnkit.tasks.task import Task

TAG = Task("tag", "sequence labelling (word segmentation, POS, NER) with a BiLSTM-CRF", TagConfig, run,
           predict=predict, predict_options=TagPredictOptions, evaluate=evaluate, summary=describe)

__all__ = ["TAG", "TagConfig", "segment"]
