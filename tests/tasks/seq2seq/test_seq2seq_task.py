"""`rnnkit train seq2seq` on a tiny pair file, then predict, evaluate and translate from its run folder;
bad inputs end with one line and exit 2; the scores against hand-counted edit distances."""
import json
import random

import pytest

from rnnkit.cli.main import run_command as main
from rnnkit.tasks.seq2seq import translate
from rnnkit.data.pairs import PairSplit, choose_tokens
from rnnkit.tasks.seq2seq.baselines import baselines
from rnnkit.tasks.seq2seq.scores import bleu, error_rates

TRAIN_ARGS = ["--epochs", "1", "--hidden-size", "8", "--embedding-dim", "8",
              "--batch-size", "16", "--beam", "2", "--quiet"]


def write_pairs(path, n, seed):
    rng = random.Random(seed)
    lines = ["source\ttarget"]
    for _ in range(n):
        word = "".join(rng.choice("abcd") for _ in range(rng.randint(2, 5)))
        lines.append(f"{word}\t{word[::-1]}")
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("seq2seq")
    train, test = write_pairs(folder / "train.tsv", 60, 0), write_pairs(folder / "test.tsv", 12, 1)
    run = folder / "run"
    assert main(["train", "seq2seq", "--data", str(train), "--test-data", str(test), *TRAIN_ARGS,
                 "--run-dir", str(run)]) == 0
    return run


def test_training_writes_scores_and_pictures(run_dir):
    report = (run_dir / "report.md").read_text()
    config = json.loads((run_dir / "config.json").read_text())["task_config"]
    assert (config["source_tokens"], config["target_tokens"]) == ("chars", "chars")  # auto, from the files
    assert "--target-tokens auto: targets as characters: 100% of the" in report
    assert "| copy (the source itself) |" in report and "| dictionary (each source's most frequent" in report
    assert "| | greedy | beam 2 |" in report and "attention.png" in report
    assert (run_dir / "attention.png").stat().st_size > 0
    assert "| wer |" in report and "| per |" in report and "| sources_per_second |" in report


def test_predict_nbest_and_unknown_characters(run_dir, tmp_path, capsys):
    words = tmp_path / "words.txt"
    words.write_text("abc\nabxz\n" + "abcd" * 10 + "\n")  # unknown x, z; longer than any training source
    assert main(["predict", str(run_dir), "--input", str(words), "--beam", "3", "--nbest", "2"]) == 0
    out, err = capsys.readouterr()
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["source"] for r in records] == ["abc", "abxz", "abcd" * 10]
    assert all(len(r["nbest"]) == 2 and r["nbest"][0]["score"] >= r["nbest"][1]["score"] for r in records)
    assert "warning: 2 source token(s) never seen in training, read as <unk>: 'x' 'z'" in err


def test_predict_on_a_pair_file_decodes_its_sources(run_dir, tmp_path, capsys):
    """The test pairs given to predict: each line was decoded whole, 'abc<TAB>cba' one source with a tab."""
    (tmp_path / "named.tsv").write_text("target\tsource\ncba\tabc\nda\tad\n")  # the source column, wherever it is
    (tmp_path / "bare.tsv").write_text("abc\tcba\nad\tda\n")  # no header: the first column, as training reads it
    (tmp_path / "one.csv").write_text("word\nabc\nad\n")  # one column: its values under its header
    (tmp_path / "three.csv").write_text("a,b,c\nabc,x,y\n")
    for name in ("named.tsv", "bare.tsv", "one.csv"):
        assert main(["predict", str(run_dir), "--input", str(tmp_path / name)]) == 0
        out, err = capsys.readouterr()
        assert [json.loads(line)["source"] for line in out.splitlines()] == ["abc", "ad"], (name, err)
    assert main(["predict", str(run_dir), "--input", str(tmp_path / "three.csv")]) == 2
    assert "three.csv: no column 'source' to decode; available columns: a, b, c" in capsys.readouterr().err


@pytest.mark.parametrize("flags,message", [(["--beam", "0"], "'beam'"), (["--beam", "2", "--nbest", "3"], "nbest=3")])
def test_bad_decoding_flags(run_dir, tmp_path, capsys, flags, message):
    words = tmp_path / "words.txt"
    words.write_text("abc\n")
    assert main(["predict", str(run_dir), "--input", str(words), *flags]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and message in err and "\n" not in err


def test_evaluate_and_translate(run_dir, capsys):
    assert main(["evaluate", str(run_dir)]) == 0
    out = capsys.readouterr().out
    assert "greedy_wer" in out and "beam2_per" in out
    outputs = translate(run_dir, ["abc", "dcb"], beam=2)
    assert len(outputs) == 2 and all(isinstance(o, str) for o in outputs)
    assert len(translate(run_dir, ["abc"], beam=3, nbest=3)[0]) == 3


@pytest.mark.parametrize("text,message", [("source\tphon\nab\tba\n", "no column 'target'"),
                                          ("source\ttarget\nab\t\n", "row 1, column 'target': empty target")])
def test_bad_pair_files(tmp_path, capsys, text, message):
    (tmp_path / "p.tsv").write_text(text)
    assert main(["train", "seq2seq", "--data", str(tmp_path / "p.tsv"), *TRAIN_ARGS,
                 "--run-dir", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err


def test_needs_a_dataset_or_a_file(capsys):
    assert main(["train", "seq2seq", "--epochs", "1"]) == 2
    assert "'dataset'" in capsys.readouterr().err


def test_error_rates_by_hand():
    predictions = [["K", "AE", "T"], ["R", "EH", "D"], ["D", "AO"]]
    references = [[["K", "AE", "T"]], [["R", "IY", "D"], ["R", "EH", "D"]], [["D", "AO", "G"]]]
    rates = error_rates(predictions, references)
    assert rates["wer"] == pytest.approx(1 / 3)  # 'read' matches its second pronunciation
    assert rates["per"] == pytest.approx(1 / 9)  # one deletion over 3 + 3 + 3 reference phonemes


def test_bleu_perfect_and_not():
    assert bleu(["the cat sat on the mat"], [["the cat sat on the mat"]]) == pytest.approx(100.0)
    assert bleu(["the dog sat on a mat"], [["the cat sat on the mat", "a dog sat on a mat"]]) < 100.0


@pytest.mark.slow
def test_cmudict_default_run_reaches_the_targets(tmp_path):
    """The default job (benchmarks/TASKS.md): beam-search WER <= 30% and PER <= 8% on the test words."""
    from rnnkit.tasks import get_task
    from rnnkit.tasks.seq2seq.config import Seq2SeqConfig

    final = get_task("seq2seq").run(Seq2SeqConfig(dataset="cmudict"), tmp_path / "run", quiet=True)
    assert final["test_wer"] <= 0.30 and final["test_per"] <= 0.08


def test_auto_tokens_follow_the_texts():
    assert choose_tokens(["cat", "dog", "a b"])[0] == "chars"  # most are one word
    assert choose_tokens(["K AE T", "D AO G", "AH"])[0] == "words"  # most hold spaces
    assert choose_tokens(["我爱北京", "天安门"])[0] == "chars"  # a script without spaces
    # exactly half: characters (words only when most hold spaces)
    assert choose_tokens(["K AE T", "AH"], "target") == (
        "chars", "targets as characters: 50% of the 2 targets are one word without spaces")
    assert choose_tokens(["K AE T", "D AO G", "AH"], "target")[1] == \
        "targets as words: 67% of the 3 targets hold space-separated tokens"


def test_defaults_on_character_pairs_equal_the_right_flags(run_dir, tmp_path):
    """A character-level pair file with every default trains exactly the run the right flags give."""
    folder = run_dir.parent
    flags = ["--data", str(folder / "train.tsv"), "--test-data", str(folder / "test.tsv"), *TRAIN_ARGS]
    by_hand = tmp_path / "by-hand"
    assert main(["train", "seq2seq", *flags, "--source-tokens", "chars", "--target-tokens", "chars",
                 "--run-dir", str(by_hand)]) == 0
    final = lambda run: json.loads((run / "metrics.jsonl").read_text().splitlines()[-1])  # noqa: E731
    mine, theirs = final(run_dir), final(by_hand)
    assert {k: v for k, v in mine.items() if "per_s" not in k and "time" not in k} == \
        {k: v for k, v in theirs.items() if "per_s" not in k and "time" not in k}


def test_a_pair_file_without_a_header_trains_the_same_run_and_says_how_it_was_read(run_dir, tmp_path, capsys):
    folder = run_dir.parent
    (tmp_path / "bare.tsv").write_text((folder / "train.tsv").read_text().split("\n", 1)[1])
    flags = ["--data", str(tmp_path / "bare.tsv"), "--test-data", str(folder / "test.tsv"),
             *[a for a in TRAIN_ARGS if a != "--quiet"], "--run-dir", str(tmp_path / "run")]
    assert main(["train", "seq2seq", *flags]) == 0
    assert f"{tmp_path / 'bare.tsv'}: no header row: the first column is the source" in capsys.readouterr().out
    final = lambda run: json.loads((run / "metrics.jsonl").read_text().splitlines()[-1])  # noqa: E731
    mine, theirs = final(tmp_path / "run"), final(run_dir)
    assert {k: v for k, v in mine.items() if "per_s" not in k and "time" not in k} == \
        {k: v for k, v in theirs.items() if "per_s" not in k and "time" not in k}


def test_copy_and_dictionary_baselines_by_hand():
    train = PairSplit(["abc", "abc", "abc", "dd"], ["abc", "abd", "abd", "dd"])
    test = PairSplit(["abc", "xy", "dd"], ["abd", "yx", "dd"])
    out = baselines(train, test, "chars", "chars")
    # copy: abc vs abd (1 edit), xy vs yx (2 edits), dd exact: 2 of 3 wrong, 3 edits over 7 tokens
    assert out["copy"] == pytest.approx({"wer": 2 / 3, "per": 3 / 7})
    # dictionary: abc -> abd (most frequent), xy unseen -> its copy, dd -> dd
    assert out["dictionary"] == pytest.approx({"wer": 1 / 3, "per": 2 / 7, "coverage": 2 / 3})


def test_no_copy_where_symbols_differ_and_no_dictionary_without_overlap():
    train = PairSplit(["cat", "dog"], ["K AE T", "D AO G"])
    test = PairSplit(["cow"], ["K AW"])
    assert baselines(train, test, "chars", "words") == {}  # letters vs phonemes, and 'cow' never seen
    assert set(baselines(train, PairSplit(["cat"], ["K AE T"]), "chars", "words")) == {"dictionary"}


def test_a_run_without_test_pairs_scores_its_validation_pairs_beside_the_baselines(run_dir, tmp_path, capsys):
    """Given only --data, the run still says how it compares with its baselines: on the held-out validation pairs
    (val_ keys), with report.md saying that these chose the kept epoch."""
    run = tmp_path / "run"
    flags = [a for a in TRAIN_ARGS if a != "--quiet"]
    assert main(["train", "seq2seq", "--data", str(run_dir.parent / "train.tsv"), *flags, "--run-dir", str(run)]) == 0
    out = capsys.readouterr().out
    assert "validation, beam 2: wer=" in out and "baselines: copy wer=" in out
    final = {item.split("=")[0] for item in next(line for line in out.splitlines() if line.startswith("final:")).split()[1:]}
    assert {"val_wer", "val_per", "val_greedy_wer", "val_copy_wer"} <= final
    assert not any(k.startswith("test_") or k.startswith("copy_") for k in final)
    report = (run / "report.md").read_text()
    assert "## Decoding the validation set" in report and "No test file was given" in report
    assert "## Baselines (same validation pairs)" in report
