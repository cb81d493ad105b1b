"""Language-model streams: chunked reading gives the same tokens whatever the chunk size (one long
line included), the vocabulary's reserved ids, B streams cut into windows that continue row by row, and
scoring streams that batch a text yet score every token once, after the text before it."""
import numpy as np
import pytest
import torch

from rnnkit.data.lm_streams import (EOS, IGNORE_INDEX, ScoringStreams, StreamWindows, batchify, build_vocabulary, char_tokens, encode, read_chunks,
                                    tokens_of, word_tokens)
from rnnkit.data.text import PAD_ID, UNK_ID
from rnnkit.errors import UserError

TEXT = "the cat  sat\non the mat\n\n a b\nlast line"


@pytest.mark.parametrize("size", [1, 2, 3, 7, 1000])
def test_word_tokens_do_not_depend_on_chunk_size(size):
    chunks = [TEXT[i:i + size] for i in range(0, len(TEXT), size)]
    expected = ["the", "cat", "sat", EOS, "on", "the", "mat", EOS, EOS, "a", "b", EOS, "last", "line", EOS]
    assert list(word_tokens(chunks)) == expected


def test_a_last_line_ending_in_spaces_still_ends_with_eos():
    assert list(word_tokens(["a b  ", " "])) == ["a", "b", EOS]
    assert list(word_tokens(["a\n"])) == ["a", EOS]


def test_one_long_line_is_read_in_chunks(tmp_path):
    words = [f"w{i % 97}" for i in range(20_000)]
    path = tmp_path / "one-line.txt"
    path.write_text(" ".join(words))  # no newline at all
    chunks = list(read_chunks(path, size=4096))
    assert len(chunks) > 10 and max(map(len, chunks)) == 4096
    assert list(word_tokens(chunks)) == words + [EOS]
    assert "".join(char_tokens(read_chunks(path, size=100))) == path.read_text()


def one_line_file(path, megabytes: int):
    """`megabytes` million characters of words on one line, no newline at all."""
    with open(path, "w") as f:
        for _ in range(megabytes):
            f.write("lorem ipsum dolor sit amet " * 37_037 + "x")  # 1,000,000 characters (x runs into lorem)
    return path


def peak_of_reading(path, level: str, size: int) -> tuple[int, int]:
    """(tokens, peak bytes Python allocated) while streaming `path`'s tokens, chunks of `size` characters."""
    import tracemalloc

    tracemalloc.start()
    try:
        count = sum(1 for _ in tokens_of(read_chunks(path, size=size), level))
        return count, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("level", ["word", "char"])
def test_a_single_line_streams_in_memory_bounded_by_the_chunk(tmp_path, level):
    path = one_line_file(tmp_path / "line.txt", 4)
    count, peak = peak_of_reading(path, level, size=1 << 14)
    assert count == (4 * 37_037 * 5 + 2 if level == "word" else 4_000_000)  # each 'x' joins the next 'lorem'; <eos>
    assert peak < 1_000_000, peak  # a 16 Ki-character chunk and its words at a time, not the 4 MB line


def test_a_word_longer_than_many_chunks_is_read_in_linear_time():
    chunks = ["x" * 1000] * 2000 + [" y"]  # a 2 MB word: joined once, not once per chunk
    assert list(word_tokens(chunks)) == ["x" * 2_000_000, "y", EOS]


@pytest.mark.slow
def test_a_50_mb_single_line_file_streams(tmp_path):
    path = one_line_file(tmp_path / "big.txt", 50)
    vocab = build_vocabulary(["lorem", "ipsum"], "word")
    ids = encode(tokens_of(read_chunks(path), "word"), vocab)
    assert len(ids) == 50 * 37_037 * 5 + 2 and ids[-1] == vocab.stoi[EOS]
    count, peak = peak_of_reading(path, "word", size=1 << 20)  # the default chunk (a million characters)
    _, peak_5mb = peak_of_reading(one_line_file(tmp_path / "small.txt", 5), "word", size=1 << 20)
    assert count == len(ids) and peak < 1.2 * peak_5mb, (peak, peak_5mb)  # flat: one chunk's words, not the line


@pytest.mark.parametrize("content", ["", "  \n\n "])
def test_an_empty_file_is_one_line_error(tmp_path, content):
    path = tmp_path / "empty.txt"
    path.write_text(content)
    with pytest.raises(UserError, match="empty.txt: the file is empty"):
        list(read_chunks(path))


def test_undecodable_file_names_the_file_line_and_byte_and_the_way_out(tmp_path):
    """It said 'not utf-8 text (invalid continuation byte at byte 3 of a chunk)': which chunk, and what to do?"""
    path = tmp_path / "latin.txt"
    path.write_bytes(("x" * 3_000_000 + "\nab\ncaf\xe9 au lait\n").encode("latin-1"))
    with pytest.raises(UserError, match=r"latin.txt: line 3, byte offset 3000007: bytes e9 are not valid utf-8 "
                                        r"\(invalid continuation byte\); .*--encoding latin-1"):
        list(read_chunks(path))
    assert "".join(read_chunks(path, "latin-1")).endswith("café au lait\n")


def test_a_folder_reads_as_its_files_in_name_order(tmp_path):
    """A corpus kept as a file per document (was: "is a folder; expected a file"); a file without a last line
    end still ends its line, hidden files are left out, subfolders read."""
    (tmp_path / "b.txt").write_text("second doc\n")
    (tmp_path / "a.txt").write_text("first doc")  # no last line end
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.md").write_text("third\n")
    (tmp_path / ".hidden").write_text("never\n")
    assert "".join(read_chunks(tmp_path)) == "first doc\nsecond doc\nthird\n"
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match="empty: a folder with no files"):
        list(read_chunks(tmp_path / "empty"))


def test_json_lines_read_as_their_text_field(tmp_path):
    """Hugging Face's {"text": ...} a line (wikitext's blank texts kept as blank lines): it was modelled as written,
    braces and keys included."""
    path = tmp_path / "corpus.jsonl"
    path.write_text('{"text": "the cat", "id": 1}\n{"text": ""}\n{"text": "sat\\r\\n"}\n')
    assert "".join(read_chunks(path)) == "the cat\n\nsat\n"
    path.write_text('{"body": "one"}\n{"body": "two"}\n')
    assert list(word_tokens(read_chunks(path))) == ["one", EOS, "two", EOS]
    path.write_text('{"a": "one", "b": "x"}\n')
    with pytest.raises(UserError, match=r"corpus.jsonl: JSON lines without a 'text' field \(found a, b\)"):
        list(read_chunks(path))


def test_a_parquet_corpus_reads_as_its_text_field(tmp_path):
    """Hugging Face's hub keeps wikitext as Parquet files of {"text": ...}: it was "a Parquet table, not text; name
    it .parquet" (probes6)."""
    import pandas as pd

    pd.DataFrame({"text": ["the cat", "", "sat"], "id": [1, 2, 3]}).to_parquet(tmp_path / "train.parquet")
    assert "".join(read_chunks(tmp_path / "train.parquet")) == "the cat\n\nsat\n"
    pd.DataFrame({"a": ["one"], "b": ["x"]}).to_parquet(tmp_path / "other.parquet")
    with pytest.raises(UserError, match=r"other.parquet: records without a 'text' field \(found a, b\)"):
        list(read_chunks(tmp_path / "other.parquet"))


def test_vocabulary_reserves_pad_unk_and_eos_and_ranks_by_frequency():
    tokens = list(word_tokens(["b a b <unk> c b a\n"]))
    vocab = build_vocabulary(tokens, "word")
    assert vocab.itos[:5] == ["<pad>", "<unk>", EOS, "b", "a"]  # PTB's own <unk> is the reserved one
    assert len(build_vocabulary(tokens, "word", max_size=4)) == 4
    assert list(encode(["b", "zzz"], vocab)) == [3, UNK_ID]
    chars = build_vocabulary(char_tokens(["aab\n"]), "char")
    assert EOS not in chars and chars.itos[2] == "a" and "\n" in chars


def test_batchify_lays_the_stream_out_as_contiguous_rows():
    data = batchify(np.arange(23), 4)
    assert data.shape == (4, 5)
    assert data[1].tolist() == [5, 6, 7, 8, 9]  # row b holds tokens b*5 .. b*5+4; the last 3 are dropped
    with pytest.raises(UserError, match="too few for 8 streams"):
        batchify(np.arange(10), 8)


def test_windows_predict_the_next_token_and_continue_row_by_row():
    windows = StreamWindows(np.arange(4 * 50), batch_size=4, bptt=7)
    xs, ys = zip(*[windows[i] for i in range(len(windows))])
    assert all(x.shape == y.shape and x.shape[0] == 4 for x, y in zip(xs, ys))
    assert torch.equal(ys[0], xs[0] + 1)
    stream = torch.cat(xs, 1)
    assert torch.equal(stream, torch.arange(200).reshape(4, 50)[:, :49])  # every position but the last, in order
    assert [x.shape[1] for x in xs] == [7] * 7
    assert windows.tokens == 4 * 49


def test_jittered_windows_vary_per_epoch_and_repeat_per_seed():
    ids = np.arange(10 * 400)
    a, b = StreamWindows(ids, 10, 35, jitter=True, seed=3), StreamWindows(ids, 10, 35, jitter=True, seed=3)
    lengths = [k for _, k in a.windows]
    assert len(set(lengths)) > 3 and min(lengths[:-1]) >= 5 and max(lengths) <= 55
    assert a.windows == b.windows
    first = list(a.windows)
    a.set_epoch(1)
    assert a.windows != first
    assert sum(k for _, k in a.windows) == 399  # still the whole stream, in order


@pytest.mark.parametrize("n, streams, burn_in", [(1000, 4, 30), (1001, 7, 0), (50, 4, 30), (500, 3, 200)])
def test_scoring_streams_batch_the_text_and_score_every_token_once(n, streams, burn_in):
    ids = np.arange(n) + 1  # each id its own position (+1): where a target came from is readable
    windows = ScoringStreams(ids, streams, window=16, burn_in=burn_in)
    x = torch.cat([windows[i][0] for i in range(len(windows))], 1)  # (B, T)
    y = torch.cat([windows[i][1] for i in range(len(windows))], 1)
    scored = y[y != IGNORE_INDEX]
    assert sorted(scored.tolist()) == list(range(2, n + 1)) and windows.tokens == n - 1  # each once
    read = y != IGNORE_INDEX
    assert torch.equal(y[read], x[read] + 1)  # a target is the token after its input
    assert torch.equal(y[read], torch.as_tensor(ids)[windows.position[read]])  # and sits where position says
    if n - 1 > burn_in + streams:  # long enough: batched
        assert windows.batch_size == streams > 1 and x.shape[1] < n
        assert torch.equal(x[0, :5], torch.arange(1, 6))  # the first stream starts the text from a zero state
        for b in range(1, streams):
            row = x[b][x[b] > 0]
            assert torch.equal(row, torch.arange(int(row[0]), int(row[0]) + len(row)))  # contiguous text
            first_scored = int(torch.nonzero(y[b] != IGNORE_INDEX)[0]) if (y[b] != IGNORE_INDEX).any() else None
            assert first_scored in (burn_in, None)  # its burn-in is read, not scored
    else:
        assert windows.batch_size == 1


def test_a_utf16_text_is_read_by_its_byte_order_mark(tmp_path):
    path = tmp_path / "u16.txt"
    path.write_bytes("one two\r\nthree\r\n".encode("utf-16"))
    assert list(word_tokens(read_chunks(path))) == ["one", "two", EOS, "three", EOS]


def test_a_windows_line_end_split_between_chunks_is_one_line_end(tmp_path):
    path = tmp_path / "crlf.txt"
    path.write_bytes(b"ab\r\ncd\r\nef\r")
    for size in (1, 2, 3, 4, 4096):  # size 3 splits every "\r\n" of this file
        assert "".join(read_chunks(path, size=size)) == "ab\ncd\nef\r"
