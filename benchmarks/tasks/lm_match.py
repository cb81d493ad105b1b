"""Finished character lm runs re-scored with the adaptive test pass (`rnnkit.tasks.lm.adapt`) without and with
the match model (`--match off` / `auto`), beside the model alone and the baselines, as one table row per run:

    OMP_NUM_THREADS=1 python benchmarks/tasks/lm_match.py RUN [RUN ...] [--passes DIR] [--static-ngram]
        [--variant NAME=VALUE ...]

Dynamic evaluation and the cache are the character defaults (auto) whatever the run was trained with. Their
passes over the validation and test text (a few minutes a run) are kept in --passes and read back by later
calls, so a variant of the blend costs only the blend. For the "with" column, --static-ngram leaves out the
n-gram counted again as it reads, and --variant sets a constant of a module of `rnnkit.tasks.lm` (e.g.
`mixture.PRIOR_TOKENS=0`, `match.LENGTHS=(2,4,8,16,32,64)`).
"""
from __future__ import annotations

import argparse
import ast
import hashlib
import importlib
import math
import re
import time
from pathlib import Path

import torch

from rnnkit.data import Vocabulary
from rnnkit.data.lm_streams import StreamWindows
from rnnkit.tasks import read_run
from rnnkit.tasks.lm import adapt
from rnnkit.tasks.lm.baseline import Baselines
from rnnkit.tasks.lm.data import VOCAB_FILE, load_corpus
from rnnkit.tasks.lm.dynamic import gradient_rms, scored_pass

BITS = 1 / math.log(2)


def kept(folder: Path, run_name: str, real, key):
    """`real` (one of adapt's passes), each result kept on disk by run_name and key(*args)."""

    def pass_kept(*args):
        path = folder / f"{run_name}-{real.__name__}-{key(*args)}.pt"
        if not path.exists():
            torch.save(real(*args), path)
        return torch.load(path)
    return pass_kept


def text_key(model, windows, rms, lr, decay=0.0, cache=None) -> str:
    """scored_pass's arguments as a name: the text, the rate, the decay, with the cache or not."""
    text = hashlib.sha1(windows.following.numpy().tobytes()).hexdigest()[:12]
    return f"{text}-{lr:g}-{decay:g}-{cache is not None}"


def model_alone_bpc(run) -> float:
    """The run's static test bpc, from its report."""
    report = run.file("report.md").read_text()
    return float(re.search(r"## Test set\n\n- loss: [\d.]+\n- perplexity: [\d.]+\n- bpc: ([\d.]+)", report).group(1))


def set_variant(assignment: str) -> None:
    name, value = assignment.split("=", 1)
    module, constant = name.rsplit(".", 1)
    setattr(importlib.import_module(f"rnnkit.tasks.lm.{module}"), constant, ast.literal_eval(value))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+")
    parser.add_argument("--passes", default="lm_match_passes")
    parser.add_argument("--variant", nargs="*", default=[])
    parser.add_argument("--static-ngram", action="store_true", help="the 'with' column without the recounted n-gram")
    args = parser.parse_args()
    folder = Path(args.passes)
    folder.mkdir(parents=True, exist_ok=True)
    columns = ["run", "characters (train)", "model alone", "KN", "xz", "adapted before (on validation)",
               "adapted with the match model (on validation)", "mix before (model/cache/n-gram)",
               "mean mix after (model/cache/n-gram/match)", "blend seconds (passes kept)"]
    print("| " + " | ".join(columns) + " |\n" + "|---" * len(columns) + "|")
    for path in args.runs:
        run = read_run(path)
        config = run.config
        config.dynamic_eval, config.cache = "auto", "auto"
        corpus = load_corpus(config, Vocabulary.load(run.file(VOCAB_FILE)))
        model = run.task.model_of(run)
        train = StreamWindows(corpus.ids["train"], config.batch_size, config.bptt, seed=config.seed)
        baselines = Baselines(corpus.ids, corpus.vocab, corpus.level, config.ngram_order)
        name = Path(path).name
        adapt.scored_pass = kept(folder, name, scored_pass, text_key)
        adapt.gradient_rms = kept(folder, name, gradient_rms, lambda *a: "train")
        figures, valid, mixes, seconds = {}, {}, {}, 0.0
        for match in ("off", "auto"):
            if match == "auto":
                for assignment in args.variant:
                    set_variant(assignment)
            config.match = match
            final, said = {}, []
            t0 = time.perf_counter()
            nats, _ = adapt.adapted_test(model, train, corpus, config, final, said.append,
                                         (baselines.ngram_valid, baselines.ngram_split),
                                         None if args.static_ngram else baselines.order)
            valid[match] = float(re.search(r"blend on validation: .* -> ([\d.]+) bpc", "\n".join(said)).group(1))
            seconds = time.perf_counter() - t0 if match == "auto" else seconds
            figures[match] = nats * BITS
            shown = ("mix_model", "mix_cache", "mix_ngram") + (("mix_match",) if match == "auto" else ())
            mixes[match] = "/".join(f"{final.get(k, 0.0):.3f}" for k in shown)
        m = baselines.metrics
        row = [name, f"{len(corpus.ids['train']):,}", f"{model_alone_bpc(run):.4f}", f"{m['test_ngram_bpc']:.4f}",
               f"{m['test_xz_bpc']:.4f}", f"{figures['off']:.4f} ({valid['off']:.4f})",
               f"**{figures['auto']:.4f}** ({valid['auto']:.4f})", mixes["off"], mixes["auto"], f"{seconds:.1f}"]
        print("| " + " | ".join(row) + " |", flush=True)


if __name__ == "__main__":
    main()
