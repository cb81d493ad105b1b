"""Design measurements for the text default (issue 26): train single models (members) of a variant by the
task's own `train_one` on a dataset's fixed splits, keep each member's validation and test class
probabilities, and score members alone and averaged beside the run's TF-IDF baseline.

    python benchmarks/tasks/text_members.py train vader-tweets default 0,1,2
    python benchmarks/tasks/text_members.py train vader-tweets ng2 0,1,2 '{"ngram_buckets": 100000}'
    python benchmarks/tasks/text_members.py train movie-snippets lm 0 '{"pretrain": "lm", "unlabeled": "imdb.txt"}'
    python benchmarks/tasks/text_members.py --out /tmp/imdb-2500 --validation-split 0.1 train imdb default 0
    python benchmarks/tasks/text_members.py report

Datasets: the sentiment sets (vader-tweets, movie-snippets, chinese-reviews, imdb) and imdb-endings (the
CSVs `short_texts.py` builds, in --endings DIR). Without a validation split every member holds out the same
texts (seed 0's), so members' averages are scored on one validation set; --validation-split sets its size
for the baseline and every member alike (one --out folder per size: the baseline is cached there). Members
are cached in --out (default /tmp/rnnkit-text-members) by dataset, variant and seed; a cached member is not
trained again. `report` prints each variant's paired difference from the `default` variant's members.
"""
from __future__ import annotations

import argparse
import json
import pickle
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np

from rnnkit.data.text import resolve_tokenizer
from rnnkit.tasks.text import CLASSIFY, SENTIMENT
from rnnkit.tasks.text.baseline import fit_run_baseline
from rnnkit.tasks.text.config import ClassifyConfig, SentimentConfig
from rnnkit.tasks.text.data import dataset_splits, file_splits, read_training_file, with_validation
from rnnkit.tasks.text.pretrain import read_unlabeled
from rnnkit.tasks.text.train import train_one


def load(dataset: str, endings: Path, validation_split: float | None = None, **options):
    """(task, config, held-out splits, label map, summary, tokenizer) of one member."""
    if validation_split is not None:
        options["validation_split"] = validation_split
    if dataset == "imdb-endings":
        config = ClassifyConfig(data=str(endings / "train.csv"), test_data=str(endings / "test.csv"),
                                label_col="sentiment", second_view="none", **options)
        splits, labels, summary = file_splits(*read_training_file(config))
        task = CLASSIFY
    else:
        config = SentimentConfig(dataset=dataset, second_view="none", **options)
        splits, labels, summary = dataset_splits(config)
        task = SENTIMENT
    held = with_validation(splits, replace(config, seed=0))  # one holdout for every member
    return task, config, held, labels, summary, resolve_tokenizer(config.tokenizer, splits["train"][0])


def accuracy(probs: np.ndarray, labels: np.ndarray) -> float:
    return float(np.mean(probs.argmax(1) == labels))


def train(args) -> None:
    out = args.out / args.dataset
    out.mkdir(parents=True, exist_ok=True)
    options = json.loads(args.options)
    if not (out / "baseline.pkl").is_file():
        _, _, held, labels, _, tokenizer = load(args.dataset, args.endings, args.validation_split)
        fitted = fit_run_baseline(held, len(labels), tokenizer, print)
        record = {"probs": fitted.probs, "labels": {k: held[k][1] for k in fitted.probs}, "seconds": fitted.seconds}
        pickle.dump(record, open(out / "baseline.pkl", "wb"))
    for seed in (int(s) for s in args.seeds.split(",")):
        path = out / f"{args.variant}__{seed}.pkl"
        if path.is_file():
            continue
        task, config, held, labels, summary, tokenizer = load(args.dataset, args.endings, args.validation_split,
                                                                  seed=seed, **options)
        start = time.perf_counter()
        unlabeled = read_unlabeled(config.unlabeled, config.unlabeled_col) if config.unlabeled else None
        _, _, probs, _ = train_one(task, config, held, tokenizer, labels, out / f"run-{args.variant}-{seed}", summary,
                                   False, True, unlabeled=unlabeled)
        record = {"probs": probs, "labels": {k: held[k][1] for k in probs}, "options": options,
                  "seconds": time.perf_counter() - start}
        pickle.dump(record, open(path, "wb"))
        print(f"{args.dataset} {args.variant} seed {seed}: " + ", ".join(
            f"{k} {accuracy(p, record['labels'][k]):.4f}" for k, p in probs.items()) + f" in {record['seconds']:.0f}s")


def paired(variant: list[dict], control: list[dict], split: str = "valid") -> str:
    """The variant's accuracy minus the control's on the same texts, in points, with the standard error of
    that paired difference (both averaged over their members; the same held-out texts for every member)."""
    labels = control[0]["labels"][split]
    right = [np.argmax(sum(r["probs"][split] for r in rs), 1) == labels for rs in (variant, control)]
    diff = right[0].astype(float) - right[1]
    return f"{100 * diff.mean():+.2f} (s.e. {100 * diff.std(ddof=1) / np.sqrt(len(diff)):.2f})"


def report(args) -> None:
    for folder in sorted(p for p in args.out.iterdir() if (p / "baseline.pkl").is_file()):
        base = pickle.load(open(folder / "baseline.pkl", "rb"))
        print(f"{folder.name}: baseline " + " ".join(f"{k} {accuracy(p, base['labels'][k]):.4f}"
                                                     for k, p in base["probs"].items()))
        members = defaultdict(dict)
        for path in sorted(folder.glob("*__*.pkl")):
            variant, seed = path.stem.split("__")
            members[variant][seed] = pickle.load(open(path, "rb"))
        for variant, by_seed in sorted(members.items()):
            records = list(by_seed.values())
            alone = {k: np.mean([accuracy(r["probs"][k], r["labels"][k]) for r in records]) for k in ("valid", "test")}
            line = (f"  {variant:12s} {len(records)} member(s), each alone: valid {alone['valid']:.4f} test "
                    f"{alone['test']:.4f}, {np.mean([r['seconds'] for r in records]):.0f}s each")
            if len(records) > 1:
                line += "; averaged: " + " ".join(
                    f"{k} {accuracy(sum(r['probs'][k] for r in records), records[0]['labels'][k]):.4f}"
                    for k in ("valid", "test"))
            print(line)
            control = members.get("default", {})
            seeds = sorted(set(by_seed) & set(control))
            if variant != "default" and seeds:
                line = "    minus the default on validation, seed by seed: " + ", ".join(
                    f"{s} {paired([by_seed[s]], [control[s]])}" for s in seeds)
                if len(seeds) > 1:
                    both = paired([by_seed[s] for s in seeds], [control[s] for s in seeds])
                    line += f"; seeds {'+'.join(seeds)} averaged {both}"
                print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/rnnkit-text-members"))
    parser.add_argument("--endings", type=Path, default=Path("/tmp/rnnkit-short"),
                        help="folder of short_texts.py's train.csv and test.csv")
    parser.add_argument("--validation-split", type=float, default=None,
                        help="fraction held out for the baseline and every member (default: the config's)")
    commands = parser.add_subparsers(dest="command", required=True)
    trainer = commands.add_parser("train")
    trainer.add_argument("dataset")
    trainer.add_argument("variant", help="a name for the options")
    trainer.add_argument("seeds", help="comma-separated seeds, e.g. 0,1,2")
    trainer.add_argument("options", nargs="?", default="{}", help="config fields as JSON")
    commands.add_parser("report")
    args = parser.parse_args()
    train(args) if args.command == "train" else report(args)


if __name__ == "__main__":
    main()
