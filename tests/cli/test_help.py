"""The command's edges: `rnnkit --help` imports neither torch nor scikit-learn nor the tasks, `--version`,
shell completion, one help style everywhere, and a did-you-mean that names the closest names first."""
import importlib.metadata
import re
import subprocess
import sys

import pytest

from rnnkit.errors import did_you_mean
from testkit import call_cli as call, subprocess_env

HEAVY = ("torch", "sklearn", "pandas", "rnnkit.tasks", "rnnkit.data", "rnnkit.cells")


def imported_by(*args: str) -> set[str]:
    """Every module `python -X importtime -m rnnkit ARGS` imports (its own process: nothing loaded before)."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "rnnkit", *args], capture_output=True,
                            text=True, env=subprocess_env(), timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return set(re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)$", result.stderr, flags=re.M))


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["evaluate", "--help"], ["datasets", "--help"]])
def test_help_and_version_import_no_torch_sklearn_or_tasks(args):
    modules = imported_by(*args)
    assert "rnnkit.cli.main" in modules  # the parse saw the command's imports
    heavy = sorted(m for m in modules if m.split(".")[0] in HEAVY or m.startswith(HEAVY))
    assert not heavy, heavy


def test_import_rnnkit_is_light_and_its_names_still_there():
    code = ("import sys, rnnkit; light = 'torch' not in sys.modules; "
            "print(light, rnnkit.Recurrent.__name__, rnnkit.Sequential.__name__, rnnkit.layers.LSTM.__name__)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=subprocess_env(),
                            timeout=120)
    assert result.stdout.split() == ["True", "Recurrent", "Sequential", "LSTM"], result.stderr


def test_version_comes_from_the_installed_metadata(capsys):
    code, out, _ = call(capsys, "--version")
    assert code == 0 and out.strip() == f"rnnkit {importlib.metadata.version('rnnkit')}"
    import rnnkit  # the run folders' rnnkit_version: pyproject reads its version from here, so the two agree

    assert rnnkit.__version__ == importlib.metadata.version("rnnkit")


def test_shell_completion_is_switched_on(capsys, monkeypatch):
    code, out, _ = call(capsys, "--help")
    assert "--install-completion" in out and "--show-completion" in out
    # typer prints the script of the shell shellingham detects from the parent processes (which differ
    # between a terminal, CI and xdist workers): detection is fixed to bash here
    import typer.completion
    monkeypatch.setattr(typer.completion, "_get_shell_name", lambda: "bash")
    code, out, _ = call(capsys, "--show-completion")
    assert code == 0 and "_rnnkit_completion" in out and "_RNNKIT_COMPLETE" in out
    monkeypatch.setenv("_RNNKIT_COMPLETE", "complete_bash")
    monkeypatch.setenv("COMP_WORDS", "rnnkit ev")
    monkeypatch.setenv("COMP_CWORD", "1")
    code, out, _ = call(capsys)
    assert out.split() == ["evaluate"]


@pytest.mark.parametrize("command", [[], ["evaluate"], ["export"], ["generate"], ["summary"], ["bench"], ["datasets"],
                                     ["datasets", "info"], ["train"], ["train", "classify"], ["predict"],
                                     ["import-keras"]])
def test_one_help_style(capsys, command):
    """click's plain layout everywhere (as `rnnkit train TASK --help`): no boxed panels, no typer type tags
    (<bool>, <path>) nor braces ({run_dir}) in the usage line."""
    code, out, _ = call(capsys, *command, "--help")
    assert code == 0 and out.startswith(f"Usage: {' '.join(['rnnkit', *command])}")
    assert not re.search(r"[╭│╰]|<(bool|str|path|int|float)[^>]*>|\{", out), out
    sections = re.findall(r"^(\w+):$", out, flags=re.M)
    assert set(sections) <= {"Arguments", "Options", "Commands", "Tasks"}, sections


def test_top_level_help_lists_every_command_with_a_whole_sentence(capsys):
    _, out, _ = call(capsys, "--help")
    commands = out.split("Commands:\n")[1].splitlines()
    assert [line.split()[0] for line in commands] == ["train", "evaluate", "predict", "generate", "summary",
                                                     "import-keras", "export", "bench", "inspect", "tasks", "datasets"]
    assert all(line.endswith(".") for line in commands), commands  # not cut mid-sentence ("...")
    _, out, _ = call(capsys, "datasets", "--help")
    assert all(line.endswith(".") for line in out.split("Commands:\n")[1].splitlines()), out


@pytest.mark.parametrize("command", [[], ["datasets"]])
def test_a_group_alone_shows_its_help(capsys, command):
    code, out, err = call(capsys, *command)
    assert code == 2 and out == "" and err.startswith(f"Usage: {' '.join(['rnnkit', *command])} [OPTIONS] COMMAND")
    assert "Commands:" in err and "error:" not in err


def test_a_required_field_shows_no_empty_default_and_none_is_spelt_as_typed(capsys):
    _, out, _ = call(capsys, "train", "classify", "--help")
    data = out.split("  --data ")[1].split("\n  --")[0]
    assert "(required)" in data and "[default: ]" not in data
    assert "[default: None]" not in out and "[default: none]" in out
    assert "[default: True]" not in out and "[default: true]" in out


def test_the_schedule_help_says_what_each_schedule_does(capsys):
    _, out, _ = call(capsys, "train", "mnist", "--help")  # a task that keeps TrainConfig's description
    help_ = " ".join(out.split("  --schedule ")[1].split("\n  --")[0].split()[1:])  # past the metavar
    for name in ("step (", "cosine (", "warmup (", "warmup_cosine (", "plateau (", "none ("):
        assert name in help_, (name, help_)


@pytest.mark.parametrize("word, choices, expected", [
    ("--epoch", ["--nproc", "--epochs"], "; did you mean '--epochs'?"),  # click sorted: '--epochs', '--nproc'
    ("--hiden-size", ["--batch-size", "--tokenizer", "--hidden-size"], "; did you mean '--hidden-size'?"),
    ("clasify", ["sentiment", "classify-series", "classify"], "; did you mean 'classify'?"),
    ("--lr-rate", ["--lr", "--lr-decay", "--epochs"], "; did you mean '--lr-decay' or '--lr'?"),  # as close
    ("zebra", ["train", "evaluate"], ""),
])
def test_did_you_mean_names_the_closest_first_and_only_close_ones(word, choices, expected):
    assert did_you_mean(word, choices) == expected


@pytest.mark.parametrize("args, line", [
    (["trian"], "error: rnnkit: no such command 'trian'; did you mean 'train'?"),
    (["datasets", "fech", "imdb"], "error: rnnkit datasets: no such command 'fech'; did you mean 'fetch'?"),
    (["train", "clasify"], "error: unknown task 'clasify'; did you mean 'classify'?"),
    (["train", "sentiment", "--epoch", "3"],
     "error: rnnkit train sentiment: no such option '--epoch'; did you mean '--epochs'?"),
    (["train", "sentiment", "--hiden-size", "3"],
     "error: rnnkit train sentiment: no such option '--hiden-size'; did you mean '--hidden-size'?"),
    (["evaluate", "some-run", "--jsn"], "error: rnnkit evaluate: no such option '--jsn'; did you mean '--json'?"),
    (["train", "zzz"], "error: unknown task 'zzz'; expected one of sentiment, classify, mnist"),
])
def test_misspelt_names_end_with_one_line_naming_the_closest(capsys, args, line):
    code, out, err = call(capsys, *args)
    assert code == 2 and out == "" and len(err.splitlines()) == 1 and err.startswith(line), err
