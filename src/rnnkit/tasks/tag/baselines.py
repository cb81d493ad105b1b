"""What a tagging run is compared with on the same test sentences:
- segmentation of Chinese: jieba (`jieba.lcut`, its default dictionary and HMM), scored like the model;
- every run: the most-frequent-tag baseline (each token's most frequent training tag, the most frequent
  tag overall for unseen tokens), scored like the model (token accuracy, and entity or word scores);
- pku-pos only (a catalog comparison: PKU's tag set is close to jieba's ICTCLAS one, a user's need not
  be): jieba.posseg's tags on the words whose span jieba's own segmentation gets right."""
from __future__ import annotations

import re
from collections import Counter, defaultdict

from rnnkit.data.tagging import TagSplit
from rnnkit.tasks.tag.metrics import segmentation_scores

_CJK = re.compile(r"[\u3400-\u9fff]")


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


def errors_fixed(model: float, baseline: float) -> float:
    """The fraction of the baseline's errors the model does not make: (model - baseline) / (1 - baseline)."""
    return (model - baseline) / (1 - baseline) if baseline < 1 else 0.0


def errors_fixed_line(fixed: float, markdown: bool = False) -> str:
    """What `errors_fixed` says in words: the share of the baseline's errors the model fixes, or, below zero,
    how many more errors than the baseline it makes (a negative share fixed reads as nonsense)."""
    strong, the, end = ("**", "The", ".") if markdown else ("", "the", "")
    if fixed >= 0:
        return f"{the} model fixes {strong}{fixed:.1%}{strong} of the baseline's token errors{end}"
    return (f"{strong}{the} model loses to the baseline{strong}: it makes {-fixed:.1%} more token errors than the "
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
