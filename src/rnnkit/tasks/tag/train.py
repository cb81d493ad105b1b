"""Training a tagger: sentences -> ids -> length-bucketed batches -> SequenceTagger, the kept
(best-by-validation) weights scored once on the test sentences, with the baselines beside them.

The run folder holds, besides the trainer's files, vocab.json, tags.json (and bigrams.json, chars.json
with those features), so predict and evaluate need nothing else; for POS-like tags also the per-tag
report (class_report.json, confusion.png). report.md gets the per-type table, training and decoding speed,
and the baselines.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from rnnkit.data.tagging import TagSplit
from rnnkit.tasks.fit import finish, fit, start
from rnnkit.tasks.tag import baselines
from rnnkit.tasks.tag.config import TagConfig
from rnnkit.tasks.tag.data import TAGS_FILE, Encoder, TagBatches, TagSet, load_splits, make_tagset, tag_ids
from rnnkit.tasks.report import class_section
from rnnkit.tasks.tag.metrics import entity_scores, per_tag_report, score, score_table, segmentation_scores
from rnnkit.tasks.tag.model import DecodedAccuracy, build_model
from rnnkit.tasks.tag.predict import decode_ids
from rnnkit.tasks.task import Task
from rnnkit.training import distributed as ddp
from rnnkit.training.losses import named_loss


def run(task: Task, config: TagConfig, run_dir: Path, *, resume: bool = False, quiet: bool = False) -> dict[str, Any]:
    """Train a sequence tagger (segmentation, POS, NER) on a named dataset or your tagged files."""
    say = start(config, quiet)
    t0 = time.perf_counter()
    splits, summary = load_splits(config)
    tagset = make_tagset(config, splits)
    use_bigrams = config.bigrams if config.bigrams is not None else tagset.unit == "char"
    encoder = Encoder.build(config, splits["train"], use_bigrams)
    vocab = encoder.vocab
    data = {k: (encoder.encode(s.tokens), tag_ids(s, tagset))
            for k, s in splits.items() if s is not None}
    n_tokens = sum(len(x) for x in data["train"][0])
    say(f"{len(data['train'][0]):,} training sentences ({n_tokens:,} {tagset.unit} tokens, {len(vocab):,} in the "
        f"vocabulary, {len(tagset.tags)} tags, scheme {tagset.scheme}), prepared in {time.perf_counter() - t0:.1f}s")
    run_dir = Path(run_dir)
    if ddp.is_main():
        run_dir.mkdir(parents=True, exist_ok=True)
        encoder.save(run_dir)
        tagset.save(run_dir / TAGS_FILE)

    model = build_model(config, tagset.tags, tagset.scheme, **encoder.sizes())
    summary = {**summary, "train samples": len(data["train"][0]), "train tokens": n_tokens,  # samples: sentences
               "tokens": tagset.unit, "scheme": tagset.scheme + (f" (converted from {tagset.source_scheme})"
                                                                 if tagset.source_scheme != tagset.scheme else ""),
               "tags": len(tagset.tags), "vocabulary": len(vocab),
               **({"bigram vocabulary": len(encoder.bigrams)} if encoder.bigrams else {}),
               "validation samples": len(data["valid"][0]),
               "batch size": f"{config.batch_size} (length-bucketed)"}
    # the tagger's own loss and metric: CRF NLL (or masked cross-entropy), accuracy of the decoded tags
    loss = named_loss("crf_nll" if config.crf else "token_crossentropy", model.loss)
    fitted = fit(task, config, run_dir, model, TagBatches(*data["train"], config.batch_size, seed=config.seed),
                 valid=TagBatches(*data["valid"], 128, shuffle=False), summary=summary, resume=resume, quiet=quiet,
                 facts={"scheme": tagset.scheme, "unit": tagset.unit}, loss=loss, metrics=[DecodedAccuracy(model)])
    final = fitted.final
    trainer = fitted.trainer
    epochs_done = len(trainer.history.epoch) or config.epochs
    final["train_sentences_per_s"] = len(data["train"][0]) * epochs_done / max(trainer.train_seconds, 1e-9)
    notes = ""
    if splits["test"] is not None:
        final_test, notes = test_and_compare(model, splits, data, tagset, run_dir, final["train_sentences_per_s"], say)
        final.update(final_test)
    return finish(task, config, fitted, final, notes=notes, quiet=quiet)


def test_and_compare(model, splits: dict[str, TagSplit | None], data, tagset: TagSet, run_dir: Path,
                     train_speed: float, say) -> tuple[dict[str, float], str]:
    """Test-set numbers (test_* keys) and report.md's sections: scores, speed, baselines."""
    test = splits["test"]
    names = tagset.tags
    t0 = time.perf_counter()
    pred_ids = decode_ids(model, data["test"][0])
    seconds = time.perf_counter() - t0
    gold = [[names[k] for k in ids] for ids in data["test"][1]]
    pred = [[names[k] for k in ids] for ids in pred_ids]
    train_words = set(tagset.train_words or ())
    flat = score(test.tokens, gold, pred, tagset.scheme, train_words)
    final = {f"test_{k}": v for k, v in flat.items() if k not in ("sentences", "tokens")}
    final["decode_sentences_per_s"] = len(gold) / max(seconds, 1e-9)
    say("test: " + " ".join(f"{k[5:]}={v:.4f}" for k, v in final.items() if k.startswith("test_")))
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
        mft = baselines.most_frequent_tag(splits["train"], test)
        final["most_frequent_tag_token_acc"] = mft["token_acc"]
        lines += ["", "| tagger | token accuracy |", "|---|---|", f"| rnnkit | {flat['token_acc']:.4f} |",
                  f"| most frequent tag per word (training counts) | {mft['token_acc']:.4f} |"]
        if baselines.is_chinese(test):
            jb = baselines.jieba_posseg(test)
            final["jieba_posseg_token_acc_on_matched"] = jb["token_acc_on_matched"]
            lines.append(f"| jieba.posseg, on the {jb['matched_words']:.1%} of gold words its own segmentation "
                         f"matches (ICTCLAS tags) | {jb['token_acc_on_matched']:.4f} |")
        say(f"most-frequent-tag baseline: token_acc={mft['token_acc']:.4f}")
    return final, "\n".join(lines) + "\n"
