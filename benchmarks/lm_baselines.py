"""The lm task's baselines on a corpus, as a run cuts and encodes it: the Kneser-Ney n-gram of every order
up to --order (validation and test perplexity or bits per character) and, at character level, xz -9e
given the training text. PTB's KN-5 should land near Mikolov's 141.

    python benchmarks/lm_baselines.py --dataset ptb [--order 5]
    python benchmarks/lm_baselines.py --data FILE --level char [--order 16]
"""
from __future__ import annotations

import argparse
import math
import time

from rnnkit.tasks.lm.baseline import char_text, compressor_bits
from rnnkit.tasks.lm.config import LMConfig
from rnnkit.tasks.lm.data import load_corpus
from rnnkit.tasks.lm.ngram import KneserNey


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="ptb")
    parser.add_argument("--data")
    parser.add_argument("--level", default="auto")
    parser.add_argument("--order", type=int)
    args = parser.parse_args()
    config = LMConfig(dataset=args.dataset, data=args.data, level=args.level, ngram_order=args.order)
    corpus = load_corpus(config)
    print({k: len(v) for k, v in corpus.ids.items()}, "tokens;", len(corpus.vocab), "in the vocabulary")
    t0 = time.perf_counter()
    model = KneserNey(corpus.ids["train"], len(corpus.vocab), config.ngram_order)
    score = (lambda nats: nats / math.log(2)) if corpus.level == "char" else math.exp
    for split in ("valid", "test"):
        by_order = -model.log_probs(corpus.ids[split]).mean(axis=1)
        print(split, " ".join(f"{k + 1}:{score(n):.3f}" for k, n in enumerate(by_order)))
    print(f"n-gram counted and scored in {time.perf_counter() - t0:.1f}s")
    if corpus.level == "char":
        t0 = time.perf_counter()
        bits = compressor_bits(char_text(corpus.ids["train"], corpus.vocab), char_text(corpus.ids["test"], corpus.vocab))
        print(f"xz -9e given the training text: {bits:.4f} bits per character of the test text "
              f"({time.perf_counter() - t0:.1f}s)")


if __name__ == "__main__":
    main()
