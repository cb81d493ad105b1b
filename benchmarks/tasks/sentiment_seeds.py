"""Several seeds of `rnnkit train sentiment`, their ensemble (class probabilities averaged) and, on
chinese-reviews, where they differ from the TF-IDF baseline: the evidence behind TASKS.md's
Chinese rows, which one run on 1,737 test reviews cannot give.

    python benchmarks/tasks/sentiment_seeds.py --dataset chinese-reviews --seeds 0 1 2 3 4
    python benchmarks/tasks/sentiment_seeds.py --dataset chinese-reviews --seeds 0 1 2 --set pooling=attention+max
    python benchmarks/tasks/sentiment_seeds.py --runs RUN_A RUN_B      # average finished runs instead

Run folders go under --out (default runs/seeds); each line prints as soon as its run ends. Each run
holds the default pair of models (`second_view`); `--set second_view=none` trains single models.
"""
import argparse
from pathlib import Path

import numpy as np

from chinese_baseline import tfidf_baseline
from rnnkit.data import load_dataset
from rnnkit.tasks import load_config, read_run
from rnnkit.tasks.text.predict import run_proba

LENGTH_BINS = (0, 20, 50, 100, 10**9)  # characters


def test_proba(run_dir: Path, texts: list[str]) -> np.ndarray:
    """(N, K) test-set probabilities of a finished run (both views averaged if it has two), in the dataset's order."""
    return run_proba(read_run(run_dir), texts)[0]


def compare(ours: np.ndarray, theirs: np.ndarray, labels: np.ndarray, texts: list[str]) -> None:
    """Paired right/wrong counts and accuracy by text length of two sets of predictions."""
    a, b = ours.argmax(1) == labels, theirs.argmax(1) == labels
    print(f"paired: both right {np.mean(a & b):.2%}, ensemble only {np.sum(a & ~b)}, TF-IDF only {np.sum(~a & b)} "
          f"of {len(labels)} reviews")
    lengths = np.array([len(t) for t in texts])
    for lo, hi in zip(LENGTH_BINS, LENGTH_BINS[1:]):
        m = (lengths >= lo) & (lengths < hi)
        print(f"  {lo}-{hi if hi < 10**9 else ''} characters: {m.sum()} reviews, ensemble {a[m].mean():.2%}, "
              f"TF-IDF {b[m].mean():.2%}")


def train_seed(seed: int, dataset: str, overrides: dict[str, str], out: str) -> Path:
    """One `rnnkit train sentiment` run with this seed and the overrides; its run folder."""
    task, config = load_config("sentiment", {**overrides, "dataset": dataset, "seed": str(seed)})
    run_dir = Path(out) / f"{dataset}-seed{seed}"
    task.run(config, run_dir, quiet=True)
    return run_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default="chinese-reviews")
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2])
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="a sentiment config key for every run (repeatable)")
    parser.add_argument("--runs", nargs="*", help="finished run folders to average instead of training")
    parser.add_argument("--out", default="runs/seeds")
    args = parser.parse_args()

    if args.runs:
        args.dataset = read_run(args.runs[0]).config.dataset
    ds = load_dataset(args.dataset)
    labels = np.asarray(ds.test.labels)
    overrides = dict(kv.split("=", 1) for kv in args.overrides)
    probs = []
    for run_dir in map(Path, args.runs) if args.runs else (train_seed(s, args.dataset, overrides, args.out) for s in args.seeds):
        probs.append(test_proba(run_dir, ds.test.texts))
        single = np.mean(probs[-1].argmax(1) == labels)
        ensemble = np.mean(np.mean(probs, 0).argmax(1) == labels)
        print(f"{run_dir}: test {single:.2%} | ensemble of {len(probs)}: {ensemble:.2%}", flush=True)
    if args.dataset == "chinese-reviews":
        baseline = tfidf_baseline(ds)
        print(f"TF-IDF + logistic regression: test {baseline['test_acc']:.2%} (C={baseline['C']})")
        compare(np.mean(probs, 0), baseline["test_proba"], labels, ds.test.texts)


if __name__ == "__main__":
    main()
