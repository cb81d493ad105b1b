"""Training a seq2seq run: pairs -> vocabularies -> bucketed batches -> Seq2Seq under teacher forcing
(the ratio per epoch from a callback), then the test pairs (else the validation ones) decoded greedily and
with beam search, scored (WER, PER, BLEU for word targets) beside the copy and dictionary baselines where
they make sense (baselines.py), timed, and a few attention matrices drawn. `--source-tokens/--target-tokens auto`
are resolved from the training pairs first (`rnnkit.data.pairs.choose_tokens`), the reason printed,
and the resolved kinds are what config.json keeps."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from rnnkit.data.pairs import choose_tokens
from rnnkit.tasks.fit import finish, fit, start
from rnnkit.tasks.seq2seq.baselines import baselines
from rnnkit.tasks.seq2seq.config import Seq2SeqConfig
from rnnkit.tasks.seq2seq.data import PairBatches, Vocabularies, pair_splits, with_validation
from rnnkit.tasks.seq2seq.model import build_model
from rnnkit.tasks.seq2seq.predict import ATTENTION_FILE, draw_attention, score_split
from rnnkit.tasks.task import Task
from rnnkit.training import distributed as ddp
from rnnkit.training.callbacks import Callback


class TeacherForcing(Callback):
    """Sets the model's teacher-forcing ratio for each epoch: linear from `first` to `last`."""

    def __init__(self, model, first: float, last: float | None, epochs: int):
        self.model, self.first, self.last, self.epochs = model, first, first if last is None else last, epochs

    def on_epoch_begin(self, trainer, epoch: int) -> None:
        share = epoch / max(1, self.epochs - 1)
        self.model.teacher_forcing = self.first + (self.last - self.first) * share


def run(task: Task, config: Seq2SeqConfig, run_dir: Path, *, resume: bool = False, quiet: bool = False) -> dict[str, Any]:
    """Train an encoder-decoder with attention on pairs (a named dataset or your own file)."""
    say = start(config, quiet)
    splits, data_summary = pair_splits(config)
    if splits["train"].headerless or splits["train"].named:
        say(f"{config.data}: {data_summary['columns']}")
    splits = with_validation(splits, config.validation_split, config.seed)
    config, token_notes = resolve_tokens(config, splits["train"])
    for line in token_notes:
        say(line)
    run_dir = Path(run_dir)
    vocabs = (Vocabularies.load(run_dir, config) if resume and (run_dir / "source_vocab.json").is_file()
              else Vocabularies.build(splits["train"], config))
    if ddp.is_main():
        run_dir.mkdir(parents=True, exist_ok=True)
        vocabs.save(run_dir)
    train, valid = splits["train"], splits.get("valid")
    say(f"{len(train):,} training pairs ({len(set(train.sources)):,} distinct sources), vocabularies "
        f"{len(vocabs.source)} source / {len(vocabs.target)} target tokens")
    model = build_model(config, len(vocabs.source), len(vocabs.target))
    summary = {**data_summary, "train samples": len(train), "source vocabulary": len(vocabs.source),  # pairs
               "target vocabulary": len(vocabs.target), "batch size": f"{config.batch_size} (bucketed by source length)",
               **({"validation samples": len(valid)} if valid is not None else {})}
    forcing = TeacherForcing(model, config.teacher_forcing, config.teacher_forcing_final, config.epochs)
    fitted = fit(task, config, run_dir, model, batches(vocabs, train, config.batch_size, seed=config.seed),
                 valid=None if valid is None else batches(vocabs, valid, 256), summary=summary, callbacks=[forcing],
                 resume=resume, quiet=quiet)
    final, notes = fitted.final, ""
    if ddp.is_main() and splits.get("test") is not None:
        notes = test_and_compare(model, vocabs, config, train, splits["test"], final, fitted, say)
    elif ddp.is_main() and valid is not None:  # no test pairs: the model beside the baselines on the held-out ones
        notes = test_and_compare(model, vocabs, config, train, valid, final, fitted, say, where="validation")
    notes = "\n## Tokens\n\n" + "".join(f"- {line}\n" for line in token_notes) + notes
    return finish(task, config, fitted, final, notes=notes, quiet=quiet)


def batches(vocabs: Vocabularies, pairs, batch_size: int, seed: int | None = None) -> PairBatches:
    """Pairs encoded in batches bucketed by source length: shuffled with a seed (training), else in order."""
    return PairBatches(vocabs.encode_sources(pairs.sources), vocabs.encode_targets(pairs.targets), batch_size,
                       **({"seed": seed} if seed is not None else {"shuffle": False}))


def test_and_compare(model, vocabs: Vocabularies, config: Seq2SeqConfig, train, test, final: dict, fitted, say,
                     where: str = "test") -> str:
    """Score the test pairs greedily and with the beam into `final` (test_* keys), beside the copy and
    dictionary baselines, draw four test sources' attention; report.md's sections. A run without test pairs
    scores its validation pairs so (`where="validation"`, val_* keys): they chose the kept epoch, so the
    model's figures are a little optimistic, and they are held out by source, so no dictionary applies."""
    key = "test" if where == "test" else "val"
    results = {}
    for name, beam in (("greedy", 1), (f"beam {config.beam}", config.beam)):
        results[name] = score_split(model, vocabs, test, beam=beam, length_penalty=config.length_penalty,
                                    bleu=config.data is not None and config.target_tokens == "words")
        say(f"{where}, {name}: " + " ".join(f"{k}={v:.4f}" for k, v in results[name].items()))
    final.update({f"{key}_{k}": v for k, v in results[f"beam {config.beam}"].items()})
    final.update({f"{key}_greedy_{k}": v for k, v in results["greedy"].items()})
    notes = comparison(results, len(set(test.sources)), where)
    if where != "test":
        notes += ("\nNo test file was given: these are the validation pairs, which chose the kept epoch, so the "
                  "model's figures are a little optimistic; `--test-data` scores held-out pairs.\n")
    compared = baselines(train, test, config.source_tokens, config.target_tokens)
    final.update({f"{name}_{k}" if where == "test" else f"{key}_{name}_{k}": v
                  for name, scores in compared.items() for k, v in scores.items()})
    notes += baseline_section(results[f"beam {config.beam}"], compared, say, where)
    if fitted.trainer.run is not None:
        draw_attention(model, vocabs, sorted(set(test.sources))[:: max(1, len(set(test.sources)) // 4)][:4],
                       fitted.trainer.run.path / ATTENTION_FILE)
        notes += f"\n## Attention\n\n![attention matrices of four {where} sources]({ATTENTION_FILE})\n"
    return notes


def resolve_tokens(config: Seq2SeqConfig, train) -> tuple[Seq2SeqConfig, list[str]]:
    """`config` with "auto" token kinds chosen from the training pairs, and one line per side saying how."""
    notes, kinds = [], {}
    for side, texts in (("source", train.sources), ("target", train.targets)):
        given = getattr(config, f"{side}_tokens")
        if given == "auto":
            kinds[f"{side}_tokens"], reason = choose_tokens(texts, side)
            notes.append(f"--{side}-tokens auto: {reason}")
        else:
            notes.append(f"--{side}-tokens {given} (given)")
    return replace(config, **kinds), notes


def baseline_section(model: dict[str, float], compared: dict[str, dict[str, float]], say, where: str = "test") -> str:
    """The baselines' line on screen and their table in report.md (the model's beam-search scores first)."""
    if not compared:
        say(f"baselines: none applies (sources and targets share too few symbols to copy, and no {where} source "
            "occurs in training)")
        return ("\n## Baselines\n\nNone applies: the sources and targets share too few symbols for a copy, and "
                f"no {where} source occurs in training for a dictionary.\n")
    say("baselines: " + "; ".join(f"{name} wer={v['wer']:.4f} per={v['per']:.4f}"
                                  + (f" ({where} sources seen in training: {v['coverage']:.1%})"
                                     if "coverage" in v else "")
                                  for name, v in compared.items())
        + f"; the model wer={model['wer']:.4f} per={model['per']:.4f}")
    names = {"copy": "copy (the source itself)",
             "dictionary": "dictionary (each source's most frequent training target)"}
    rows = [f"| rnnkit (beam search) | {model['wer']:.4f} | {model['per']:.4f} | |"]
    for n, v in compared.items():
        seen = f"{v['coverage']:.1%} of {where} sources seen in training" if "coverage" in v else ""
        rows.append(f"| {names[n]} | {v['wer']:.4f} | {v['per']:.4f} | {seen} |")
    return (f"\n## Baselines (same {where} pairs)\n\n| | WER | PER | |\n|---|---|---|---|\n" + "\n".join(rows) + "\n")


def comparison(results: dict[str, dict[str, float]], sources: int, where: str = "test") -> str:
    """Greedy and beam search side by side, as a markdown table."""
    names = list(results)
    keys = list(results[names[0]])
    rows = [f"| {k} | " + " | ".join(f"{results[n][k]:.4f}" for n in names) + " |" for k in keys]
    return (f"\n## Decoding the {where} set ({sources:,} sources)\n\n| | {' | '.join(names)} |\n|---|"
            + "---|" * len(names) + "\n" + "\n".join(rows) + "\n")
