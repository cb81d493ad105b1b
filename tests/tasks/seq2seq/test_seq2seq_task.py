"""`rnnkit train seq2seq` on a tiny pair file, then predict, evaluate and translate from its run folder;
bad inputs end with one line and exit 2; the scores against hand-counted edit distances."""
import json
import random

import pytest

from rnnkit.cli.main import run_command as main
from rnnkit.tasks.seq2seq import translate
from rnnkit.tasks.seq2seq.scores import bleu, error_rates

TRAIN_ARGS = ["--target-tokens", "chars", "--epochs", "1", "--hidden-size", "8", "--embedding-dim", "8",
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
