"""The test pass of a finished lm run in parallel streams with burn-in (the default) and in one stream
carried over the whole text, side by side in one process: bits per character (or perplexity) and scored
tokens per second, wall and CPU (with one thread, CPU time is the fair measure on a shared machine).

    OMP_NUM_THREADS=1 python benchmarks/lm_scoring.py RUN [--streams 10 1]
"""
from __future__ import annotations

import argparse
import time

from rnnkit.data import Vocabulary
from rnnkit.models.language_model import CarriedState
from rnnkit.tasks import read_run
from rnnkit.tasks.lm.data import VOCAB_FILE, load_corpus, scoring_windows
from rnnkit.tasks.lm.predict import score
from rnnkit.training import Trainer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run")
    parser.add_argument("--streams", type=int, nargs="+", default=[10, 1])
    args = parser.parse_args()
    run = read_run(args.run)
    corpus = load_corpus(run.config, Vocabulary.load(run.file(VOCAB_FILE)))
    model = run.task.model_of(run)
    for streams in args.streams:
        windows = scoring_windows(corpus.ids["test"], streams, run.config, corpus.names["test"])
        carried = CarriedState(model)
        trainer = Trainer(model, metrics=["perplexity"], quiet=True, forward_module=carried)
        cpu = time.process_time()
        metrics = score(trainer, carried, windows, corpus.level)
        figure = f"bpc {metrics['bpc']:.5f}" if "bpc" in metrics else f"perplexity {metrics['perplexity']:.3f}"
        print(f"{streams} streams: {figure}, {windows.tokens:,} tokens, {metrics['tokens_per_s']:,.0f} tokens/s "
              f"wall, {windows.tokens / (time.process_time() - cpu):,.0f} per CPU second")


if __name__ == "__main__":
    main()
