"""`rnnkit inspect RUN`: a tiny run of every family with a recurrent encoder inspected end to end (its
pictures, its page holding exactly the traced values), the contributions of a classifier's tokens, the
units that follow a feature, and the user's mistakes ending in one line with exit code 2."""
import numpy as np
import pytest
import torch

from rnnkit.errors import UserError
from rnnkit.inspect import trace
from rnnkit.io.run import load
from testkit import call_cli as call

from conftest import page_data

TEXTS = {"classify": 'the movie "was a" great', "tag": "Mary works in Paris .", "lm": "the lazy dog",
         "seq2seq": "abca"}
TOKENS = {"classify": ["the", "movie", '"', "was", "a", '"', "great"], "tag": ["Mary", "works", "in", "Paris", "."],
          "lm": ["⏎", *"the lazy dog"], "seq2seq": list("abca")}
SHOWN = {"classify": "rnn", "tag": "rnn", "lm": "rnn", "seq2seq": "encoder", "forecast": "rnn"}


def inspect(capsys, runs, family, *extra):
    args = ["--input", str(runs / "series.csv")] if family == "forecast" else ["--text", TEXTS[family]]
    code, out, err = call(capsys, "inspect", str(runs / family), *args, "--out", str(runs / f"out-{family}"), *extra)
    assert code == 0, err
    return [line for line in out.splitlines() if line]


@pytest.mark.parametrize("family", ["classify", "tag", "lm", "seq2seq", "forecast"])
def test_every_family_gets_its_pictures_and_page(capsys, runs, family):
    written = inspect(capsys, runs, family)
    model = load(runs / family)
    data = page_data(runs / f"out-{family}" / "inspect.html")
    (text,) = data["texts"]
    layer = model.get_submodule(SHOWN[family])
    quantities = {"lstm": 6, "gru": 4, "rnn": 1}[layer.cell_kind]
    heatmaps = [p for p in written if "layer-" in p]
    assert len(heatmaps) == len(text["panels"]) == quantities * layer.num_layers * layer.num_directions
    assert all(open(p, "rb").read(8) == b"\x89PNG\r\n\x1a\n" for p in written if p.endswith(".png"))
    if family == "forecast":
        assert len(text["tokens"]) == 24  # the lookback: its time stamps label the steps
        assert text["prediction"].startswith("next values: ") and "load" in text["notes"]
    else:
        assert text["tokens"] == TOKENS[family]
    steps = {len(v) for v in text["panels"].values()}
    assert steps == {len(text["tokens"])}
    assert (text["contributions"] is not None) == (family == "classify")
    if family == "tag":
        assert len(text["notes"]["tag"]) == 5
    if family == "seq2seq":
        assert text["prediction"].startswith("output (greedy): ")


def test_page_holds_the_traced_values(capsys, runs):
    """The numbers on the page are those `trace` gives for the same ids, through the model's own runner."""
    inspect(capsys, runs, "tag")
    text = page_data(runs / "out-tag" / "inspect.html")["texts"][0]
    from rnnkit.tasks import read_run
    from rnnkit.tasks.tag.predict import Tagger

    tagger = Tagger(read_run(runs / "tag"))
    x = torch.as_tensor(tagger.encoder.encode([TOKENS["tag"]])[0])[None]
    with torch.no_grad():
        traced = trace(tagger.model, x, lengths=torch.tensor([5]))
        plain = tagger.model(x, lengths=torch.tensor([5]))
    assert torch.equal(traced.output, plain)
    rnn = traced.layer("rnn")
    for name, values in rnn.panels(0).items():
        assert np.allclose(np.array(text["panels"][name]), values.numpy(), atol=1e-6), name
    forget = rnn.at(0, 1).values["forget gate"][0]  # (T, H), the backward direction
    assert np.allclose(text["panels"]["layer 1 backward: forget gate"], forget.numpy(), atol=1e-6)


def test_classifier_contributions_point_at_the_sentiment_word(capsys, runs):
    """In the tiny text task only the last word ("great", "loved" / "awful", "boring") decides the label."""
    for text, word in (("the movie was a great", "great"), ("a plot was the boring", "boring")):
        code, out, err = call(capsys, "inspect", str(runs / "classify"), "--text", text, "--out", str(runs / "c"))
        assert code == 0, err
        entry = page_data(runs / "c" / "inspect.html")["texts"][0]
        scores = np.array(entry["contributions"])
        assert entry["tokens"][int(np.abs(scores).argmax())] == word
        assert scores[entry["tokens"].index(word)] > 0  # toward the prediction
        assert entry["prediction"].startswith("pos" if word == "great" else "neg")


def test_units_following_a_feature(capsys, runs, tmp_path):
    written = inspect(capsys, runs, "classify", "--feature", "quotes")
    data = page_data(runs / "out-classify" / "inspect.html")
    text = data["texts"][0]
    assert text["feature"] == [0, 0, 0, 1, 1, 1, 0] and any(p.endswith("units.png") for p in written)
    best = data["correlated"][0]
    column = np.array(text["panels"][best["panel"]])[:, best["unit"]]
    assert np.isclose(best["r"], np.corrcoef(column, text["feature"])[0, 1], atol=1e-6)
    assert all(abs(best["r"]) >= abs(c["r"]) for c in data["correlated"])
    values = tmp_path / "values.txt"
    values.write_text("1 2 3 4 5 6 7\n")
    inspect(capsys, runs, "classify", "--feature", str(values))
    assert page_data(runs / "out-classify" / "inspect.html")["texts"][0]["feature"] == [1, 2, 3, 4, 5, 6, 7]


@pytest.mark.parametrize("args, needle", [
    (["classify"], "give the inputs to inspect with --text TEXT or --input FILE"),
    (["classify", "--text", "a", "--input", "x.txt"], "(one of them)"),
    (["classify", "--text", "  "], "--text is empty"),
    (["classify", "--input", "missing.txt"], "missing.txt: input file not found"),
    (["classify", "--text", "a b", "--feature", "quote"], "--feature quote: neither quotes nor position nor a file"),
    (["classify", "--text", "a b", "--feature", "{values}"], "line 1: 3 value(s) for 2 token(s)"),
    (["forecast", "--text", "1 2 3"], "a forecast run reads a series: give --input FILE"),
    (["nowhere", "--text", "a"], "run folder not found"),
])
def test_mistakes_end_in_one_line(capsys, runs, tmp_path, args, needle):
    (tmp_path / "values.txt").write_text("1 2 3\n")
    args = [str(runs / args[0]), *(a.replace("{values}", str(tmp_path / "values.txt")) for a in args[1:])]
    code, out, err = call(capsys, "inspect", *args, "--out", str(tmp_path / "out"))
    assert code == 2 and len(err.strip().splitlines()) == 1 and needle in err, err


def test_a_family_inspect_does_not_read_is_refused(capsys, tmp_path, monkeypatch):
    from testkit.tiny_tasks import TASKS, as_overrides
    from rnnkit.tasks import load_config, train as train_task

    monkeypatch.chdir(tmp_path)
    target, values = as_overrides(TASKS["mnist"](tmp_path), tmp_path)
    train_task(*load_config(target, {**values, "epochs": "1"}), run_dir=tmp_path / "mrun", quiet=True)
    code, _, err = call(capsys, "inspect", str(tmp_path / "mrun"), "--text", "1 2")
    assert code == 2 and "a mnist run; inspect reads runs of sentiment, classify" in err


def test_a_model_without_recurrent_layers_is_refused(tmp_path):
    from rnnkit.cli.inspect import Sample, write_inspection

    sample = Sample("a b", ["a", "b"], torch.nn.Linear(2, 2).eval(), (torch.zeros(1, 2),), "rnn")
    with pytest.raises(UserError, match="the run's model has no recurrent layer to inspect"):
        write_inspection([sample], tmp_path, None, "linear")


def test_help_lists_the_command_and_its_options(capsys):
    code, out, _ = call(capsys, "--help")
    assert code == 0 and "inspect" in out
    code, out, _ = call(capsys, "inspect", "--help")
    assert code == 0 and all(flag in out for flag in ("--text", "--input", "--out", "--feature", "quotes|position|FILE"))


def test_a_conv_front_shows_its_pooled_steps(tmp_path):
    """Conv1D + max-pooling before the recurrence: the recurrent steps are fewer than the tokens, so the
    heatmaps are labelled by step while the contributions stay per token."""
    from rnnkit.cli.inspect import Sample, write_inspection
    from rnnkit.models.classifier import SequenceClassifier

    torch.manual_seed(0)
    model = SequenceClassifier(2, 20, embedding_dim=6, hidden_size=4, conv_filters=5, conv_kernel=3, conv_pool=2,
                               bidirectional=False).eval()
    tokens = [f"w{k}" for k in range(10)]
    sample = Sample("w0 .. w9", tokens, model, (torch.arange(2, 12)[None],), "rnn", embedding=model.embedding)
    written = write_inspection([sample], tmp_path, "position", "conv")
    text = page_data(tmp_path / "inspect.html")["texts"][0]
    steps = len(text["panels"]["layer 1: hidden state"])
    assert steps < len(tokens) and text["tokens"] == [f"step {k}" for k in range(steps)]
    assert text["contributions"] is None and any(str(p).endswith("contributions.png") for p in written)


def test_inputs_from_a_file_get_one_set_of_pictures_each(capsys, runs, tmp_path):
    lines = tmp_path / "lines.txt"
    lines.write_text("John works in Rome .\n\nAlice lives in Paris .\n")
    code, out, err = call(capsys, "inspect", str(runs / "tag"), "--input", str(lines), "--out", str(tmp_path / "o"))
    assert code == 0, err
    names = [p.split("/")[-1] for p in out.split()]
    assert "1-layer-1-forward-forget-gate.png" in names and "2-layer-1-backward-cell-state.png" in names
    data = page_data(tmp_path / "o" / "inspect.html")
    assert [t["tokens"][0] for t in data["texts"]] == ["John", "Alice"]  # the blank line is no input


@pytest.mark.parametrize("backoff", [False, True])
def test_tokens_are_shown_as_the_vocabulary_reads_them(backoff):
    """With char_backoff a word outside the vocabulary is read as its characters: one label per id."""
    from rnnkit.cli.inspect import as_read
    from rnnkit.data import Vocabulary

    vocab = Vocabulary(["the", "movie", "g", "r", "e", "a", "t"], char_backoff=backoff)
    tokens = ["the", "great", "movie", "<pad>", "x"]
    shown = [piece for t in tokens for piece in as_read(t, vocab)]
    assert len(shown) == len(vocab.encode(tokens))
    assert shown[:2] == (["the", "g"] if backoff else ["the", "great"])
