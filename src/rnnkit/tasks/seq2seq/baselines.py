"""What a seq2seq run is compared with on the same test pairs, scored like the model (WER, PER):

- copy: the source itself as the output (read as target tokens), where source and target share their
  symbols: at least half of the training target tokens are tokens the sources use too. A spelling
  corrector or a normaliser must beat it; a reversal or a transliteration shows what it cannot do.
- dictionary: each source's most frequent training target (ties: the first in the file), where at least
  one test source was seen in training; a source never seen gets the copy where the copy makes sense,
  else the most frequent training target. What the model adds over a lookup table is its score on
  the sources the table does not hold, so the share of test sources seen in training goes beside it.
"""
from __future__ import annotations

from collections import Counter

from rnnkit.data.pairs import PairSplit, tokenize_side
from rnnkit.tasks.seq2seq.scores import error_rates

SHARED_SYMBOLS = 0.5  # the copy baseline runs when at least this share of target tokens occur in sources


def shared_symbols(train: PairSplit, source_tokens: str, target_tokens: str) -> float:
    """The share of training target tokens (by count) that are also tokens of the training sources."""
    source = {tok for s in train.sources for tok in tokenize_side(s, source_tokens)}
    counts = Counter(tok for t in train.targets for tok in tokenize_side(t, target_tokens))
    return sum(n for tok, n in counts.items() if tok in source) / max(1, sum(counts.values()))


def dictionary(train: PairSplit) -> dict[str, str]:
    """Each training source's most frequent target (the first seen among equals)."""
    counts: dict[str, Counter] = {}
    for s, t in zip(train.sources, train.targets):
        counts.setdefault(s, Counter())[t] += 1
    return {s: c.most_common(1)[0][0] for s, c in counts.items()}


def copy_of(source: str, source_tokens: str, target_tokens: str) -> list[str]:
    """The source as a target token list (characters joined first when the sides differ in kind)."""
    tokens = tokenize_side(source, source_tokens)
    return tokens if source_tokens == target_tokens else tokenize_side(
        ("" if source_tokens == "chars" else " ").join(tokens), target_tokens)


def baselines(train: PairSplit, test: PairSplit, source_tokens: str, target_tokens: str) -> dict[str, dict[str, float]]:
    """{"copy": {wer, per}, "dictionary": {wer, per, coverage}}, each only where it makes sense (see the
    module docstring); coverage: the share of distinct test sources seen in training."""
    refs = test.references()
    sources = list(refs)
    references = [[tokenize_side(r, target_tokens) for r in refs[s]] for s in sources]
    out: dict[str, dict[str, float]] = {}
    copies = shared_symbols(train, source_tokens, target_tokens) >= SHARED_SYMBOLS
    if copies:
        out["copy"] = error_rates([copy_of(s, source_tokens, target_tokens) for s in sources], references)
    table = dictionary(train)
    seen = sum(s in table for s in sources)
    if seen:
        fallback = Counter(train.targets).most_common(1)[0][0]
        guess = [tokenize_side(table[s], target_tokens) if s in table else
                 copy_of(s, source_tokens, target_tokens) if copies else tokenize_side(fallback, target_tokens)
                 for s in sources]
        out["dictionary"] = {**error_rates(guess, references), "coverage": seen / len(sources)}
    return out
