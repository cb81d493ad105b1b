"""The lm task end to end on a tiny text: a model that memorises it generates it back at temperature 0,
the same seed gives the same text, evaluate reads the run back, and bad input exits 2 with one line."""
import json
import math

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


def test_defaults_follow_the_level_and_a_set_field_wins():
    from rnnkit.tasks.lm.config import LEVEL_DEFAULTS, LMConfig

    words, chars = LMConfig(dataset="ptb"), LMConfig(dataset="shakespeare")
    assert (words.hidden_size, words.optimizer, words.lr, words.bptt, words.schedule) == (200, "sgd", 20.0, 20, None)
    assert (chars.hidden_size, chars.optimizer, chars.lr, chars.bptt, chars.schedule) == (512, "adam", 2e-3, 100, "cosine")
    own_chars = LMConfig(data="a.txt", valid_data="b.txt", level="char", hidden_size=128, epochs=5)
    assert (own_chars.hidden_size, own_chars.epochs, own_chars.num_layers) == (128, 5, LEVEL_DEFAULTS["char"]["num_layers"])
    assert LMConfig(data="a.txt", valid_data="b.txt").hidden_size == LEVEL_DEFAULTS["word"]["hidden_size"]


def test_scoring_windows_of_any_length_give_every_token_the_same_prediction():
    """Validation and test are scored in long windows (SCORING_WINDOW) for speed: with the state carried
    over, the perplexity must be the one of the training windows' length."""
    import numpy as np
    import torch

    from rnnkit.data.lm_streams import StreamWindows
    from rnnkit.models.language_model import CarriedState, LanguageModel
    from rnnkit.training import Trainer

    torch.manual_seed(0)
    model = LanguageModel(50, 16, 32, 2)
    ids = np.random.default_rng(0).integers(1, 50, 1001)

    def perplexity(streams, window):
        trainer = Trainer(model, metrics=["perplexity"], quiet=True, forward_module=CarriedState(model))
        return trainer.evaluate(StreamWindows(ids, streams, window))["perplexity"]

    for streams in (1, 3):
        short, long = perplexity(streams, 7), perplexity(streams, 200)
        assert long == pytest.approx(short, rel=1e-5)
        assert perplexity(streams, 1000 // streams) == pytest.approx(short, rel=1e-5)  # one window


def test_without_validation_text_the_end_of_the_training_text_is_held_out(tmp_path):
    """Like every task, lm splits off its own validation part (the last validation_split of the training
    text, by position); the vocabulary is counted on the rest, and a split of 0 says what is missing."""
    from rnnkit.tasks.lm.config import LMConfig
    from rnnkit.tasks.lm.data import load_corpus

    (tmp_path / "train.txt").write_text(LINE * 9 + "#\n")  # a character only in the held-out tail
    corpus = load_corpus(LMConfig(data=str(tmp_path / "train.txt"), level="char", validation_split=0.1))
    tokens = len(corpus.ids["train"]) + len(corpus.ids["valid"])
    assert len(corpus.ids["valid"]) == tokens - int(tokens * 0.9)
    assert "#" not in corpus.vocab.stoi and corpus.names["valid"] == f"the last 10% of {tmp_path / 'train.txt'}"
    with pytest.raises(UserError, match="needs validation text: give --valid-data"):
        load_corpus(LMConfig(data=str(tmp_path / "train.txt"), level="char", validation_split=0.0))
