"""`rnnkit predict RUN`: a task's own predict flags are parsed and checked from its `predict_options`
config, records stream out as JSON lines or text, and --output writes them in the format its suffix names."""
from typing import Literal

import pytest

from rnnkit.cli import predict as predict_cli
from rnnkit.tasks.task import Run, Task
from rnnkit.training.config import PositiveInt, config_dataclass
from testkit import call_cli as call


@config_dataclass
class EchoOptions:
    beam: PositiveInt = 1
    """beam width"""
    format: Literal["jsonl", "text"] = "jsonl"
    """output format"""


def echo_predict(run, inputs, options):
    for word in inputs.split(","):
        yield f"{word}\t{options.beam}" if options.format == "text" else {"word": word, "beam": options.beam}


ECHO = Task("echo", "echo words", object, run=lambda *a, **k: {}, predict=echo_predict, predict_options=EchoOptions)


@pytest.fixture
def echo_run(monkeypatch, tmp_path):
    monkeypatch.setattr(predict_cli, "read_run", lambda path, **_: Run(tmp_path, ECHO, None, {}))


def test_task_options_are_parsed_and_records_printed(capsys, echo_run, tmp_path):
    code, out, err = call(capsys, "predict", "RUN", "--input", "a,b", "--beam", "5", "--output", tmp_path / "p.csv")
    assert code == 0, err
    assert out.splitlines() == ['{"word": "a", "beam": 5}', '{"word": "b", "beam": 5}']
    assert (tmp_path / "p.csv").read_text().splitlines() == ["word,beam", "a,5", "b,5"]
    code, out, _ = call(capsys, "predict", "RUN", "-i", "a", "--format", "text")
    assert code == 0 and out == "a\t1\n"


def test_run_help_lists_the_task_options(capsys, echo_run):
    code, out, _ = call(capsys, "predict", "RUN", "--help")
    assert code == 0 and "--beam INT" in out and "[jsonl|text]" in out and "beam width" in out


@pytest.mark.parametrize("args, needle", [
    (["--input", "a", "--beam", "0"], "'beam'"),
    (["--input", "a", "--beem", "2"], "--beam"),
    (["--input", "a", "--format", "xml"], "'format'"),
    (["--beam", "2"], "--input"),
])
def test_bad_task_options_exit_2_with_one_line(capsys, echo_run, args, needle):
    code, _, err = call(capsys, "predict", "RUN", *args)
    assert code == 2 and len(err.strip().splitlines()) == 1 and needle in err, err


def test_text_records_cannot_go_to_csv(capsys, echo_run, tmp_path):
    code, _, err = call(capsys, "predict", "RUN", "-i", "a", "--format", "text", "-o", tmp_path / "p.csv")
    assert code == 2 and "not table rows" in err and not (tmp_path / "p.csv").exists()


@pytest.mark.parametrize("name, lines", [
    ("p.jsonl", ['{"word": "a", "beam": 1}', '{"word": "b", "beam": 1}']),
    ("p.TSV", ["word\tbeam", "a\t1", "b\t1"]),
    ("p", ["word,beam", "a,1", "b,1"]),
    ("p.txt", ['{"word": "a", "beam": 1}', '{"word": "b", "beam": 1}']),
])
def test_output_format_follows_the_suffix(capsys, echo_run, tmp_path, name, lines):
    code, _, err = call(capsys, "predict", "RUN", "-i", "a,b", "-o", tmp_path / name)
    assert code == 0, err
    assert (tmp_path / name).read_text().splitlines() == lines


def test_text_records_go_to_txt_as_printed(capsys, echo_run, tmp_path):
    code, out, err = call(capsys, "predict", "RUN", "-i", "a,b", "--format", "text", "-o", tmp_path / "p.txt")
    assert code == 0, err
    assert (tmp_path / "p.txt").read_text() == out == "a\t1\nb\t1\n"


def test_an_unknown_output_suffix_is_refused_before_predicting(capsys, monkeypatch, tmp_path):
    calls = []
    task = Task("echo", "echo words", object, run=lambda *a, **k: {},
                predict=lambda run, inputs, options: calls.append(inputs) or [{"x": 1}])
    monkeypatch.setattr(predict_cli, "read_run", lambda path, **_: Run(tmp_path, task, None, {}))
    code, _, err = call(capsys, "predict", "RUN", "-i", "a", "-o", tmp_path / "p.xlsx")
    assert code == 2 and "'.xlsx'" in err and ".jsonl" in err and len(err.strip().splitlines()) == 1, err
    assert calls == [] and not (tmp_path / "p.xlsx").exists()


def test_a_task_without_options_refuses_one(capsys, monkeypatch, tmp_path):
    plain = Task("plain", "no options", object, run=lambda *a, **k: {}, predict=lambda run, inputs, options: [{"x": 1}])
    monkeypatch.setattr(predict_cli, "read_run", lambda path, **_: Run(tmp_path, plain, None, {}))
    code, _, err = call(capsys, "predict", "RUN", "-i", "a", "--beam", "3")
    assert code == 2 and "--beam" in err


def test_lists_and_dicts_are_json_in_table_cells(capsys, monkeypatch, tmp_path):
    """A tag run's tokens, tags and entities in a .csv/.tsv were Python's repr (`['a', "it's"]`): JSON now."""
    import csv
    import json
    record = {"tokens": ["'-l N'", "it's"], "entities": [{"text": "it's", "type": "X"}], "n": 2}
    task = Task("echo", "echo", object, run=lambda *a, **k: {}, predict=lambda run, inputs, options: [record])
    monkeypatch.setattr(predict_cli, "read_run", lambda path, **_: Run(tmp_path, task, None, {}))
    for name, delimiter in (("p.csv", ","), ("p.tsv", "\t")):
        code, _, err = call(capsys, "predict", "RUN", "-i", "a", "-o", tmp_path / name)
        assert code == 0, err
        with open(tmp_path / name, newline="", encoding="utf-8") as f:
            row = next(csv.DictReader(f, delimiter=delimiter))
        assert json.loads(row["tokens"]) == record["tokens"] and json.loads(row["entities"]) == record["entities"]
        assert row["n"] == "2"
