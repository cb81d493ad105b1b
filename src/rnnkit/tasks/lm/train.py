"""Training a language model with stateful truncated BPTT (Zaremba et al. 2014).

The training text is B parallel streams read window by window in order (`StreamWindows`, never
shuffled); `CarriedState` hands each window the state the previous one ended with, detached. Each
epoch starts from a zero state, and so does every validation pass. The learning rate stays at `lr`
for `decay_after` epochs, then is multiplied by `lr_decay` at every epoch (Zaremba et al.'s schedule;
a config `schedule` replaces it). The test text is scored once at the end with the kept
(best-by-validation) weights, in `test_batch_size` parallel streams each after `burn_in` tokens of the
text before its part (`ScoringStreams`), and beside it the baselines (`baseline.Baselines`: a Kneser-Ney
n-gram, and xz at character level) on the same tokens; then, where the config asks (characters by
default), once more with what wins on validation among dynamic evaluation, a neural cache, the n-gram and
(characters) the match model blended in (`adapt`). report.md adds test perplexity (and bits per character),
the baselines and whether the model (and its adapted blend) beats them, training tokens/s and three samples
at temperatures 0.5, 1.0, 1.2.
"""
from __future__ import annotations

import math
import time
from dataclasses import replace
from pathlib import Path


from rnnkit.data import Vocabulary
from rnnkit.data.lm_streams import StreamWindows
from rnnkit.errors import UserError
from rnnkit.models.language_model import CarriedState
from rnnkit.tasks.lm.config import LEVEL_EPOCHS, LMConfig, epochs_to_train
from rnnkit.tasks.lm.adapt import adapted_test, uses_match
from rnnkit.tasks.lm.baseline import Baselines
from rnnkit.tasks.lm.data import VOCAB_FILE, load_corpus, scoring_windows, unknown_shares, unknown_warning
from rnnkit.tasks.lm.generate import SAMPLE_TEMPERATURES, sample_text
from rnnkit.tasks.lm.level import level_for_text, level_note
from rnnkit.tasks.lm.model import build_model
from rnnkit.tasks.lm.predict import score
from rnnkit.tasks.fit import finish, fit, start
from rnnkit.tasks.config import raised_epochs_note
from rnnkit.tasks.report import test_metrics
from rnnkit.tasks.task import Task
from rnnkit.training import Callback
from rnnkit.training import distributed as ddp
from rnnkit.training.optim import learning_rate, make_optimizer

SAMPLE_LENGTH = {"word": 50, "char": 300}
RAISED_PATIENCE = 10
"""A run whose epochs `min_steps` raised stops after this many epochs without a better validation loss (unless
`--early-stopping` says otherwise; the best epoch's weights are kept either way): on a 35 KB text the 112
epochs the step minimum asked for found their best validation loss near epoch 21 and only overfit after."""


class StreamEpochs(Callback):
    """Each epoch starts from a zero state; Zaremba's learning-rate decay; training tokens per second."""

    def __init__(self, carried: CarriedState, config: LMConfig, tokens_per_epoch: int):
        self.carried, self.config, self.tokens = carried, config, tokens_per_epoch
        self.base_lr = learning_rate(config.optimizer, config.lr)
        self.t0 = self.t_last = 0.0
        self.speeds: list[float] = []

    def on_epoch_begin(self, trainer, epoch: int) -> None:
        self.carried.reset()
        if self.config.schedule is None:  # lr * decay^max(0, epoch + 1 - decay_after), epochs counted from 0
            lr = self.base_lr * self.config.lr_decay ** max(0, epoch + 1 - self.config.decay_after)
            for group in trainer.optimizer.param_groups:
                group["lr"] = lr
        self.t0 = self.t_last = time.perf_counter()

    def on_batch_end(self, trainer, step: int, logs) -> None:
        self.t_last = time.perf_counter()

    def on_epoch_end(self, trainer, epoch: int, logs) -> None:
        seconds = self.t_last - self.t0  # the training windows only, not validation
        if seconds > 0:
            self.speeds.append(self.tokens / seconds)
            logs["tokens_per_s"] = self.speeds[-1]


def run(task: Task, config: LMConfig, run_dir: Path, *, resume: bool = False, quiet: bool = False) -> dict[str, float]:
    if ddp.world_size() > 1:  # each process would read every other window: the state could not carry over
        raise UserError("rnnkit train lm runs in one process: its streams are read in order (drop --nproc)")
    say = start(config, quiet)
    corpus, train_set, valid_set, test_set = read_streams(config, run_dir, resume, say)
    model = build_model(config, len(corpus.vocab))
    carried = CarriedState(model)
    epochs = StreamEpochs(carried, config, train_set.tokens)
    # Zaremba et al.'s SGD has no momentum (the trainer's sgd has 0.9)
    optimizer = (make_optimizer("sgd", model.parameters(), lr=epochs.base_lr, weight_decay=config.weight_decay,
                                momentum=config.momentum) if config.optimizer == "sgd" else None)
    n_epochs = epochs_to_train(config, len(train_set))
    if config.epochs is None and n_epochs > LEVEL_EPOCHS[corpus.level]:
        if config.early_stopping is None:
            config = replace(config, early_stopping=RAISED_PATIENCE)
        say(raised_epochs_note(n_epochs, len(train_set), "windows", f"min_steps={config.min_steps}")
            + f" (--epochs N trains N), stopping after {config.early_stopping} epochs without a better validation loss")
    fitted = fit(task, config, run_dir, model, train_set, valid=valid_set, summary=data_summary(corpus, train_set, config),
                 epochs=n_epochs, shuffle=False, facts={"level": corpus.level}, callbacks=[epochs], forward_module=carried,
                 optimizer=optimizer, resume=resume, quiet=quiet)
    final = fitted.final
    if epochs.speeds:
        final["train_tokens_per_s"] = sum(epochs.speeds) / len(epochs.speeds)
    notes = samples_note(model, corpus, config)  # sampled before the test pass (dynamic evaluation changes the model)
    if test_set is not None:
        scored = score(fitted.trainer, carried, test_set, corpus.level, prefix="test_")
        final.update(scored)
        say(f"test ({test_set.tokens:,} tokens of {corpus.names['test']} in {test_set.batch_size} streams, each "
            f"after {test_set.burn_in} tokens of burn-in; {scored['test_tokens_per_s']:,.0f} tokens/s): "
            + " ".join(f"{k}={v:.4f}" for k, v in test_metrics(final).items() if k != "tokens_per_s"))
    lines = compare_with_baselines(model, train_set, corpus, config, final, say, tested=test_set is not None)
    return finish(task, config, fitted, final, test_notes=["", *(f"- {line}" for line in lines)] if lines else [],
                  notes=notes, quiet=quiet)


def read_streams(config: LMConfig, run_dir: Path, resume: bool, say):
    """The corpus (its vocabulary saved in the run folder, or read back from it on resume) and its training,
    validation and (when there is a test text) test windows."""
    level, share = level_for_text(config) if config.level == "auto" and config.data is not None else (None, None)
    if share is not None:  # None: the text cannot be read, which load_corpus says in its own words
        say(level_note(share, level))
    t0 = time.perf_counter()
    corpus = load_corpus(config, Vocabulary.load(Path(run_dir) / VOCAB_FILE) if resume else None)
    train_set = StreamWindows(corpus.ids["train"], config.batch_size, config.bptt, jitter=config.bptt_jitter,
                              seed=config.seed, what=corpus.names["train"])
    valid_set = scoring_windows(corpus.ids["valid"], config.eval_batch_size, config, corpus.names["valid"])
    test_set = (scoring_windows(corpus.ids["test"], config.test_batch_size, config, corpus.names["test"])
                if "test" in corpus.ids else None)
    say(f"{len(corpus.ids['train']):,} training tokens ({corpus.level} level, {len(corpus.vocab):,} in the "
        f"vocabulary), {len(train_set)} windows of {config.bptt} x {config.batch_size} streams per epoch, "
        f"read in {time.perf_counter() - t0:.1f}s")
    warning = unknown_warning(corpus)
    if warning:
        say(warning)
    if ddp.is_main():
        Path(run_dir).mkdir(parents=True, exist_ok=True)
        corpus.vocab.save(Path(run_dir) / VOCAB_FILE)
    return corpus, train_set, valid_set, test_set


def data_summary(corpus, train_set: StreamWindows, config: LMConfig) -> dict:
    return {"train samples": train_set.tokens,  # the report's samples/s: predicted tokens per second
            "corpus": "; ".join(f"{split}: {name}" for split, name in corpus.names.items()),
            "level": corpus.level, "vocabulary": len(corpus.vocab),
            **{f"{k} tokens": len(v) for k, v in corpus.ids.items()},
            **{f"{k} tokens outside the vocabulary": f"{share:.1%}" for k, share in unknown_shares(corpus).items()},
            "streams": f"{config.batch_size} x windows of {config.bptt}{' (jittered)' if config.bptt_jitter else ''}"}


def compare_with_baselines(model, train_set: StreamWindows, corpus, config: LMConfig, final: dict, say, *,
                           tested: bool) -> list[str]:
    """Score the n-gram (and compressor) baselines on the test text (the validation text without one) into
    `final`, the adapted model (the model blended with the n-gram; dynamic evaluation and the cache where
    asked), and return the lines that say which wins (none without baselines)."""
    split, scored_as = ("test", "test_") if tested else ("valid", "val_")
    contenders = {"the model": math.log(final[f"{scored_as}perplexity"])}
    baselines = None
    if config.baseline and ddp.is_main():
        t1 = time.perf_counter()
        baselines = Baselines(corpus.ids, corpus.vocab, corpus.level, config.ngram_order, split)
        final.update(baselines.metrics)
        say(f"(baselines scored in {time.perf_counter() - t1:.1f}s)")
    # the n-gram blend alone costs two static passes (validation, test): every level gets it with a baseline
    if tested and ("auto" in (config.dynamic_eval, config.cache) or baselines is not None
                   or uses_match(config, corpus.level)):
        ngram = None if baselines is None else (baselines.ngram_valid, baselines.ngram_split)
        adapted = adapted_test(model, train_set, corpus, config, final, say, ngram,
                               None if baselines is None else baselines.order)
        if adapted is not None:
            contenders[adapted[1]] = adapted[0]
    if baselines is None:
        return []
    lines = baselines.lines(contenders)
    for line in lines:
        say(line)
    return lines


def samples_note(model, corpus, config: LMConfig) -> str:
    """report.md's samples: one per temperature, from the start of a line, seeded (seed, seed + 1, seed + 2)."""
    lines = ["", "## Samples", ""]
    for i, temperature in enumerate(SAMPLE_TEMPERATURES):
        text = sample_text(model, corpus.vocab, corpus.level, "", SAMPLE_LENGTH[corpus.level],
                           temperature=temperature, seed=config.seed + i)
        lines += [f"temperature {temperature}:", "", "```", text.strip("\n"), "```", ""]
    return "\n".join(lines)
