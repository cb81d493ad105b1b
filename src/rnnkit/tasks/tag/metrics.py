"""Scores of predicted tag sequences against gold ones, and the report's tables and picture.

- every run: token accuracy;
- chunk schemes (BIO, BIOES): entity precision/recall/F1 per type and overall from seqeval in strict
  mode (a chunk counts only when its type and both ends are right and its tags are well formed);
- segmentation (BMES): the SIGHAN bake-off scoring, words as character spans: P = |pred ∩ gold| / |pred|,
  R = |pred ∩ gold| / |gold|, F1 their harmonic mean, and OOV recall, R over the gold words never seen
  as words in training;
- plain tags (POS): precision/recall/F1 per tag from the confusion matrix, which is also drawn.
"""
from __future__ import annotations

from typing import Sequence


from rnnkit.data.tagging import chunks

SEQEVAL_SCHEMES = {"BIO": "IOB2", "BIOES": "IOBES"}


def token_accuracy(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> float:
    hits = sum(g == p for gs, ps in zip(gold, pred) for g, p in zip(gs, ps))
    return hits / max(1, sum(len(g) for g in gold))


def entity_scores(gold, pred, scheme: str) -> dict[str, dict[str, float]]:
    """{type or "overall": {"precision", "recall", "f1", "support"}} by seqeval, strict mode."""
    from seqeval import scheme as schemes
    from seqeval.metrics import classification_report

    report = classification_report(list(map(list, gold)), list(map(list, pred)), mode="strict",
                                   scheme=getattr(schemes, SEQEVAL_SCHEMES[scheme]), output_dict=True,
                                   zero_division=0)
    out = {k: {m: float(v[m if m != "f1" else "f1-score"]) for m in ("precision", "recall", "f1", "support")}
           for k, v in report.items() if k not in ("macro avg", "weighted avg", "samples avg")}
    out["overall"] = out.pop("micro avg")
    return out


def word_spans(tags: Sequence[str]) -> set[tuple[int, int]]:
    return {(s, e) for _, s, e in chunks(tags, "BMES")}


def segmentation_scores(tokens, gold, pred, train_words: set[str]) -> dict[str, float]:
    """SIGHAN word precision/recall/F1 and OOV recall (see the module docstring)."""
    hit = n_pred = n_gold = oov = oov_hit = 0
    for chars, g, p in zip(tokens, gold, pred):
        gs, ps = word_spans(g), word_spans(p)
        hit, n_pred, n_gold = hit + len(gs & ps), n_pred + len(ps), n_gold + len(gs)
        for s, e in gs:
            if "".join(chars[s:e]) not in train_words:
                oov += 1
                oov_hit += (s, e) in ps
    return {**prf(hit, n_pred, n_gold), "oov_recall": oov_hit / max(1, oov), "oov_rate": oov / max(1, n_gold)}


def prf(hit: int, n_pred: int, n_gold: int) -> dict[str, float]:
    p, r = hit / max(1, n_pred), hit / max(1, n_gold)
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def per_tag_report(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]], tags: list[str]) -> dict:
    """Precision, recall, F1 and support of every tag over all tokens, and their confusion matrix
    (`rnnkit.training.class_report`)."""
    from rnnkit.training.class_report import class_report

    index = {tag: i for i, tag in enumerate(tags)}
    return class_report([index[t] for s in gold for t in s], [index[t] for s in pred for t in s], tags)


def score_table(scores: dict[str, dict[str, float]], title: str = "type") -> str:
    """A markdown table of per-type precision/recall/F1, most frequent first, overall last."""
    rows = sorted((k for k in scores if k != "overall"), key=lambda k: -scores[k]["support"])
    rows += ["overall"] if "overall" in scores else []
    lines = [f"| {title} | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    lines += [f"| {k} | {scores[k]['precision']:.4f} | {scores[k]['recall']:.4f} | {scores[k]['f1']:.4f} | "
              f"{int(scores[k]['support'])} |" for k in rows]
    return "\n".join(lines)


def score(tokens, gold, pred, scheme: str, train_words: set[str] | None = None) -> dict[str, float]:
    """The flat numbers of a scored set (what evaluate returns and the report's test lines show)."""
    out = {"token_acc": token_accuracy(gold, pred), "sentences": len(gold), "tokens": sum(map(len, gold))}
    if scheme in SEQEVAL_SCHEMES:
        overall = entity_scores(gold, pred, scheme)["overall"]
        out.update({f"entity_{k}": overall[k] for k in ("precision", "recall", "f1")})
    elif scheme == "BMES":
        out.update({f"word_{k}": v for k, v in segmentation_scores(tokens, gold, pred, train_words or set()).items()})
    return out
