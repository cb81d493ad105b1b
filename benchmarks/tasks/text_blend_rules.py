"""Compare rules for a text run's blend of model and baseline, without training, on validation only.

`cache` saves a trained run's class probabilities once (the model's and the baseline's on the run's
validation texts, as the run chooses its weight with: all its models averaged on a given validation split, the
first model alone on texts held out of the training file; all the run's models averaged and the baseline on its
test texts) into an .npz; `compare` then scores each rule on the saved arrays:

- validation, split in halves (`--halvings` times, seeded): each rule fitted on one half of the validation
  texts, the other half scored (accuracy, log loss), both ways round; the mean over halvings and, per rule,
  the mean difference to the rule of record with its standard deviation over halvings. This decides.
- test (`--test`): each rule fitted on the whole validation split, the test texts scored. Recorded, chooses
  nothing.

    python benchmarks/tasks/text_blend_rules.py cache RUN_DIR OUT.npz
    python benchmarks/tasks/text_blend_rules.py compare A.npz B.npz ... [--halvings 100] [--test]
    python benchmarks/tasks/text_blend_rules.py rescore RUN_DIR A.npz OUT_DIR

`rescore` copies a run folder trained under an earlier rule (without its checkpoints) to OUT_DIR and writes
into its baseline.json the blend today's rule chooses on the cached validation arrays; `rnnkit evaluate
OUT_DIR` then gives the figures the run delivers under today's rule, re-scored, not retrained.

The rules (each returns the blend's probabilities for new (model, baseline) probabilities):
  log loss    the weight of lowest validation log loss, raw probabilities (the rule of record until 2026-12-07)
  calibrated  each member temperature-scaled on validation (Guo et al. 2017), then the weight by log loss
  baseline T  the baseline alone temperature-scaled, then the weight by log loss
  blend T     weight and one temperature on the blend chosen together by log loss
  log-linear  p ~ p_model^a p_baseline^b (a, b >= 0 fitted by log loss: a product of experts, Platt-style
              stacking of the members' log-probabilities without biases)
  stacked     log-linear plus one bias per class (vector-scaling-like stacking)
  blend Platt weight, then one scale and one bias per class on the blend's log-probabilities, chosen
              together by log loss (Platt scaling of the blend)
  blend Platt MAP  the same, fitted as rnnkit.models.calibration does (a standard normal prior on log a
              and on each bias): the run's rule since 2026-12-07 (tasks/text/baseline.py choose_blend)
  calibrated, shrunk  as calibrated, with the weight pulled toward 0.5 by a prior worth 100 texts
  calibrated + Platt  each member temperature-scaled, then blend Platt MAP
  accuracy    the weight of best validation accuracy
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from scipy.optimize import minimize, minimize_scalar

from rnnkit.models.blend import WEIGHTS, accuracy, best_weight, blend, log_loss
from rnnkit.models.calibration import Scaling
from rnnkit.tasks.text.baseline import choose_blend


def choose_weight(pm, pb, y) -> float:
    """The rule of record before 2026-12-07's change: the weight of lowest log loss, unscaled."""
    return best_weight(lambda w: round(log_loss(blend(pm, pb, w), y), 9))


def tempered(probs: np.ndarray, temperature: float) -> np.ndarray:
    """softmax(log p / T): T > 1 flattens, T < 1 sharpens."""
    logits = np.log(np.clip(probs, 1e-12, None)) / temperature
    e = np.exp(logits - logits.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def temperature(probs: np.ndarray, labels: np.ndarray) -> float:
    """The T of lowest log loss on (probs, labels)."""
    return float(np.exp(minimize_scalar(lambda lt: log_loss(tempered(probs, np.exp(lt)), labels),
                                        bounds=(np.log(0.05), np.log(20)), method="bounded").x))


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def pooled(pm, pb, params, bias: bool):
    k = pm.shape[1]
    z = params[0] * np.log(np.clip(pm, 1e-12, None)) + params[1] * np.log(np.clip(pb, 1e-12, None))
    if bias:
        z = z + np.r_[0.0, params[2:2 + k - 1]]
    return softmax(z)


def fit_pooled(pm, pb, y, bias: bool):
    k = pm.shape[1]
    start = np.r_[0.5, 0.5, np.zeros(k - 1 if bias else 0)]
    bounds = [(0, 20), (0, 20)] + [(-10, 10)] * (k - 1 if bias else 0)
    params = minimize(lambda p: log_loss(pooled(pm, pb, p, bias), y), start, method="L-BFGS-B", bounds=bounds).x
    return lambda m, b: pooled(m, b, params, bias)


def rule_log_loss(pm, pb, y):
    w = choose_weight(pm, pb, y)
    return lambda m, b: blend(m, b, w)


def rule_calibrated(pm, pb, y, shrink: float = 0.0):
    tm, tb = temperature(pm, y), temperature(pb, y)
    w = choose_weight(tempered(pm, tm), tempered(pb, tb), y)
    if shrink:
        n = len(y)
        w = min(WEIGHTS, key=lambda g: abs(g - (n * w + shrink * 0.5) / (n + shrink)))
    return lambda m, b: blend(tempered(m, tm), tempered(b, tb), w)


def rule_baseline_t(pm, pb, y):
    tb = temperature(pb, y)
    w = choose_weight(pm, tempered(pb, tb), y)
    return lambda m, b: blend(m, tempered(b, tb), w)


def rule_blend_t(pm, pb, y):
    fits = {w: temperature(blend(pm, pb, w), y) for w in WEIGHTS}
    w = best_weight(lambda g: round(log_loss(tempered(blend(pm, pb, g), fits[g]), y), 9))
    return lambda m, b: tempered(blend(m, b, w), fits[w])


def scaled(probs, params):
    """softmax(a log p + c), params = (a, c_1, ...), as rnnkit.models.calibration applies it."""
    return Scaling(float(params[0]), tuple(map(float, params[1:]))).apply(probs)


def fit_scaled(probs, y):
    start, bounds = np.r_[1.0, np.zeros(probs.shape[1] - 1)], [(0.05, 20)] + [(-10, 10)] * (probs.shape[1] - 1)
    fit = minimize(lambda p: log_loss(scaled(probs, p), y), start, method="L-BFGS-B", bounds=bounds)
    return fit.x, fit.fun


def rule_blend_platt(pm, pb, y):
    fits = {w: fit_scaled(blend(pm, pb, w), y) for w in WEIGHTS}
    w = best_weight(lambda g: round(fits[g][1], 9))
    return lambda m, b: scaled(blend(m, b, w), fits[w][0])


def rule_blend_platt_map(pm, pb, y):
    return choose_blend(pm, pb, y).apply


def rule_calibrated_platt(pm, pb, y):
    tm, tb = temperature(pm, y), temperature(pb, y)
    inner = rule_blend_platt_map(tempered(pm, tm), tempered(pb, tb), y)
    return lambda m, b: inner(tempered(m, tm), tempered(b, tb))


def rule_accuracy(pm, pb, y):
    w = best_weight(lambda g: -accuracy(blend(pm, pb, g), y))
    return lambda m, b: blend(m, b, w)


RULES = {"log loss": rule_log_loss, "calibrated": rule_calibrated, "baseline T": rule_baseline_t,
         "blend T": rule_blend_t, "log-linear": lambda pm, pb, y: fit_pooled(pm, pb, y, False),
         "stacked": lambda pm, pb, y: fit_pooled(pm, pb, y, True),
         "blend Platt": rule_blend_platt, "blend Platt MAP": rule_blend_platt_map,
         "calibrated + Platt": rule_calibrated_platt,
         "calibrated, shrunk": lambda pm, pb, y: rule_calibrated(pm, pb, y, shrink=100.0),
         "accuracy": rule_accuracy}


def cache(run_dir: str, out: str) -> None:
    from rnnkit.io.run import load
    from rnnkit.models.linear_baseline import TextBaseline
    from rnnkit.tasks.registry import read_run
    from rnnkit.tasks.text.data import dataset_splits, file_splits, read_training_file, with_validation
    from rnnkit.tasks.text.model import predict_proba
    from rnnkit.tasks.text.predict import encode_like_run, run_members

    run = read_run(run_dir)
    splits = (dataset_splits(run.config) if hasattr(run.config, "dataset")
              else file_splits(*read_training_file(run.config)))[0]
    valid_texts, valid_labels = with_validation(splits, run.config)["valid"]
    members = run_members(run)
    baseline = TextBaseline.load(run.file("baseline.json"), run.file("baseline.npz"))[0]

    def members_proba(ms, texts):
        return sum(predict_proba(load(m.path), encode_like_run(m, texts)) for m in ms) / len(ms)

    # As the run: all its models on a given validation split; the first alone on texts it held out itself
    chooser = members if splits.get("valid") is not None else members[:1]
    arrays = {"valid_labels": np.asarray(valid_labels), "valid_model": members_proba(chooser, list(valid_texts)),
              "valid_baseline": baseline.predict_proba(list(valid_texts))}
    if splits.get("test") is not None:
        test_texts, test_labels = splits["test"]
        arrays.update(test_labels=np.asarray(test_labels), test_model=members_proba(members, list(test_texts)),
                      test_baseline=baseline.predict_proba(list(test_texts)))
    np.savez_compressed(out, **arrays)
    print(f"{run_dir}: {len(valid_labels)} validation texts, "
          f"model {accuracy(arrays['valid_model'], valid_labels):.4f}, "
          f"baseline {accuracy(arrays['valid_baseline'], valid_labels):.4f} -> {out}")


def rescore(run_dir: str, arrays: str, out: str) -> None:
    import json
    import shutil

    a = np.load(arrays)
    chosen = choose_blend(a["valid_model"], a["valid_baseline"], a["valid_labels"])
    shutil.copytree(run_dir, out, ignore=shutil.ignore_patterns("checkpoints"))
    path = Path(out) / "baseline.json"
    record = json.loads(path.read_text())
    before = record.get("blend_weight")
    record.update(blend_weight=chosen.weight, blend_scaling=chosen.scaling.to_json())
    path.write_text(json.dumps(record))
    print(f"{run_dir} -> {out}: weight {before} -> {chosen.describe()} {chosen.scaling.to_json()}")


def halves(n: int, labels: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A random half of the indices, stratified by label, and the rest."""
    first = np.concatenate([rng.permutation(np.flatnonzero(labels == k))[:(labels == k).sum() // 2]
                            for k in np.unique(labels)])
    return first, np.setdiff1d(np.arange(n), first)


def score(predict, pm, pb, y) -> tuple[float, float]:
    p = predict(pm, pb)
    return accuracy(p, y), log_loss(p, y)


def compare(path: str, halvings: int, rules: list[str], test: bool) -> None:
    a = np.load(path)
    pm, pb, y = a["valid_model"], a["valid_baseline"], a["valid_labels"]
    rng = np.random.default_rng(0)
    results = {r: [] for r in rules}
    for _ in range(halvings):
        one, two = halves(len(y), y, rng)
        for r in rules:
            both = [score(RULES[r](pm[f], pb[f], y[f]), pm[s], pb[s], y[s]) for f, s in ((one, two), (two, one))]
            results[r].append(np.mean(both, axis=0))
    ref = np.array(results[rules[0]])
    print(f"\n{Path(path).stem}: {len(y)} validation texts, {pm.shape[1]} classes; model {accuracy(pm, y):.4f}, "
          f"baseline {accuracy(pb, y):.4f}; temperatures model {temperature(pm, y):.2f}, baseline "
          f"{temperature(pb, y):.2f}")
    print("  rule | split-half acc | log loss | acc - ref (sd) | log loss - ref (sd)"
          + (" | weight rule on all validation: test acc, test log loss" if test else ""))
    for r in rules:
        res = np.array(results[r])
        d = res - ref
        line = (f"  {r} | {res[:, 0].mean():.4f} | {res[:, 1].mean():.4f} | {100 * d[:, 0].mean():+.2f} "
                f"({100 * d[:, 0].std():.2f}) | {d[:, 1].mean():+.4f} ({d[:, 1].std():.4f})")
        if test and "test_model" in a.files:
            acc, loss = score(RULES[r](pm, pb, y), a["test_model"], a["test_baseline"], a["test_labels"])
            line += f" | {acc:.4f}, {loss:.4f}"
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("cache")
    c.add_argument("run")
    c.add_argument("out")
    r = sub.add_parser("rescore")
    r.add_argument("run")
    r.add_argument("arrays")
    r.add_argument("out")
    s = sub.add_parser("compare")
    s.add_argument("arrays", nargs="+")
    s.add_argument("--halvings", type=int, default=100)
    s.add_argument("--rules", nargs="+", default=list(RULES), choices=list(RULES))
    s.add_argument("--test", action="store_true", help="also score each rule on test (recorded, chooses nothing)")
    args = parser.parse_args()
    if args.command == "cache":
        cache(args.run, args.out)
    elif args.command == "rescore":
        rescore(args.run, args.arrays, args.out)
    else:
        for path in args.arrays:
            compare(path, args.halvings, args.rules, args.test)


if __name__ == "__main__":
    main()
