"""What a tagging run is compared with on the same test sentences:
- segmentation of Chinese: jieba (`jieba.lcut`, its default dictionary and HMM), scored like the model;
- every run: the most-frequent-tag baseline (each token's most frequent training tag, the most frequent
  tag overall for unseen tokens), scored like the model (token accuracy, and entity or word scores);
- pku-pos only (a catalog comparison: PKU's tag set is close to jieba's ICTCLAS one, a user's need not
  be): jieba.posseg's tags on the words whose span jieba's own segmentation gets right.

`TagCounts` holds the most-frequent-tag baseline's counts as p(tag | token), which the run's delivered tags
combine with the model's scores (`tasks.tag.train.choose_weight`)."""
from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Sequence

import numpy as np

from rnnkit.atomic import write_text
from rnnkit.data.tagging import TagSplit
from rnnkit.errors import UserError
from rnnkit.tasks.tag.metrics import segmentation_scores

_CJK = re.compile(r"[\u3400-\u9fff]")
COUNTS_FILE = "tag_counts.json"
"""A run's `TagCounts`, written when its delivered tags use them (weight > 0)."""


def is_chinese(data: TagSplit) -> bool:
    sample = "".join("".join(s) for s in data.tokens[:200])
    return len(_CJK.findall(sample)) > 0.3 * max(1, len(sample))


def jieba_segmentation(test: TagSplit, gold: list[list[str]], train_words: set[str]) -> dict[str, float]:
    """SIGHAN scores of jieba's words on the test sentences (characters with BMES gold tags)."""
    import jieba

    from rnnkit.data.tagging import segmentation_tags

    jieba.setLogLevel(60)
    pred = [segmentation_tags(jieba.lcut("".join(chars)))[1] for chars in test.tokens]
    return segmentation_scores(test.tokens, gold, pred, train_words)


def most_frequent_tag(train_tokens, train_tags, test_tokens) -> list[list[str]]:
    """Each test token's most frequent training tag (the most frequent tag overall if unseen); ties go
    to the tag seen first."""
    counts: dict[str, Counter] = defaultdict(Counter)
    overall = Counter()
    for words, tags in zip(train_tokens, train_tags):
        for w, t in zip(words, tags):
            counts[w][t] += 1
            overall[t] += 1
    default = overall.most_common(1)[0][0]
    best = {w: c.most_common(1)[0][0] for w, c in counts.items()}
    return [[best.get(w, default) for w in words] for words in test_tokens]


@dataclass
class TagCounts:
    """The most-frequent-tag baseline's table as a distribution: p(tag | token) = (c(token, tag) + ALPHA p(tag))
    / (c(token) + ALPHA), p(tag) the tags' shares over all training tokens, add-one smoothed (a token never seen
    in training gets p(tag) itself). The run's delivered tags add `weight` x ln p(tag | token) to the model's
    emission scores (`tasks.tag.train.choose_weight`); its argmax is the baseline's tag (but for ties)."""

    num_tags: int
    tokens: dict[str, tuple[list[int], list[int]]]
    """each training token's tag ids and their counts"""
    overall: list[int]
    """each tag's count over all training tokens"""
    weight: float = 0.0
    """the weight of ln p(tag | token) beside the model's scores in the run's delivered tags (0: the model alone)"""

    ALPHA: ClassVar[float] = 1.0

    @classmethod
    def count(cls, tokens: Sequence[Sequence[str]], tag_ids: Sequence[Sequence[int]], num_tags: int) -> "TagCounts":
        counts: dict[str, Counter] = defaultdict(Counter)
        overall = np.zeros(num_tags, dtype=np.int64)
        for words, tags in zip(tokens, tag_ids):
            for w, t in zip(words, tags):
                counts[w][int(t)] += 1
            np.add.at(overall, np.asarray(tags, dtype=np.int64), 1)
        table = {w: (list(c), list(c.values())) for w, c in counts.items()}
        return cls(num_tags, table, overall.tolist())

    def log_probs(self, tokens: Sequence[str]) -> np.ndarray:
        """(T, K) ln p(tag | token) of each token of a sentence."""
        prior = (np.asarray(self.overall, dtype=np.float64) + 1) / (sum(self.overall) + self.num_tags)
        out = np.tile(np.log(prior), (len(tokens), 1))
        for i, w in enumerate(tokens):
            seen = self.tokens.get(w)
            if seen is not None:
                row = self.ALPHA * prior
                row[seen[0]] += seen[1]
                out[i] = np.log(row / row.sum())
        return out.astype(np.float32)

    def save(self, path: Path) -> None:
        # compact: a catalog run's table holds tens of thousands of tokens
        write_text(path, json.dumps({"num_tags": self.num_tags, "weight": self.weight, "overall": self.overall,
                                     "tokens": self.tokens}, ensure_ascii=False))

    @classmethod
    def load(cls, path: Path) -> "TagCounts":
        try:
            saved = json.loads(Path(path).read_text(encoding="utf-8"))
            return cls(saved["num_tags"], {w: (t[0], t[1]) for w, t in saved["tokens"].items()}, saved["overall"],
                       float(saved["weight"]))
        except (OSError, ValueError, KeyError, TypeError, IndexError) as err:
            raise UserError(f"{path}: not the tag counts of a tag run ({err})") from None


def errors_fixed(model: float, baseline: float) -> float:
    """The fraction of the baseline's errors the model does not make: (model - baseline) / (1 - baseline)."""
    return (model - baseline) / (1 - baseline) if baseline < 1 else 0.0


def errors_fixed_line(fixed: float, markdown: bool = False, who: str = "model") -> str:
    """What `errors_fixed` says in words: the share of the baseline's errors `who` (the model, or the run)
    fixes, or, below zero, how many more errors than the baseline it makes (a negative share fixed reads
    as nonsense)."""
    strong, the, end = ("**", "The", ".") if markdown else ("", "the", "")
    if fixed >= 0:
        return f"{the} {who} fixes {strong}{fixed:.1%}{strong} of the baseline's token errors{end}"
    return (f"{strong}{the} {who} loses to the baseline{strong}: it makes {-fixed:.1%} more token errors than the "
            f"baseline{end}")


def jieba_posseg(test: TagSplit) -> dict[str, float]:
    """jieba.posseg's tag accuracy on the gold words it segments the same way, and their share."""
    import jieba
    import jieba.posseg

    jieba.setLogLevel(60)
    hits = matched = total = 0
    for words, tags in zip(test.tokens, test.tags):
        gold, at = {}, 0
        for w, t in zip(words, tags):
            gold[(at, at + len(w))] = t
            at += len(w)
        at = 0
        for pair in jieba.posseg.lcut("".join(words)):
            span = (at, at + len(pair.word))
            at = span[1]
            if span in gold:
                matched += 1
                hits += pair.flag == gold[span]
        total += len(words)
    return {"token_acc_on_matched": hits / max(1, matched), "matched_words": matched / max(1, total)}
