"""Training a tagger: sentences -> ids -> length-bucketed batches -> SequenceTagger, the kept
(best-by-validation) weights scored once on the test sentences, with the baselines beside them.

The output layer is chosen first (`--crf auto`: crf_choice), its reason printed and kept in config.json
and report.md. The kept epoch is the best by validation entity F1 for entity tags (BIO, BIOES), by
token accuracy otherwise (`--monitor`).

The run folder holds, besides the trainer's files, vocab.json, tags.json (and bigrams.json, chars.json
with those features), so predict and evaluate need nothing else; for POS-like tags also the per-tag
report (class_report.json, confusion.png). report.md gets the per-type table, training and decoding speed,
and the baselines: the most-frequent-tag one on every run (with the share of its errors the model
fixes), jieba beside Chinese segmentation, jieba.posseg beside pku-pos.
"""
from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from rnnkit.data.tagging import TagSplit
from rnnkit.tasks.config import epochs_for, raised_epochs_note
from rnnkit.tasks.fit import finish, fit, start
from rnnkit.tasks.tag import baselines
from rnnkit.tasks.tag.config import EPOCHS, TagConfig
from rnnkit.tasks.tag import crf_choice
from rnnkit.tasks.tag.data import TAGS_FILE, Encoder, TagBatches, TagSet, load_splits, make_tagset, pad_batch, tag_ids
from rnnkit.tasks.report import class_section
from rnnkit.tasks.tag.metrics import entity_scores, per_tag_report, score, score_table, segmentation_scores
from rnnkit.tasks.tag.model import Decoded, DecodedAccuracy, EntityF1, build_model
from rnnkit.tasks.tag.predict import decode_batches, emission_batches
from rnnkit.tasks.task import Task
from rnnkit.training import distributed as ddp
from rnnkit.training.losses import named_loss


def run(task: Task, config: TagConfig, run_dir: Path, *, resume: bool = False, quiet: bool = False) -> dict[str, Any]:
    """Train a sequence tagger (segmentation, POS, NER) on a named dataset or your tagged files."""
    say = start(config, quiet)
    run_dir = Path(run_dir)
    config, splits, summary, tagset, encoder, data = prepare(config, run_dir, say)
    choice = choose_output(config, tagset, encoder, data["train"])
    say(f"output layer: {choice.reason}")
    entities = tagset.scheme in ("BIO", "BIOES")
    config = replace(config, monitor=("val_entity_f1" if entities else "val_acc") if config.monitor == "auto" else config.monitor)
    model = build_model(config, tagset.tags, tagset.scheme, **encoder.sizes(), crf=choice.crf, allowed=choice.allowed)
    # the tagger's own loss and metric: CRF NLL (or masked cross-entropy), accuracy of the decoded tags
    loss = named_loss("crf_nll" if choice.crf else "token_crossentropy", model.loss)
    decoded = Decoded(model)
    metrics = [DecodedAccuracy(model, decoded)] + ([EntityF1(model, tagset.tags, tagset.scheme, decoded)] if entities else [])
    train_batches = TagBatches(*data["train"], config.batch_size, seed=config.seed)
    epochs = epochs_to_train(config, len(train_batches))
    if config.epochs is None and epochs > EPOCHS[config.dataset]:
        say(raised_epochs_note(epochs, len(train_batches), "steps", f"min_steps={config.min_steps}")
            + " (--epochs N trains N)")
    fitted = fit(task, config, run_dir, model, train_batches, epochs=epochs,
                 valid=TagBatches(*data["valid"], 128, shuffle=False), summary=summary, resume=resume, quiet=quiet,
                 facts={"scheme": tagset.scheme, "unit": tagset.unit, "crf": choice.crf, "crf_choice": choice.reason},
                 loss=loss, metrics=metrics)
    final, trainer = fitted.final, fitted.trainer
    epochs_done = len(trainer.history.epoch) or epochs
    final["train_sentences_per_s"] = len(data["train"][0]) * epochs_done / max(trainer.train_seconds, 1e-9)
    notes = (f"\n## Output layer\n\n- {choice.reason}\n- kept epoch: best `{config.monitor}`\n")
    counts = baselines.TagCounts.count(splits["train"].tokens, data["train"][1], len(tagset.tags))
    # the validation sentences' scores at each weight tried, decoded once: for the weight's choice, and without a
    # test file for the comparison with the baseline
    on_valid = (validation_scores(model, splits["valid"], data["valid"], tagset, counts,
                                  BASELINE_WEIGHTS if config.blend else (0.0,))
                if config.blend or splits["test"] is None else None)
    if config.blend:
        counts, chosen = choose_weight(on_valid, counts, config.monitor)
        final["baseline_weight"] = counts.weight
        say(f"the baseline's counts beside the model's scores, on validation ({measured(config.monitor)}): "
            + ", ".join(f"{w:g} -> {v:.4f}" for w, v in chosen.items()) + f"; weight {counts.weight:g} kept")
        notes += weight_note(counts.weight, chosen, config.monitor)
        if ddp.is_main() and counts.weight > 0:
            counts.save(run_dir / baselines.COUNTS_FILE)
    if splits["test"] is not None:
        final_test, tested = test_and_compare(model, splits, data, tagset, run_dir, final["train_sentences_per_s"], say,
                                              config.dataset, counts)
        final.update(final_test)
        notes += tested
    else:  # no test sentences: the baseline beside the run on the validation ones, so the run still says which wins
        final_valid, compared = on_validation(on_valid[counts.weight], on_valid[0.0], splits, data, tagset, say)
        final.update(final_valid)
        notes += compared
    return finish(task, config, fitted, final, notes=notes, quiet=quiet)


def on_validation(run_scores: dict[str, float], model_scores: dict[str, float], splits: dict[str, TagSplit | None],
                  data, tagset: TagSet, say) -> tuple[dict[str, float], str]:
    """A run without test sentences: the run's tags and the model's (`validation_scores` of the validation
    sentences) beside the most-frequent-tag baseline on them (`val_` keys), and report.md's section saying
    these chose the kept epoch and the baseline's weight, so they flatter the model."""
    names = tagset.tags
    gold = [[names[k] for k in ids] for ids in data["valid"][1]]
    base, lines = most_frequent_tag_section(splits["valid"], gold, run_scores, splits["train"], data["train"][1],
                                            names, tagset, set(tagset.train_words or ()), say, model_scores,
                                            where="validation")
    return ({f"val_{k}": v for k, v in base.items()},
            "\n## Baseline (validation sentences: no test file was given)\n\nThese sentences chose the kept epoch "
            "and the baseline's weight, so the model's figures here are optimistic; `--test-data` scores held-out "
            "ones.\n" + "\n".join(lines) + "\n")


def epochs_to_train(config: TagConfig, steps_per_epoch: int) -> int:
    """The epochs asked for; by default the dataset's (EPOCHS), raised so that training takes at least
    `min_steps` optimizer steps."""
    return epochs_for(config.epochs, EPOCHS[config.dataset], config.min_steps, steps_per_epoch)


def for_unit(config: TagConfig, unit: str) -> TagConfig:
    """`char_features` and `min_freq` left unset, resolved for the data's tokens: words get the character
    BiLSTM and read words seen once as <unk> (so <unk> is trained: an unseen word's vector means something),
    characters neither: every catalog set's setting, and on a user's small POS file the better on validation
    (benchmarks/TASKS.md, "A user's small tag file")."""
    words = unit == "word"
    return replace(config, char_features=words if config.char_features is None else config.char_features,
                   min_freq=(2 if words else 1) if config.min_freq is None else config.min_freq)


def prepare(config: TagConfig, run_dir: Path, say):
    """The config with what the data's unit resolves, the splits, the data summary, the tag set and the token
    encoder (both saved in the run folder) and each split encoded as (token ids, tag ids)."""
    t0 = time.perf_counter()
    splits, summary = load_splits(config)
    tagset = make_tagset(config, splits)
    config = for_unit(config, tagset.unit)
    use_bigrams = config.bigrams if config.bigrams is not None else tagset.unit == "char"
    encoder = Encoder.build(config, splits["train"], use_bigrams)
    data = {k: (encoder.encode(s.tokens), tag_ids(s, tagset)) for k, s in splits.items() if s is not None}
    n_tokens = sum(len(x) for x in data["train"][0])
    say(f"{len(data['train'][0]):,} training sentences ({n_tokens:,} {tagset.unit} tokens, {len(encoder.vocab):,} in "
        f"the vocabulary, {len(tagset.tags)} tags, scheme {tagset.scheme}), prepared in {time.perf_counter() - t0:.1f}s")
    if ddp.is_main():
        run_dir.mkdir(parents=True, exist_ok=True)
        encoder.save(run_dir)
        tagset.save(run_dir / TAGS_FILE)
    converted = f" (converted from {tagset.source_scheme})" if tagset.source_scheme != tagset.scheme else ""
    summary = {**summary, "train samples": len(data["train"][0]), "train tokens": n_tokens,  # samples: sentences
               "tokens": tagset.unit, "scheme": tagset.scheme + converted, "tags": len(tagset.tags),
               "vocabulary": len(encoder.vocab), **({"bigram vocabulary": len(encoder.bigrams)} if encoder.bigrams else {}),
               "validation samples": len(data["valid"][0]), "batch size": f"{config.batch_size} (length-bucketed)"}
    return config, splits, summary, tagset, encoder, data


def choose_output(config: TagConfig, tagset: TagSet, encoder: Encoder, train) -> crf_choice.CrfChoice:
    """`--crf` resolved; for "auto" over crf_choice.SMALL tags, one batch of median-length training
    sentences is timed through a softmax tagger and the CRF (in a forked RNG: the run's own draws stay
    those of a run that did not time)."""
    inputs, targets = train
    if config.crf != "auto" or len(tagset.tags) <= crf_choice.SMALL:
        return crf_choice.choose(config.crf, tagset.tags, tagset.scheme, targets)
    order = np.argsort([len(x) for x in inputs], kind="stable")
    middle = max(0, len(order) // 2 - config.batch_size // 2)
    rows = order[middle:middle + config.batch_size]
    with torch.random.fork_rng():
        model = build_model(config, tagset.tags, tagset.scheme, **encoder.sizes(), crf=False)
        timer = crf_choice.BatchTimer(model, pad_batch([inputs[i] for i in rows], [targets[i] for i in rows]))
        return crf_choice.choose("auto", tagset.tags, tagset.scheme, targets, timer,
                                 batches=-(-len(inputs) // config.batch_size))


BASELINE_WEIGHTS = (0.0, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 1000.0)
"""Weights w of ln p(tag | token) (the most-frequent-tag baseline's counts) added to the model's emission scores:
0 is the model alone, 1000 the baseline's tag wherever its counts tell one tag from another."""


def measured(monitor: str) -> str:
    """What the validation choice of the baseline's weight maximises: the figure the kept epoch is chosen by."""
    return "entity_f1" if "entity_f1" in monitor else "token_acc"


def validation_scores(model, valid: TagSplit, valid_data, tagset: TagSet, counts: baselines.TagCounts,
                      weights: tuple[float, ...]) -> dict[float, dict[str, float]]:
    """The scores (`metrics.score`) of the validation sentences' tags at each of `weights` of the baseline's
    `counts` (0: the model's own), their emission scores computed once."""
    inputs, gold_ids = valid_data
    gold = [[tagset.tags[k] for k in ids] for ids in gold_ids]
    batches = emission_batches(model, inputs)
    words = set(tagset.train_words or ())
    scores = {}
    for weight in weights:
        pred = decode_batches(model, batches, len(inputs), valid.tokens, replace(counts, weight=weight))
        scores[weight] = score(valid.tokens, gold, [[tagset.tags[k] for k in p] for p in pred], tagset.scheme, words)
    return scores


def choose_weight(scores: dict[float, dict[str, float]], counts: baselines.TagCounts,
                  monitor: str) -> tuple[baselines.TagCounts, dict[float, float]]:
    """`counts` with the weight whose tags score best on the validation sentences (`validation_scores` of
    BASELINE_WEIGHTS; the smallest of equals: the model's own tags unless the counts help), and every weight's
    figure. A model trained on few sentences loses to the baseline on the tokens it has seen often; the product
    of the two takes the baseline's word where the model is unsure and the model's context where the counts
    cannot tell (rnnkit's text and series runs blend their baselines in the same way)."""
    key = measured(monitor)
    figures = {weight: scored[key] for weight, scored in scores.items()}
    best = max(figures, key=lambda w: (round(figures[w], 9), -w))
    return replace(counts, weight=best), figures


def weight_note(weight: float, scores: dict[float, float], monitor: str) -> str:
    """report.md's lines on the baseline's weight in the run's tags."""
    tried = ", ".join(f"{w:g}: {v:.4f}" for w, v in scores.items())
    what = ("the model's own tags: the baseline's counts did not help on validation" if weight == 0 else
            f"the model's emission scores plus {weight:g} x ln p(tag | token) of the most-frequent-tag baseline's "
            "counts")
    return (f"\n## The run's tags\n\n{what[0].upper() + what[1:]} (weight chosen on the validation sentences by "
            f"{measured(monitor)}; tried {tried}).\n")


def test_and_compare(model, splits: dict[str, TagSplit | None], data, tagset: TagSet, run_dir: Path,
                     train_speed: float, say, dataset: str | None = None,
                     counts: baselines.TagCounts | None = None) -> tuple[dict[str, float], str]:
    """Test-set numbers (test_* keys: the run's tags, the model's with the baseline's `counts` at their weight;
    `test_*_model`: the model's own) and report.md's sections: scores, speed, baselines."""
    test = splits["test"]
    names = tagset.tags
    t0 = time.perf_counter()
    batches = emission_batches(model, data["test"][0])
    pred_ids = decode_batches(model, batches, len(test), test.tokens, counts)
    seconds = time.perf_counter() - t0
    gold = [[names[k] for k in ids] for ids in data["test"][1]]
    pred = [[names[k] for k in ids] for ids in pred_ids]
    train_words = set(tagset.train_words or ())
    flat = score(test.tokens, gold, pred, tagset.scheme, train_words)
    final = {f"test_{k}": v for k, v in flat.items() if k not in ("sentences", "tokens")}
    final["decode_sentences_per_s"] = len(gold) / max(seconds, 1e-9)
    say("test: " + " ".join(f"{k[5:]}={v:.4f}" for k, v in final.items() if k.startswith("test_")))
    alone = flat
    if counts is not None and counts.weight > 0:
        model_pred = [[names[k] for k in ids] for ids in decode_batches(model, batches, len(test))]
        alone = score(test.tokens, gold, model_pred, tagset.scheme, train_words)
        final.update({f"test_{k}_model": v for k, v in alone.items() if k not in ("sentences", "tokens")})
        say("test, the model alone: " + " ".join(f"{k}={v:.4f}" for k, v in alone.items()
                                                  if k not in ("sentences", "tokens")))
    lines = [f"\n## Tagging: test set ({len(gold):,} sentences, {flat['tokens']:,} tokens)\n",
             f"- token accuracy: {flat['token_acc']:.4f}",
             f"- decoding: {final['decode_sentences_per_s']:.1f} sentences/s; training: "
             f"{train_speed:.1f} sentences/s (epochs x sentences / training seconds)"]
    if tagset.scheme in ("BIO", "BIOES"):
        lines += ["", "Entities (seqeval, strict mode):", "", score_table(entity_scores(gold, pred, tagset.scheme))]
    elif tagset.scheme == "BMES":
        seg = segmentation_scores(test.tokens, gold, pred, train_words)
        lines += ["", "Words (SIGHAN scoring: words as character spans):", "",
                  "| segmenter | precision | recall | F1 | OOV recall |", "|---|---|---|---|---|",
                  f"| rnnkit | {seg['precision']:.4f} | {seg['recall']:.4f} | {seg['f1']:.4f} | {seg['oov_recall']:.4f} |"]
        if baselines.is_chinese(test):
            jb = baselines.jieba_segmentation(test, gold, train_words)
            final.update({f"jieba_word_{k}": v for k, v in jb.items()})
            lines.append(f"| jieba (default dictionary, HMM) | {jb['precision']:.4f} | {jb['recall']:.4f} | "
                         f"{jb['f1']:.4f} | {jb['oov_recall']:.4f} |")
            say(f"jieba on the same sentences: word F1={jb['f1']:.4f}")
        lines.append(f"\nOOV: {seg['oov_rate']:.2%} of the gold test words never occur as words in training.")
    else:
        lines.append(class_section(run_dir, per_tag_report(gold, pred, names), what_per="tag"))
    final_base, base_lines = most_frequent_tag_section(test, gold, flat, splits["train"], data["train"][1], names,
                                                       tagset, train_words, say, alone)
    final.update(final_base)
    lines += base_lines
    if dataset == "pku-pos" and baselines.is_chinese(test):
        jb = baselines.jieba_posseg(test)
        final["jieba_posseg_token_acc_on_matched"] = jb["token_acc_on_matched"]
        lines.append(f"\njieba.posseg, on the {jb['matched_words']:.1%} of gold words its own segmentation matches "
                     f"(ICTCLAS tags, close to PKU's): token accuracy {jb['token_acc_on_matched']:.4f}")
    return final, "\n".join(lines) + "\n"


def most_frequent_tag_section(test: TagSplit, gold, flat: dict[str, float], train: TagSplit, train_ids,
                              names: list[str], tagset: TagSet, train_words: set[str],
                              say, alone: dict[str, float] | None = None,
                              where: str = "test") -> tuple[dict[str, float], list[str]]:
    """The most-frequent-tag baseline on the `where` sentences (`test`: trained on the run's training sentences,
    tags in the run's scheme), scored like the run's tags (`flat`; `alone`: the model's own, when they
    differ), and the share of its token errors the run fixes."""
    train_tags = [[names[k] for k in sent] for sent in train_ids]
    base = baselines.most_frequent_tag(train.tokens, train_tags, test.tokens)
    scored = score(test.tokens, gold, base, tagset.scheme, train_words)
    fixed = baselines.errors_fixed(flat["token_acc"], scored["token_acc"])
    final = {"most_frequent_tag_token_acc": scored["token_acc"], "errors_fixed_vs_most_frequent_tag": fixed}
    extra = {"entity_f1": "entity F1", "word_f1": "word F1"}
    key = next((k for k in extra if k in scored), None)
    if key:
        final[f"most_frequent_tag_{key}"] = scored[key]
    blended = alone is not None and alone != flat
    who = "run" if blended else "model"
    say(f"most-frequent-tag baseline{'' if where == 'test' else ' on the ' + where + ' sentences'}: "
        f"token_acc={scored['token_acc']:.4f}"
        + (f" {key}={scored[key]:.4f}" if key else "") + f"; {baselines.errors_fixed_line(fixed, who=who)}")
    head = "| tagger | token accuracy |" + (f" {extra[key]} |" if key else "")
    row = (lambda name, s: f"| {name} | {s['token_acc']:.4f} |" + (f" {s[key]:.4f} |" if key else ""))
    rows = ["", "Baseline: each token's most frequent training tag (the most frequent tag overall for unseen tokens).",
            "", head, "|---|---|" + ("---|" if key else ""),
            *([row("the model alone", alone), row("the run's tags (the model with the baseline's counts)", flat)]
              if blended else [row("rnnkit", flat)]),
            row("most frequent tag", scored), "", baselines.errors_fixed_line(fixed, markdown=True, who=who)]
    if blended:
        rows.append(baselines.errors_fixed_line(baselines.errors_fixed(alone["token_acc"], scored["token_acc"]),
                                                markdown=True, who="model alone"))
    return final, rows
