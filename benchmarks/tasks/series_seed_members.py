"""Would an ensemble over seeds (InceptionTime averages five networks), or augmentation, pay for the
classify-series default? Members of the default model differing only in their seed (weights and batch order),
all fitted on the same rows a default run fits on, their class probabilities averaged.

Two ways to judge, both on series no choice saw:

1. The run's own VALIDATION series (the seed-0 stratified 20% of the training file), then the test figures for
   the record. A default run folder of seed 0 may stand in for member 0 (same code, same rows):

    OMP_NUM_THREADS=1 python benchmarks/tasks/series_seed_members.py italy-power-demand 1,2 [RUN_OF_SEED_0]

2. Out of fold on the TRAINING file alone (for sets whose validation part is a handful of series): the
   training file split into K stratified folds (scikit-learn's StratifiedKFold, shuffled with seed R); each
   fold's other series are a training file a run splits as it would (80% fit, 20% keeping the best epoch),
   and the fold's own series are scored. Each (fold, seed) member's probabilities go to DIR as one .npz,
   so runs can be split across processes and resumed; `--variant JSON` trains config overrides instead
   (augmentation), saved under `--tag`; `--summary DIR` compares what is there, the test file never read:

    OMP_NUM_THREADS=1 python benchmarks/tasks/series_seed_members.py arrow-head 0,1,2 --folds 6 --only 0-2 --save DIR
    OMP_NUM_THREADS=1 python benchmarks/tasks/series_seed_members.py DIR/Coffee 0 --folds 4 --save DIR \
        --variant '{"augment_scale": 0.1, "augment_noise": 0.05}' --tag aug
    python benchmarks/tasks/series_seed_members.py --summary DIR

3. The members of a `--members N` run folder, each scored alone beside their average, on the run's validation
   and test series (no training):

    python benchmarks/tasks/series_seed_members.py --members-of RUN

A DATA of the form PATH/NAME reads PATH/NAME_TRAIN.ts (and PATH/NAME_TEST.ts in the first way).
"""
import argparse
import dataclasses
import json
import math
import re
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np

from rnnkit.data.splits import stratified_holdout
from rnnkit.io.run import load
from rnnkit.models.minirocket import class_log_loss
from rnnkit.tasks.classify_series import CLASSIFY_SERIES, SeriesConfig
from rnnkit.tasks.classify_series.data import as_batchable, read_series_data
from rnnkit.tasks.classify_series.model import build_model
from rnnkit.tasks.classify_series.predict import class_probabilities
from rnnkit.tasks.classify_series.train import epochs_to_train
from rnnkit.tasks.fit import fit, start


def config_of(data: str, **overrides) -> SeriesConfig:
    if "/" in data:
        test = Path(f"{data}_TEST.ts")
        return SeriesConfig(data=f"{data}_TRAIN.ts", test_data=str(test) if test.exists() else None, **overrides)
    return SeriesConfig(dataset=data, **overrides)


def member(config: SeriesConfig, seed: int, labels, channels: int, longest: int, fit_part, valid_part, *scored):
    """One member trained as a run trains (seeded weights and batch order) on `fit_part`, its epoch kept by
    `valid_part`; its class probabilities on each of `scored` ((x, lengths) pairs)."""
    config = dataclasses.replace(config, seed=seed)
    start(config, quiet=True)
    model = build_model(config, len(labels), channels, longest)
    train = as_batchable(*fit_part)
    epochs = epochs_to_train(config, math.ceil(len(train[0]) / config.batch_size), longest)
    with tempfile.TemporaryDirectory() as folder:
        fitted = fit(CLASSIFY_SERIES, config, folder, model, train, valid=as_batchable(*valid_part), summary={},
                     epochs=epochs, quiet=True)
        model = fitted.trainer.model.eval()
        return [class_probabilities(model, *s[:2]) for s in scored]


def scores(p, y):
    return f"acc {np.mean(p.argmax(1) == y):.4f} log loss {class_log_loss(y, np.clip(p, 1e-12, 1), p.shape[1]):.4f}"


def on_validation(args) -> None:
    config = config_of(args.data, baseline=False)
    files, labels, scaling, held, test = read_series_data(config)
    longest = int(held.x.shape[1])
    probs = []  # per member: (valid, test) probabilities
    if args.run:
        model = load(args.run)
        probs.append((class_probabilities(model, *held.valid[:2]), class_probabilities(model, *test[:2])))
    for seed in args.seeds:
        probs.append(member(config, seed, labels, files.train.channels, longest, held.fit, held.valid,
                            held.valid, test))
    for i, (v, t) in enumerate(probs):
        print(f"{args.data} member {i}: validation {scores(v, held.valid[-1])}; test {scores(t, test[-1])}")
    for k in range(2, len(probs) + 1):
        v, t = (np.mean([p[j] for p in probs[:k]], 0) for j in (0, 1))
        print(f"{args.data} average of members 0-{k - 1}: validation {scores(v, held.valid[-1])}; "
              f"test {scores(t, test[-1])}", flush=True)


def out_of_fold(args) -> None:
    from sklearn.model_selection import StratifiedKFold

    config = config_of(args.data, baseline=False, **json.loads(args.variant))
    files, labels, _, held, _ = read_series_data(config)  # scaled over the whole training file, as a run would
    x, lengths, y = held.x, held.lengths, held.y
    folds = list(StratifiedKFold(args.folds, shuffle=True, random_state=args.repeat).split(x, y))
    first, last = map(int, args.only.split("-")) if args.only else (0, args.folds - 1)
    name = Path(args.data).name
    out = Path(args.save)
    out.mkdir(parents=True, exist_ok=True)
    for k in range(first, last + 1):
        inside, left = folds[k]
        fit_rows, valid_rows = (inside[r] for r in stratified_holdout(y[inside], config.validation_split, config.seed))
        for seed in args.seeds:
            path = out / f"{name}__r{args.repeat}__f{k}__{args.tag}__s{seed}.npz"
            if path.exists():
                continue
            part = lambda rows: (x[rows], lengths[rows], y[rows])  # noqa: E731
            (p,) = member(config, seed, labels, files.train.channels, int(x.shape[1]), part(fit_rows),
                          part(valid_rows), part(left))
            np.savez(path, probs=p, y=y[left], rows=left)
            print(f"{name} repeat {args.repeat} fold {k} {args.tag} seed {seed}: {scores(p, y[left])}", flush=True)


def members_of(run: str) -> None:
    from rnnkit.tasks import read_run

    _, _, _, held, test = read_series_data(read_run(run).config)
    ensemble = load(run)
    parts = {"validation": held.valid, "test": test}
    probs = {k: [class_probabilities(m, *s[:2]) for m in ensemble.members] for k, s in parts.items()}
    for i in range(ensemble.count):
        print(f"{run} member {i}: " + "; ".join(f"{k} {scores(p[i], parts[k][-1])}" for k, p in probs.items()))
    print(f"{run} average: " + "; ".join(f"{k} {scores(np.mean(p, 0), parts[k][-1])}" for k, p in probs.items()))


def summary(folder: str) -> None:
    """Per set and variant: each single member's out-of-fold accuracy and log loss (mean over seeds), the
    average of all seeds, and the paired count of series the average gets right that seed 0 alone does not."""
    found = defaultdict(dict)  # (set, tag) -> {(repeat, fold, seed): (probs, y)}
    for path in sorted(Path(folder).glob("*.npz")):
        name, repeat, fold, tag, seed = re.fullmatch(r"(.+)__r(\d+)__f(\d+)__(.+)__s(\d+)", path.stem).groups()
        with np.load(path) as saved:
            found[name, tag][int(repeat), int(fold), int(seed)] = (saved["probs"], saved["y"])
    for (name, tag), parts in sorted(found.items()):
        seeds = sorted({s for _, _, s in parts})
        cells = sorted({(r, f) for r, f, _ in parts if all((r, f, s) in parts for s in seeds)})
        y = np.concatenate([parts[r, f, seeds[0]][1] for r, f in cells])
        per_seed = {s: np.concatenate([parts[r, f, s][0] for r, f in cells]) for s in seeds}
        line = [f"{name} {tag}: {len(cells)} folds, {len(y)} series;"]
        for s, p in per_seed.items():
            line.append(f"seed {s} {int((p.argmax(1) == y).sum())} right, log loss "
                        f"{class_log_loss(y, np.clip(p, 1e-12, 1), p.shape[1]):.3f};")
        if len(seeds) > 1:
            avg = np.mean(list(per_seed.values()), 0)
            right0, right = per_seed[seeds[0]].argmax(1) == y, avg.argmax(1) == y
            line.append(f"average of {len(seeds)}: {int(right.sum())} right, log loss "
                        f"{class_log_loss(y, np.clip(avg, 1e-12, 1), avg.shape[1]):.3f} "
                        f"(vs seed {seeds[0]}: +{int((right & ~right0).sum())} -{int((right0 & ~right).sum())})")
        print(" ".join(line))


parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("data", nargs="?")
parser.add_argument("seeds", nargs="?", type=lambda s: [int(v) for v in s.split(",")])
parser.add_argument("run", nargs="?", help="a default run folder of seed 0 (the first way only)")
parser.add_argument("--folds", type=int, help="out of fold on the training file, in this many folds")
parser.add_argument("--repeat", type=int, default=0, help="the folds' shuffling seed")
parser.add_argument("--only", help="FIRST-LAST: the folds to train (default all)")
parser.add_argument("--variant", default="{}", help="config overrides as JSON")
parser.add_argument("--tag", default="default", help="the variant's name in the saved files")
parser.add_argument("--save", help="folder of the out-of-fold .npz files")
parser.add_argument("--summary", help="print what a --save folder holds")
parser.add_argument("--members-of", help="a --members run folder: each member and the average")
args = parser.parse_args()
if args.members_of:
    members_of(args.members_of)
elif args.summary:
    summary(args.summary)
elif args.folds:
    out_of_fold(args)
else:
    on_validation(args)
