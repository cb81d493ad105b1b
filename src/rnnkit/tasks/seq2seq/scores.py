"""Scoring decoded sequences against references: word error rate, phoneme (token) error rate, BLEU.

With R_w the references of source w (several pronunciations of one word) and y_w the prediction:

    WER = |{w : y_w not in R_w}| / |W|                         (a word is right if it matches any reference)
    PER = sum_w min_{r in R_w} d(y_w, r) / sum_w |r*_w|        (r*_w the closest reference, d the Levenshtein
                                                                distance over tokens, from rapidfuzz)

BLEU (sacrebleu's corpus BLEU, all references of each source) is for word-level targets.
"""
from __future__ import annotations

from rapidfuzz.distance import Levenshtein


def error_rates(predictions: list[list[str]], references: list[list[list[str]]]) -> dict[str, float]:
    """{"wer": ..., "per": ...} as fractions, one prediction and its references per source."""
    wrong, edits, length = 0, 0, 0
    for prediction, refs in zip(predictions, references):
        distance, ref = min((Levenshtein.distance(prediction, r), r) for r in refs)
        wrong += distance > 0
        edits += distance
        length += len(ref)
    return {"wer": wrong / max(1, len(predictions)), "per": edits / max(1, length)}


def bleu(predictions: list[str], references: list[list[str]]) -> float:
    """Corpus BLEU (0-100) of detokenized predictions against every reference of each source."""
    import sacrebleu

    most = max(len(r) for r in references)
    streams = [[refs[k] if k < len(refs) else refs[0] for refs in references] for k in range(most)]
    return float(sacrebleu.corpus_bleu(predictions, streams).score)
