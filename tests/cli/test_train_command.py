"""`rnnkit train TASK`: a command generated from the task's config class: its --help lists every
field with type, default and description; flags parse as the old `--key value` did."""
import pytest

from testkit import call_cli as call


def test_task_help_lists_every_field_with_type_default_and_description(capsys):
    code, out, _ = call(capsys, "train", "sentiment", "--help")
    assert code == 0 and out.startswith("Usage: rnnkit train sentiment [OPTIONS]")
    flat = " ".join(out.split())
    assert "--hidden-size INT units of each recurrent layer (per direction) [default: 160]" in flat
    assert "--dataset [imdb|chinese-reviews|movie-snippets|vader-tweets]" in flat and "--schedule [step|cosine|warmup|warmup_cosine|plateau|none]" in flat
    assert "--maxlen INT|NONE" in flat
    assert "--cell [lstm|gru|rnn|slstm|mlstm|mingru|minlstm] the recurrent cell: lstm, gru or rnn (the articles), or slstm, mlstm (xLSTM), mingru, minlstm [default: gru]" in flat
    for flag in ("--epochs", "--seed", "--second-view", "--set KEY=VALUE", "--run-dir", "--resume", "--nproc"):
        assert flag in flat
    assert out.index("--tokenizer") < out.index("--epochs")  # the task's own fields first


def test_defaults_that_depend_on_the_level_are_not_shown_as_none(capsys):
    code, out, _ = call(capsys, "train", "lm", "--help")
    flat = " ".join(out.split())
    assert code == 0 and "(default: 200 for words, 512 for characters)" in flat
    assert "[default: None]" not in flat.split("--hidden-size")[1].split("--")[0]
    assert ("--data TEXT|NONE your own training text file (plain text, any size; JSON Lines: each record's text "
            "field), or a folder of text files (read in name order) [default: none]") in flat


def test_train_overview_lists_the_tasks(capsys):
    code, out, _ = call(capsys, "train", "--help")
    assert code == 0 and "Usage: rnnkit train TARGET" in out
    assert all(name in out for name in ("sentiment", "classify", "mnist", "arrays"))
    code, out, _ = call(capsys, "tasks")
    assert "mnist: MNIST digits" in out


@pytest.mark.parametrize("args, message", [
    (["--hiden-size", "8"], "no such option '--hiden-size'; did you mean '--hidden-size'?"),
    (["--epochs", "0"], "config key 'epochs' (int or none): input should be greater than or equal to 1"),
    (["--set", "hiden_size=8"], "did you mean 'hidden_size'?"),
    (["--truncating", "middle"], "config key 'truncating'"),
    (["--chrono-init"], "no such option '--chrono-init'; see rnnkit train sentiment --help"),
])
def test_bad_flags_exit_2_with_one_line(capsys, args, message):
    code, _, err = call(capsys, "train", "sentiment", *args, "--quiet")
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_flags_reach_the_config(capsys, monkeypatch):
    import rnnkit.tasks.runner as runner  # the command imports its train when the options are checked

    seen = {}
    monkeypatch.setattr(runner, "train", lambda task, config, **options: seen.update(config=config, **options)
                        or (None, {}))
    call(capsys, "train", "mnist", "--chrono-init", "--bidirectional", "false", "--schedule", "none",
         "--set", "epochs=3", "--hidden-size=64", "--run-dir", "r", "--quiet")
    config = seen["config"]
    assert config.chrono_init is True and config.bidirectional is False and config.schedule is None
    assert (config.epochs, config.hidden_size) == (3, 64) and str(seen["run_dir"]) == "r" and seen["quiet"]


def test_the_final_line_shows_small_figures_in_significant_digits():
    """A char lm on Chinese text printed 'dynamic_lr=0.0000' after choosing dynamic evaluation at 3e-05 (and
    every run 'lr=0.0000' at the end of its schedule)."""
    from rnnkit.cli.train import final_line

    line = final_line({"loss": 0.82271, "lr": 1.518e-06, "dynamic_lr": 3e-05, "dynamic_decay": 0.0, "epochs": 3,
                       "acc": 0.0042})
    assert line == "final: loss=0.8227 lr=1.518e-06 dynamic_lr=3e-05 dynamic_decay=0.0000 acc=0.0042"
