"""A run that cannot start writes nothing: every config is checked in full (fields, the model it builds,
the training options, the files it names, the run folder) before data is read or a folder is made."""
import pytest

from rnnkit.cli.main import main

GOOD = "text,label\n" + "".join(f"{'good fine' if i % 2 else 'bad awful'} {i},{'pos' if i % 2 else 'neg'}\n"
                                for i in range(40))
TINY = ["--epochs", "1", "--quiet", "--second-view", "none", "--embedding-init", "random", "--hidden-size", "4",
        "--embedding-dim", "4"]


def call(capsys, *args):
    with pytest.raises(SystemExit) as exit_:
        main(list(map(str, args)))
    return exit_.value.code, capsys.readouterr().err


@pytest.mark.parametrize("flags, needle", [
    (["--epochs", "-1"], "'epochs'"),
    (["--batch-size", "0"], "'batch_size'"),
    (["--dropout", "1.5"], "'dropout'"),
    (["--hidden-size", "-4"], "'hidden_size'"),
    (["--cell", "lstmm"], "'cell'"),
    (["--pooling", "bogus"], "pooling must name"),
    (["--tokenizer", "klingon"], "'tokenizer'"),
    (["--lr", "-1"], "config key 'lr'"),
    (["--loss", "hinge-ish"], "loss='hinge-ish'"),
    (["--metrics", "accuracyy"], "metric 'accuracyy'"),
    (["--clip-norm", "0"], "clip_norm"),
    (["--test-data", "nowhere.csv"], "'test_data' (--test-data): nowhere.csv: file not found"),
    (["--data", "missing.csv"], "'data' (--data): missing.csv: file not found"),
])
def test_a_bad_config_writes_no_run_folder(capsys, tmp_path, monkeypatch, flags, needle):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d.csv").write_text(GOOD)
    code, err = call(capsys, "train", "classify", "--data", "d.csv", *TINY, "--run-dir", "run", *flags)
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv"]


def test_a_run_folder_that_is_a_file_is_under_a_file_or_is_another_run(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d.csv").write_text(GOOD)
    (tmp_path / "afile").write_text("x")
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "config.json").write_text("{}")
    for run_dir, needle in (("afile", "is a file"), ("afile/run", "afile is a file"), ("old", "already holds a run")):
        code, err = call(capsys, "train", "classify", "--data", "d.csv", *TINY, "--run-dir", run_dir)
        assert code == 2 and needle in err and len(err.strip().splitlines()) == 1
    assert (tmp_path / "afile").read_text() == "x" and (tmp_path / "old" / "config.json").read_text() == "{}"
