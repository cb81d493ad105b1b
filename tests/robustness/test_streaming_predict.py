"""`rnnkit predict` on a text run streams: a chunk of lines is read, predicted and printed before the next
is read, so memory does not grow with the input (benchmarks/predict_stream.py measures it). Shown here
by a bad line far into the input: the records before it have already come out when it is reached."""
import pytest

from rnnkit.cli.main import main
from rnnkit.errors import UserError
from rnnkit.tasks import read_run
from rnnkit.tasks.text import predict as text_predict

TEXTS = "text,label\n" + "".join(f"{'good fine' if i % 2 else 'bad awful'} {i},{'pos' if i % 2 else 'neg'}\n"
                                 for i in range(40))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stream")
    (folder / "d.csv").write_text(TEXTS)
    with pytest.raises(SystemExit) as exit_:
        main(["train", "classify", "--data", str(folder / "d.csv"), "--epochs", "1", "--quiet", "--second-view",
              "none", "--embedding-init", "random", "--hidden-size", "4", "--embedding-dim", "4",
              "--run-dir", str(folder / "run")])
    assert exit_.value.code == 0
    return read_run(folder / "run")


def test_records_come_out_chunk_by_chunk_before_the_input_is_read_to_the_end(run, tmp_path, monkeypatch):
    monkeypatch.setattr(text_predict, "PREDICT_CHUNK", 3)
    lines = [f"good fine {i}" for i in range(7)]
    path = tmp_path / "in.txt"
    path.write_bytes(("\n".join(lines) + "\n").encode() + b"caf\xe9\n")
    records = text_predict.predict_texts(run, str(path))
    first = [next(records) for _ in range(6)]  # two chunks, before the bad line is read
    assert [r["text"] for r in first] == lines[:6]
    with pytest.raises(UserError, match=rf"in.txt: byte offset {len(chr(10).join(lines)) + 1 + 3}: not valid UTF-8"):
        next(records)


def test_streamed_records_equal_one_batch_of_all(run, tmp_path, monkeypatch):
    path = tmp_path / "in.txt"
    path.write_text("good fine\r\n\n  \nbad awful\nfine 3\rbad 4\n")  # blank lines skipped; \r splits as before
    whole = list(text_predict.predict_texts(run, str(path)))
    monkeypatch.setattr(text_predict, "PREDICT_CHUNK", 1)
    assert list(text_predict.predict_texts(run, str(path))) == whole
    assert [r["text"] for r in whole] == ["good fine", "bad awful", "fine 3", "bad 4"]


def test_a_utf16_or_bom_input_is_read_in_its_encoding(run, tmp_path):
    """Lines of UTF-16 (its byte order mark says so; 上 is the bytes 0a 4e: not a line end) and a UTF-8 BOM, which
    was read into the first text."""
    lines = ["good fine 上", "bad awful"]
    for name, raw in (("u16.txt", "\r\n".join(lines).encode("utf-16")),
                      ("bom.txt", b"\xef\xbb\xbf" + "\n".join(lines).encode())):
        (tmp_path / name).write_bytes(raw)
        assert [r["text"] for r in text_predict.predict_texts(run, str(tmp_path / name))] == lines


def test_a_fasttext_file_to_predict_gives_its_texts_without_their_labels(run, tmp_path):
    (tmp_path / "test.txt").write_text("__label__pos good fine\n__label__neg bad awful\n")
    assert [r["text"] for r in text_predict.predict_texts(run, str(tmp_path / "test.txt"))] == ["good fine",
                                                                                                "bad awful"]
