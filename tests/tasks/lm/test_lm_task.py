"""The lm task end to end on a tiny text: a model that memorises it generates it back at temperature 0,
the same seed gives the same text, evaluate reads the run back, and bad input exits 2 with one line."""
import json
import math

import numpy as np
import pytest

import rnnkit
from rnnkit.tasks import load_config
from rnnkit.tasks import train as train_task
from rnnkit.errors import UserError
from testkit import call_cli as call

LINE = "the quick brown fox jumps over the lazy dog\n"
TINY = {"level": "char", "batch_size": "4", "bptt": "16", "embedding_dim": "16", "hidden_size": "64",
        "num_layers": "1", "optimizer": "adam", "lr": "0.02", "epochs": "10", "init_range": "0"}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("lm")
    (path / "train.txt").write_text(LINE * 40)
    (path / "valid.txt").write_text(LINE * 4)
    (path / "test.txt").write_text(LINE * 4)
    (path / "empty.txt").write_text("")
    config = {"data": str(path / "train.txt"), "valid_data": str(path / "valid.txt"), "test_data": str(path / "test.txt"), **TINY}
    run, final = train_task(*load_config("lm", config), run_dir=path / "run", quiet=True)
    assert final["test_bpc"] < 0.5, final  # the text is one repeated line: learnt almost exactly
    return run


def test_the_run_folder_holds_what_generation_needs(run_dir):
    for name in ("config.json", "model.safetensors", "vocab.json", "report.md", "history.png"):
        assert (run_dir / name).is_file(), name
    report = (run_dir / "report.md").read_text()
    assert "## Samples" in report and "temperature 1.2" in report and "- bpc: " in report
    # the baselines on the same test text, and the verdict in words
    assert "- baseline on the test text, bpc: xz -9e given the training text" in report
    assert "- baseline on the test text, bpc: Kneser-Ney" in report and "- xz_bpc: " in report
    assert "the model (bpc " in report and ("BEATS the xz" in report or "LOSES TO the xz" in report)
    assert json.loads((run_dir / "config.json").read_text())["data"]["level"] == "char"


def test_a_memorised_text_comes_back_at_temperature_zero(run_dir):
    text = "".join(rnnkit.generate(run_dir, "the quick", 60, temperature=0))
    assert text == (LINE * 2)[:len("the quick") + 60]


def test_the_same_seed_gives_the_same_text(run_dir):
    def sample(seed):
        return "".join(rnnkit.generate(run_dir, "the", 80, temperature=1.5, seed=seed))

    assert sample(3) == sample(3)
    assert len({sample(s) for s in range(4)}) > 1


def test_evaluate_carries_the_state_over_the_test_text(run_dir, capsys):
    code, out, _ = call(capsys, "evaluate", run_dir, "--json")
    metrics = json.loads(out)
    assert code == 0 and metrics["bpc"] < 0.5
    assert metrics["perplexity"] == pytest.approx(math.exp(metrics["loss"]), rel=1e-4)


def test_generate_command_streams_the_text(run_dir, capsys):
    code, out, err = call(capsys, "generate", run_dir, "--prompt", "the quick", "--length", "20", "--temperature", "0")
    assert code == 0 and out == (LINE * 2)[:len("the quick") + 20] + "\n"


@pytest.mark.parametrize("args, message", [
    (["--prompt", "@#"], "--prompt '@#': every character is outside the model's vocabulary ('@', '#')"),
    (["--temperature", "-1"], "--temperature -1.0: expected a temperature >= 0"),
    (["--length", "0"], "--length 0: expected a positive number of tokens"),
    (["--top-p", "0"], "--top-p 0.0: expected a probability in (0, 1]"),
])
def test_bad_generate_options_are_one_line(run_dir, capsys, args, message):
    code, out, err = call(capsys, "generate", run_dir, *args)
    assert code == 2 and out == "" and err.strip().count("\n") == 0 and message in err


def test_an_empty_training_file_is_one_line(run_dir, capsys):
    folder = run_dir.parent
    code, _, err = call(capsys, "train", "lm", "--data", folder / "empty.txt", "--valid-data", folder / "valid.txt",
                        "--quiet")
    assert code == 2 and err.strip().count("\n") == 0 and "empty.txt: the file is empty" in err


def test_words_outside_the_vocabulary_are_named(tmp_path, capsys):
    (tmp_path / "t.txt").write_text("a b c\n" * 30)
    code, _, err = call(capsys, "train", "lm", "--data", tmp_path / "t.txt", "--valid-data", tmp_path / "t.txt",
                        "--epochs", "1", "--batch-size", "2", "--bptt", "5", "--hidden-size", "8",
                        "--embedding-dim", "8", "--run-dir", tmp_path / "run", "--quiet")
    assert code == 0
    code, _, err = call(capsys, "generate", tmp_path / "run", "--prompt", "zebra okapi", "--length", "3")
    assert code == 2 and "every word is outside the model's vocabulary ('zebra', 'okapi')" in err


def test_a_folder_of_texts_trains_and_evaluates_as_their_concatenation(tmp_path, capsys):
    """`--data DIR` (a corpus kept as a file per document) was "is a folder; expected a file"; it reads as its
    files in name order, the level measured on them (a folder was told words without measuring), and evaluate
    reads the folder too."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text(LINE * 20)
    (tmp_path / "docs" / "b.txt").write_text(LINE * 20)
    (tmp_path / "one.txt").write_text(LINE * 40)
    runs = {}
    for name in ("docs", "one.txt"):
        code, _, err = call(capsys, "train", "lm", "--data", tmp_path / name, "--epochs", "1", "--hidden-size", "8",
                            "--embedding-dim", "8", "--bptt", "10", "--batch-size", "4", "--run-dir",
                            tmp_path / f"run-{name}", "--quiet")
        assert code == 0, err
        code, out, err = call(capsys, "evaluate", tmp_path / f"run-{name}", "--data", tmp_path / name, "--json")
        assert code == 0, err
        runs[name] = json.loads(out)
    assert runs["docs"]["tokens"] == runs["one.txt"]["tokens"] and runs["docs"]["loss"] == runs["one.txt"]["loss"]


def test_output_precision_reaches_the_model_and_is_checked(tmp_path, capsys):
    from rnnkit.tasks.lm.config import LMConfig
    from rnnkit.tasks.lm.model import build_model

    assert LMConfig().output_precision == "float32"
    assert build_model(LMConfig(output_precision="bfloat16"), 50).output_precision == "bfloat16"
    code, _, err = call(capsys, "train", "lm", "--data", tmp_path / "a.txt", "--output-precision", "half",
                        "--run-dir", tmp_path / "run")
    assert code == 2 and "half" in err and len(err.strip().splitlines()) == 1, err


def test_defaults_follow_the_level_and_a_set_field_wins():
    from rnnkit.tasks.lm.config import LEVEL_DEFAULTS, LMConfig

    words, chars = LMConfig(dataset="ptb"), LMConfig(dataset="shakespeare")
    assert (words.hidden_size, words.optimizer, words.lr, words.bptt, words.schedule) == (200, "sgd", 20.0, 20, None)
    assert (chars.hidden_size, chars.optimizer, chars.lr, chars.bptt, chars.schedule) == (512, "adam", 2e-3, 100, "cosine")
    own_chars = LMConfig(data="a.txt", valid_data="b.txt", level="char", hidden_size=128, epochs=5)
    assert (own_chars.hidden_size, own_chars.epochs, own_chars.num_layers) == (128, 5, LEVEL_DEFAULTS["char"]["num_layers"])
    assert LMConfig(data="a.txt", valid_data="b.txt").hidden_size == LEVEL_DEFAULTS["word"]["hidden_size"]


def test_a_small_text_trains_at_least_min_steps_unless_epochs_are_given():
    """4 epochs of Debian's licences (303 KB) are 308 steps: validation loss 1.71 nats, 16 epochs 0.89 (TASKS.md).
    With epochs unset a character run trains at least 1000 steps; Shakespeare's 1,422 windows an epoch and
    PTB's words keep 4 and 6 epochs; --epochs N trains N."""
    from rnnkit.tasks.lm.config import LMConfig, epochs_to_train

    chars = LMConfig(dataset="shakespeare")
    assert chars.epochs is None and chars.min_steps == 1000
    assert epochs_to_train(chars, 77) == 13 and epochs_to_train(chars, 1422) == 4
    assert epochs_to_train(LMConfig(dataset="ptb"), 10) == 6
    assert epochs_to_train(LMConfig(dataset="shakespeare", epochs=2), 77) == 2
    assert epochs_to_train(LMConfig(dataset="shakespeare", min_steps=0), 77) == 4


def test_dropout_defaults_to_half_for_the_words_of_a_users_file_only():
    """PTB keeps Zaremba et al.'s unregularised small model; a user's word-level text gets dropout 0.5;
    characters none; a dropout the user sets wins everywhere."""
    from rnnkit.tasks.lm.config import LMConfig

    assert LMConfig().dropout == 0.0
    assert LMConfig(data="a.txt").dropout == 0.5
    assert LMConfig(data="a.txt", level="char").dropout == 0.0
    assert LMConfig(dataset="shakespeare").dropout == 0.0
    assert LMConfig(data="a.txt", dropout=0.0).dropout == 0.0
    assert LMConfig(dropout=0.2).dropout == 0.2


def test_scoring_in_parallel_streams_gives_the_one_stream_perplexity():
    """Validation and test are scored in long windows of parallel streams (each after a burn-in of the text
    before its part) for speed: the perplexity must be the one of one stream carried over the whole text."""
    import numpy as np
    import torch

    from rnnkit.data.lm_streams import ScoringStreams
    from rnnkit.models.language_model import CarriedState, LanguageModel
    from rnnkit.training import Trainer

    torch.manual_seed(0)
    model = LanguageModel(50, 16, 32, 2)
    ids = np.random.default_rng(0).integers(1, 50, 1001)

    def perplexity(streams, window, burn_in=100):
        trainer = Trainer(model, metrics=["perplexity"], quiet=True, forward_module=CarriedState(model))
        windows = ScoringStreams(ids, streams, window, burn_in)
        assert windows.batch_size == streams and windows.tokens == 1000
        return trainer.evaluate(windows)["perplexity"]

    one = perplexity(1, 7)
    assert perplexity(1, 200) == pytest.approx(one, rel=1e-6) == perplexity(1, 1000)
    assert perplexity(4, 200) == pytest.approx(one, rel=1e-5)  # the burn-in brings each stream's state in
    assert perplexity(4, 200, burn_in=0) != pytest.approx(one, rel=1e-5)  # without it, three cold starts


def test_without_validation_or_test_text_the_end_of_the_training_text_is_held_out(tmp_path):
    """Like every task, lm splits off its own parts, by position: the last test_split of the training text
    is the test part, the last validation_split of the rest validation; the vocabulary is counted on what
    remains, and a validation split of 0 says what is missing."""
    from rnnkit.tasks.lm.config import LMConfig
    from rnnkit.tasks.lm.data import load_corpus

    (tmp_path / "train.txt").write_text(LINE * 9 + "#\n")  # a character only in the held-out tail
    corpus = load_corpus(LMConfig(data=str(tmp_path / "train.txt"), level="char", validation_split=0.1))
    tokens = len(LINE) * 9 + 2
    assert len(corpus.ids["test"]) == tokens - int(tokens * 0.9)
    assert len(corpus.ids["valid"]) == int(tokens * 0.9) - int(int(tokens * 0.9) * 0.9)
    assert "#" not in corpus.vocab.stoi and corpus.names["test"] == f"the last 10% of {tmp_path / 'train.txt'}"
    assert corpus.names["valid"] == f"the last 10% of {tmp_path / 'train.txt'} before its test part"
    only_valid = load_corpus(LMConfig(data=str(tmp_path / "train.txt"), level="char", test_split=0.0))
    assert "test" not in only_valid.ids and len(only_valid.ids["valid"]) == tokens - int(tokens * 0.9)
    with pytest.raises(UserError, match="needs validation text: give --valid-data"):
        load_corpus(LMConfig(data=str(tmp_path / "train.txt"), level="char", validation_split=0.0))


def test_a_run_on_one_file_evaluates_and_generates_on_its_own_test_part(tmp_path, capsys):
    """`rnnkit train lm --data F` alone: the test part exists, is scored (with the baselines) at the end
    of the run, and `rnnkit evaluate RUN` scores the same part again with the same numbers."""
    (tmp_path / "all.txt").write_text(LINE * 50)
    code, out, _ = call(capsys, "train", "lm", "--data", tmp_path / "all.txt", "--level", "char", "--epochs", "1",
                        "--hidden-size", "16", "--embedding-dim", "8", "--bptt", "10", "--batch-size", "4",
                        "--run-dir", tmp_path / "run")
    assert code == 0 and f"of the last 10% of {tmp_path / 'all.txt'} in " in out
    report = (tmp_path / "run" / "report.md").read_text()  # each part named, not three names in a row
    assert f"test: the last 10% of {tmp_path / 'all.txt'}" in report and "valid: the last 10%" in report
    assert "baseline on the test text, bpc: xz -9e" in out
    code, out, _ = call(capsys, "evaluate", tmp_path / "run", "--json")
    metrics = json.loads(out)
    assert code == 0 and metrics["text"] == f"the last 10% of {tmp_path / 'all.txt'}"
    assert metrics["tokens"] == len(LINE * 50) - int(len(LINE * 50) * 0.9) - 1
    report = (tmp_path / "run" / "report.md").read_text()
    assert f"- bpc: {metrics['bpc']:.4f}" in report  # the run's own test figure, scored again
    code, out, _ = call(capsys, "generate", tmp_path / "run", "--prompt", "the", "--length", "10", "--seed", "1")
    assert code == 0 and out.startswith("the") and len(out) == len("the") + 10 + 1


def test_a_word_run_blends_its_ngram_baseline_on_validation(tmp_path):
    """At word level too the test text is scored again with the n-gram baseline blended in (weights fitted on
    validation; no dynamic evaluation or cache there by default): on a text the n-gram has by heart and a
    model trained one epoch, the blend leans on the n-gram and beats the model alone; the static figure stays."""
    (tmp_path / "all.txt").write_text(LINE * 60)
    config = {"data": str(tmp_path / "all.txt"), "level": "word", "epochs": "1", "hidden_size": "16",
              "embedding_dim": "8", "num_layers": "1", "bptt": "5", "batch_size": "4"}
    _, final = train_task(*load_config("lm", config), run_dir=tmp_path / "run", quiet=True)
    assert final["dynamic_lr"] == 0.0 and final["mix_cache"] == 0.0 and final["mix_ngram"] > 0.5
    assert final["test_adapted_perplexity"] < final["test_perplexity"]


def test_a_word_run_on_a_log_says_its_held_out_text_is_mostly_unk(tmp_path, capsys):
    """A log's times and versions never repeat: at word level 40% of its held-out tokens were <unk>, and the
    run printed a perplexity that mostly scores <unk> without a word. Now one line says so, and report.md
    gives each part's share; a text whose words repeat (PTB: 4.7%) gets no warning."""
    from rnnkit.tasks.lm.config import LMConfig
    from rnnkit.tasks.lm.data import load_corpus, unknown_warning

    log = "".join(f"2025-06-{d:02d} 14:{m:02d}:{s:02d} status installed libfoo:amd64 1.{d}.{m}-{s}\n"
                  for d in range(1, 29) for m, s in ((10, 1), (20, 2), (30, 3)))
    (tmp_path / "dpkg.log").write_text(log)
    corpus = load_corpus(LMConfig(data=str(tmp_path / "dpkg.log"), level="word"))
    assert "of the valid tokens" in unknown_warning(corpus) and "--level char" in unknown_warning(corpus)
    assert unknown_warning(load_corpus(LMConfig(data=str(tmp_path / "dpkg.log"), level="char"))) is None
    (tmp_path / "prose.txt").write_text(LINE * 60)
    assert unknown_warning(load_corpus(LMConfig(data=str(tmp_path / "prose.txt"), level="word"))) is None
    code, out, _ = call(capsys, "train", "lm", "--data", tmp_path / "dpkg.log", "--level", "word", "--epochs", "1",
                        "--hidden-size", "8", "--embedding-dim", "8", "--num-layers", "1", "--run-dir", tmp_path / "run")
    assert code == 0 and "are outside the training vocabulary (read as <unk>)" in out
    assert "- test tokens outside the vocabulary: " in (tmp_path / "run" / "report.md").read_text()


def test_level_auto_reads_a_text_of_unseen_words_as_characters(tmp_path, capsys):
    """`--level auto` used to read every user's file as words: a log, program source or raw prose then had
    15-45% of its held-out words as <unk>. It now measures that share on the validation part and takes
    characters over 5%; config.json keeps auto with the level the run took as a fact, and a folder written
    before (auto, trained on words) still reads as words whatever its text would give today."""
    from rnnkit.tasks.lm.config import LMConfig
    from rnnkit.tasks.lm.level import WORD_LEVEL_UNKNOWN, unknown_word_share
    from rnnkit.tasks.registry import read_run

    log = "".join(f"2025-06-{d:02d} 14:{m:02d}:{s:02d} status installed libfoo:amd64 1.{d}.{m}-{s}\n"
                  for d in range(1, 29) for m, s in ((10, 1), (20, 2), (30, 3)))
    (tmp_path / "dpkg.log").write_text(log)
    (tmp_path / "prose.txt").write_text((LINE + "an <unk> word\n") * 40)  # the text's own <unk>: not unseen
    share = dict(encoding="utf-8", validation_split=0.1, test_split=0.1, vocab_size=None, min_freq=1)
    assert unknown_word_share(str(tmp_path / "dpkg.log"), None, None, **share) > 0.2
    assert unknown_word_share(str(tmp_path / "prose.txt"), None, None, **share) == 0.0
    # a validation file of words the training text lacks
    (tmp_path / "valid.txt").write_text("alpha beta gamma delta the dog\n" * 5)  # <eos> ends each line
    assert unknown_word_share(str(tmp_path / "prose.txt"), str(tmp_path / "valid.txt"), None, **share) == 4 / 7
    assert LMConfig(data=str(tmp_path / "dpkg.log")).hidden_size == 512  # the character defaults
    assert LMConfig(data=str(tmp_path / "prose.txt")).hidden_size == 200
    assert LMConfig(data=str(tmp_path / "dpkg.log"), level="word").hidden_size == 200
    assert WORD_LEVEL_UNKNOWN == 0.05

    code, out, _ = call(capsys, "train", "lm", "--data", tmp_path / "dpkg.log", "--epochs", "1", "--hidden-size", "8",
                        "--embedding-dim", "8", "--run-dir", tmp_path / "run")
    assert code == 0 and "level auto: characters, " in out and "training tokens (char level" in out
    saved = json.loads((tmp_path / "run" / "config.json").read_text())
    assert saved["task_config"]["level"] == "auto" and saved["data"]["level"] == "char"
    # what a release before this one wrote for the same command: auto, trained on words
    code, _, _ = call(capsys, "train", "lm", "--data", tmp_path / "dpkg.log", "--level", "word", "--epochs", "1",
                      "--hidden-size", "8", "--embedding-dim", "8", "--num-layers", "1", "--run-dir", tmp_path / "old")
    saved = json.loads((tmp_path / "old" / "config.json").read_text())
    saved["task_config"]["level"] = "auto"
    (tmp_path / "old" / "config.json").write_text(json.dumps(saved))
    assert code == 0 and read_run(tmp_path / "old").config.level == "word"
    code, out, _ = call(capsys, "evaluate", tmp_path / "old")
    assert code == 0 and "perplexity" in out and "bpc" not in out


def test_a_char_run_on_text_that_repeats_long_lines_blends_the_match_model(tmp_path):
    """Long exact repeats in a new order (40 random lines drawn 400 times): a small model after one epoch and
    a Kneser-Ney 16-gram leave much to a copy of the line already under way, which the match model gives; its
    blend (weights per match length) is kept on validation and scores the test text below the n-gram and xz.
    `--match off` leaves it out."""
    rng = np.random.default_rng(0)
    lines = ["".join(rng.choice(list("abcdefghij"), 60)) + "\n" for _ in range(40)]
    (tmp_path / "all.txt").write_text("".join(lines[i] for i in rng.integers(0, 40, 400)))
    config = {"data": str(tmp_path / "all.txt"), "level": "char", "epochs": "1", "hidden_size": "16",
              "embedding_dim": "8", "bptt": "20", "batch_size": "8", "dynamic_eval": "off", "cache": "off"}
    _, final = train_task(*load_config("lm", config), run_dir=tmp_path / "run", quiet=True)
    assert final["mix_match"] > 0.1
    assert final["test_adapted_bpc"] < min(final["test_ngram_bpc"], final["test_xz_bpc"])
    # the blend's winning line names the model's own weight in it, so it does not credit the model alone
    report = (tmp_path / "run" / "report.md").read_text()
    assert f"the model (weight {final['mix_model']:.2f} in the blend) with " in report
    _, without = train_task(*load_config("lm", {**config, "match": "off"}), run_dir=tmp_path / "off", quiet=True)
    assert without["mix_match"] == 0.0 and without["test_adapted_bpc"] > final["test_adapted_bpc"]


def test_the_adaptive_choices_read_at_most_choice_tokens_of_validation(tmp_path, monkeypatch, capsys):
    """On a long text the choices (dynamic evaluation's search, the blend's weights, the match model) are made
    on the first CHOICE_TOKENS validation tokens, every component cut alike, and the run says so."""
    from rnnkit.tasks.lm import adapt

    monkeypatch.setattr(adapt, "CHOICE_TOKENS", 700)
    rng = np.random.default_rng(1)
    lines = ["".join(rng.choice(list("abcdefghij"), 60)) + "\n" for _ in range(40)]
    (tmp_path / "all.txt").write_text("".join(lines[i] for i in rng.integers(0, 40, 400)))
    config = {"data": str(tmp_path / "all.txt"), "level": "char", "epochs": "1", "hidden_size": "16",
              "embedding_dim": "8", "bptt": "20", "batch_size": "8", "cache": "off"}
    _, final = train_task(*load_config("lm", config), run_dir=tmp_path / "run")
    assert "the adaptive choices are made on the first 700 of the 2,196 validation tokens" in capsys.readouterr().out
    assert final["mix_match"] > 0 and math.isfinite(final["test_adapted_bpc"])


def test_epochs_raised_by_min_steps_stop_when_validation_stops_improving(tmp_path):
    """A small text whose epochs min_steps raised (here over 100) stops after RAISED_PATIENCE epochs without a
    better validation loss: random characters, which a model of 64 units soon learns by heart."""
    from rnnkit.tasks.lm.train import RAISED_PATIENCE

    rng = np.random.default_rng(0)
    (tmp_path / "noise.txt").write_text("".join(rng.choice(list("abcdefgh"), 3000)))
    config = {"data": str(tmp_path / "noise.txt"), "level": "char", "hidden_size": "64", "embedding_dim": "8",
              "bptt": "20", "batch_size": "16", "min_steps": "1000", "baseline": "false", "dynamic_eval": "off",
              "cache": "off", "match": "off"}
    run_dir, _ = train_task(*load_config("lm", config), run_dir=tmp_path / "run", quiet=True)
    saved = json.loads((run_dir / "config.json").read_text())["task_config"]
    losses = [json.loads(line)["val_loss"] for line in open(run_dir / "metrics.jsonl") if '"val_loss": ' in line]
    losses = [v for v in losses if v is not None]
    assert saved["early_stopping"] == RAISED_PATIENCE and saved["epochs"] is None
    assert len(losses) == int(np.argmin(losses)) + 1 + RAISED_PATIENCE < 100
