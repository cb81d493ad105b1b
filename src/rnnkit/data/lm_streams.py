"""Language-model corpora as token streams, and the stream batching of stateful truncated BPTT.

A corpus is one stream of ids w_1 ... w_N (word level: every line's words then `<eos>`, Mikolov's PTB
files read as they are; character level: every character, newlines included). `batchify` cuts it into
B parallel streams (B, N // B), as Zaremba et al. and PyTorch's word_language_model do (the last
N mod B tokens are dropped); `StreamWindows` serves consecutive windows x = w[t : t+k], y = w[t+1 : t+k+1]
of every stream at once, so window i+1 continues window i row by row and the recurrent state carries
over (detached between windows: truncated BPTT). With `jitter`, AWD-LSTM's variable length: each window
is k with probability 0.95 else k/2, then drawn from N(that, 5), at least 5 and at most k + 20 steps;
drawn anew each epoch from (seed, epoch), so a resumed run sees the same windows.

Scoring (validation, test, `rnnkit evaluate`) reads the text as B streams too, `ScoringStreams`: one
stream alone carries the state over the whole text but runs one token per step, B streams run B; each
stream but the first first reads `burn_in` tokens of the text before its part without scoring them, so
it scores its part from a state that has seen the text before it, as one stream would have.

Files are read in chunks (`read_chunks`), never a whole line at a time, so a 50 MB file on one line
streams like any other.
"""
from __future__ import annotations

import codecs
import os
import re
from collections import Counter
from pathlib import Path
from typing import Iterable, Iterator, Literal

import numpy as np
import torch

from rnnkit.data.readers import encoding_advice, file_encoding, is_missing, no_file, read_frame, refuse_binary
from rnnkit.data.text import UNK_ID, Vocabulary
from rnnkit.data.text_batches import BatchDataset
from rnnkit.errors import UserError

IGNORE_INDEX = -100
"""A target that is read but not scored (torch's ignore_index; the trainer's losses and metrics skip it)."""

EOS = "<eos>"
Level = Literal["word", "char"]
CHUNK_CHARS = 1 << 20
_LAST_SPACE = re.compile(r"\s(?=\S*\Z)")


def _first_bad_bytes(path: Path, encoding: str, block: int = 1 << 20) -> tuple[int, int, str]:
    """(line, byte offset, the bytes in hex) of the first bytes of `path` that `encoding` cannot decode."""
    decoder = codecs.getincrementaldecoder(encoding)()
    done, lines = 0, 1
    with open(path, "rb") as f:
        while raw := f.read(block):
            try:
                decoder.decode(raw)
            except UnicodeDecodeError as err:  # err.start counts from the bytes the decoder still held
                start = max(0, err.start - len(err.object) + len(raw))
                return lines + raw[:start].count(b"\n"), done + start, raw[start:start + err.end - err.start].hex(" ")
            done, lines = done + len(raw), lines + raw.count(b"\n")
    return lines, done, ""


def read_chunks(path: str | os.PathLike, encoding: str = "utf-8", size: int = CHUNK_CHARS) -> Iterator[str]:
    """The text of `path` in pieces of `size` characters; a missing, undecodable or empty file is a UserError.
    A folder is its files' texts in name order (`folder_chunks`), and a JSON Lines or Parquet file its records'
    texts (`record_texts`)."""
    path = Path(path)
    if path.is_dir():
        yield from folder_chunks(path, encoding, size)
        return
    if path.suffix.lower() in RECORD_FILES and path.is_file():
        yield from record_texts(path, RECORD_FILES[path.suffix.lower()], encoding)
        return
    if not path.is_file():
        raise no_file(path)
    empty, held = True, ""
    with open(path, "rb") as f:
        encoding = file_encoding(f.read(4), encoding)  # a byte order mark's (UTF-16), and dropped
    with open(path, encoding=encoding, newline="") as f:
        while True:
            try:
                chunk = f.read(size)
            except UnicodeDecodeError as err:
                with open(path, "rb") as raw:
                    refuse_binary(path, raw.read(4096))
                line, offset, bad = _first_bad_bytes(path, encoding)
                raise UserError(f"{path}: line {line}, byte offset {offset}: bytes {bad} are not valid {encoding} "
                                f"({err.reason}); {encoding_advice(encoding)}") from None
            if not chunk:
                break
            if empty and chunk.strip():
                empty = False
            # a Windows line end split between two chunks: hold its "\r" back to see whether "\n" follows
            chunk = held + chunk
            held = "\r" if chunk.endswith("\r") else ""
            if len(chunk) > len(held):
                yield chunk[:len(chunk) - len(held)].replace("\r\n", "\n")
        if held:
            yield held
    if empty:
        raise UserError(f"{path}: the file is empty (no text to model)")


def folder_chunks(folder: Path, encoding: str, size: int = CHUNK_CHARS) -> Iterator[str]:
    """The texts of the files under `folder` (its subfolders' too; hidden ones left out), in path order, each
    ending in a line end: a corpus kept as a file per document. It was "is a folder; expected a file"."""
    files = sorted(p for p in folder.rglob("*") if p.is_file()
                   and not any(part.startswith(".") for part in p.relative_to(folder).parts))
    if not files:
        raise UserError(f"{folder}: a folder with no files; expected text files (a corpus, a file per document)")
    for file in files:
        last = "\n"
        for chunk in read_chunks(file, encoding, size):
            last = chunk[-1:] or last
            yield chunk
        if last != "\n":
            yield "\n"


RECORD_FILES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}
TEXT_FIELDS = ("text", "content", "document", "body")


def record_texts(path: Path, fmt: str, encoding: str) -> Iterator[str]:
    """The texts of a corpus of records, JSON Lines or Parquet (Hugging Face's `{"text": ...}` a line, and its
    hub's Parquet files of wikitext: its `text` field, else content, document or body, else its one field of
    strings), each ending in a line end; empty texts (wikitext's blank lines) stay blank lines. A JSON Lines file
    was modelled as written, braces, keys and escapes included; a Parquet file was "a Parquet table, not text;
    name it .parquet" (probes6)."""
    frame, _ = read_frame(path, fmt, encoding)
    strings = [c for c in frame.columns if frame[c].map(lambda v: isinstance(v, str) or is_missing(v)).all()]
    column = next((c for c in TEXT_FIELDS if c in frame.columns), strings[0] if len(strings) == 1 else None)
    if column is None:
        raise UserError(f"{path}: {'JSON lines' if fmt == 'jsonl' else 'records'} without a 'text' field (found "
                        f"{', '.join(map(str, frame.columns))}); expected one text a record, as {{\"text\": \"...\"}}")
    texts = ["" if is_missing(v) else str(v) for v in frame[column]]
    if not any(t.strip() for t in texts):
        raise UserError(f"{path}: the file is empty (no text to model in its {column!r} field)")
    for text in texts:
        text = text.replace("\r\n", "\n")
        yield text if text.endswith("\n") else text + "\n"


def word_tokens(chunks: Iterable[str]) -> Iterator[str]:
    """Whitespace-separated words, `<eos>` at the end of every line (a last line without newline too).

    A chunk may end inside a word: the text after its last whitespace waits for the next chunk. A chunk
    without whitespace (a word longer than a chunk) waits whole, in a list: joining it onto the rest at
    every chunk would copy and rescan the growing word each time, quadratic in its length."""
    rest, line_open = "", False  # line_open: words of the current line were yielded before its newline
    waiting: list[str] = []  # chunks without whitespace, after `rest`
    for chunk in chunks:
        if _LAST_SPACE.search(chunk) is None:  # no whitespace in it
            waiting.append(chunk)
            continue
        text = "".join([rest, *waiting, chunk])
        waiting.clear()
        cut = _LAST_SPACE.search(text)
        rest = text[cut.end():]
        lines = text[:cut.end()].split("\n")
        for line in lines[:-1]:
            yield from line.split()
            yield EOS
        words = lines[-1].split()  # a line still open: its <eos> comes with its newline
        yield from words
        line_open = bool(words) or (line_open and len(lines) == 1)
    words = "".join([rest, *waiting]).split()
    yield from words
    if words or line_open:
        yield EOS


def char_tokens(chunks: Iterable[str]) -> Iterator[str]:
    for chunk in chunks:
        yield from chunk


def tokens_of(chunks: Iterable[str], level: Level) -> Iterator[str]:
    return word_tokens(chunks) if level == "word" else char_tokens(chunks)


def build_vocabulary(tokens: Iterable[str], level: Level, max_size: int | None = None,
                     min_freq: int = 1) -> Vocabulary:
    """The vocabulary of a training stream: `<pad>` (never a target), `<unk>`, `<eos>` (word level), then
    tokens by falling frequency. PTB's own `<unk>` tokens map to `<unk>`."""
    counts = Counter(tokens)
    if not counts:
        raise UserError("the training text has no tokens")
    vocab = Vocabulary()  # the reserved ids only
    reserved = [EOS] if level == "word" else []
    counts.pop(EOS, None)
    ranked = sorted((t for t, c in counts.items() if c >= min_freq and t not in vocab.stoi), key=lambda t: (-counts[t], t))
    if max_size is not None:
        ranked = ranked[:max(0, max_size - len(vocab) - len(reserved))]
    return Vocabulary(reserved + ranked)


def encode(tokens: Iterable[str], vocab: Vocabulary) -> np.ndarray:
    """Ids (N,) int64 of a token stream; unknown tokens are `<unk>`."""
    stoi = vocab.stoi
    return np.fromiter((stoi.get(t, UNK_ID) for t in tokens), dtype=np.int64)


def batchify(ids: np.ndarray, batch_size: int, what: str = "the text") -> torch.Tensor:
    """(B, N // B): B contiguous streams side by side (row b is tokens b*N//B ... (b+1)*N//B - 1)."""
    n = len(ids) // batch_size
    if n < 2:
        raise UserError(f"{what} has {len(ids)} tokens: too few for {batch_size} streams of at least 2 tokens; "
                        "use a smaller batch size or more text")
    return torch.as_tensor(np.asarray(ids[:n * batch_size]).reshape(batch_size, n))


def window_plan(length: int, bptt: int, jitter: bool, rng: np.random.Generator | None) -> list[tuple[int, int]]:
    """(start, steps) of consecutive windows covering positions 0 .. length - 2 (each needs a next token)."""
    plan, t = [], 0
    while t < length - 1:
        k = bptt
        if jitter:
            base = bptt if rng.random() < 0.95 else bptt / 2
            k = int(min(bptt + 20, max(5, round(rng.normal(base, 5)))))
        k = min(k, length - 1 - t)
        plan.append((t, k))
        t += k
    return plan


class StreamWindows(BatchDataset):
    """Item i: (x (B, k), y (B, k)), window i of the B streams; read in order for the state to carry over."""

    def __init__(self, ids: np.ndarray, batch_size: int, bptt: int, *, jitter: bool = False, seed: int = 0,
                 what: str = "the text"):
        if bptt < 1:
            raise ValueError(f"bptt={bptt!r}; expected a positive number of steps")
        self.data = batchify(ids, batch_size, what)  # (B, N // B)
        self.batch_size, self.bptt, self.jitter, self.seed = batch_size, bptt, jitter, seed
        self.set_epoch(0)

    @property
    def tokens(self) -> int:
        """Predicted tokens per pass: B * (N // B - 1)."""
        return self.data.shape[0] * (self.data.shape[1] - 1)

    def set_epoch(self, epoch: int) -> None:
        rng = np.random.default_rng([self.seed, epoch]) if self.jitter else None
        self.windows = window_plan(self.data.shape[1], self.bptt, self.jitter, rng)

    def __len__(self) -> int:
        return len(self.windows)

    def __getitem__(self, i):
        t, k = self.windows[i]
        return self.data[:, t:t + k], self.data[:, t + 1:t + 1 + k]


class ScoringStreams(BatchDataset):
    """Every token but the first of `ids` scored once, by `streams` parallel streams in windows of `window`.

    Stream 0 reads from the start and scores T = L + burn_in tokens; stream b >= 1 reads from `burn_in`
    tokens before its part of L tokens and scores that part only (the burn-in targets are IGNORE_INDEX,
    as are the pads that end the last stream). L = ceil((N - 1 - burn_in) / streams); a text too short
    for that is one stream. Item i: (x (B, k), y (B, k)) in order, the state carried from window to window."""

    def __init__(self, ids: np.ndarray, streams: int, window: int, burn_in: int = 0, *, what: str = "the text"):
        if window < 1 or streams < 1 or burn_in < 0:
            raise ValueError(f"streams={streams!r}, window={window!r}, burn_in={burn_in!r}; expected positive "
                             "streams and window and a burn-in >= 0")
        ids = torch.as_tensor(np.asarray(ids, dtype=np.int64))
        targets = len(ids) - 1
        if targets < 1:
            raise UserError(f"{what} has {len(ids)} tokens: at least 2 are needed to score one")
        part = -(-(targets - burn_in) // streams) if targets > burn_in else 0
        if part < 1 or streams == 1:
            streams, part, burn_in = 1, targets, 0
        length = part + burn_in  # (T,) steps of every stream
        self.x = torch.zeros(streams, length, dtype=torch.int64)  # (B, T) input ids, PAD_ID after the text
        self.y = torch.full((streams, length), IGNORE_INDEX, dtype=torch.int64)  # (B, T) targets
        self.following = self.y.clone()  # (B, T) the token after each input, burn-in included (a cache's history)
        self.position = torch.full((streams, length), -1, dtype=torch.int64)  # (B, T) where each target is in ids
        for b in range(streams):
            first = 0 if b == 0 else length + (b - 1) * part  # the first position this stream scores
            start = first - (0 if b == 0 else burn_in)  # the first position it reads
            stop = min(start + length, targets)  # positions start .. stop-1 predict start+1 .. stop
            if stop <= first:
                break
            self.x[b, :stop - start] = ids[start:stop]
            self.y[b, first - start:stop - start] = ids[first + 1:stop + 1]
            self.following[b, :stop - start] = ids[start + 1:stop + 1]
            self.position[b, first - start:stop - start] = torch.arange(first + 1, stop + 1)
        self.batch_size, self.window, self.burn_in = streams, window, burn_in
        self.windows = [(t, min(window, length - t)) for t in range(0, length, window)]

    @property
    def tokens(self) -> int:
        """Predicted (scored) tokens per pass: every token of the text but the first."""
        return int((self.y != IGNORE_INDEX).sum())

    def __len__(self) -> int:
        return len(self.windows)

    def __getitem__(self, i):
        t, k = self.windows[i]
        return self.x[:, t:t + k], self.y[:, t:t + k]
