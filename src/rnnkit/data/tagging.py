"""Tagged sentences: CoNLL-style and `word/TAG` files in, tag schemes (BIO, BIOES, BMES) and chunks.

Three formats, each with the line number in every error:
- CoNLL: one `token<TAB>tag` (or `token tag`) per line, a blank line between sentences; the tag is
  the LAST column, so `token pos chunk tag` files (CoNLL-2003) read too: every line has as many columns
  as the first, and its `-DOCSTART-` lines (document breaks) end a sentence and are not tokens.
- `word/TAG` (the People's Daily format): one sentence per line, tokens separated by spaces, each
  `word/TAG` split at its last slash.
- CoNLL-U (Universal Dependencies' `.conllu`): ten tab-separated columns, `#` comment lines before each
  sentence; the token is FORM (column 2) and the tag UPOS (column 4); multiword-token ranges (`1-2`)
  and empty nodes (`8.1`) are not tokens. Read by `read_conllu`; `read_tagged` knows it by its suffix or
  by a first token line of ten columns that starts with an ID (1, 1-2 or 1.1).

Tag schemes: BIO (B-X, I-X, O), BIOES (adds E-X, S-X), BMES (B, M, E, S: segmentation, optionally
typed as B-X); a file whose tags are all spelt otherwise (b-x, B_X, X-B) is read as B-X, and spaCy's BILUO (U-X a
one-token chunk, L-X its last token) as BIOES (`with_chunk_spelling`).
A scheme-free tag set (POS tags) is "plain". `chunks(tags, scheme)` gives the typed
spans a tag sequence marks and `chunk_tags(spans, n, scheme)` writes them back, so conversion between
schemes is chunks in, tags out.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable, Sequence

from rnnkit.data.readers import (detect_format, encoding_advice, encoding_name, file_encoding, no_file, read_frame,
                                 refuse_binary)
from rnnkit.errors import UserError

SCHEMES = ("BIO", "BIOES", "BMES")
_CHUNK_TAG = re.compile(r"^(?:O|[BIMES](?:-.+)?)$")
# other spellings of chunk tags that tools write: the prefix in lower case or joined by "_" (b-per, B_PER), or last
# (PER-B, as some Chinese NER files have it); read as B-PER so that the run finds their scheme and entities
_PREFIX_FIRST = re.compile(r"^([BIMESLU])[-_](.+)$", re.IGNORECASE)
_PREFIX_LAST = re.compile(r"^(.+)[-_]([BIMESLU])$", re.IGNORECASE)
BILUO = {"L": "E", "U": "S"}  # spaCy's BILUO is BIOES spelt with L (last) and U (unit)


@dataclass
class TagSplit:
    """Sentences as token lists with one tag per token; `lines[i]` is sentence i's first line in
    `source` (token j is on line lines[i] + j when `line_per_token`), for error messages."""

    tokens: list[list[str]]
    tags: list[list[str]]
    source: str = ""
    lines: list[int] = field(default_factory=list)
    line_per_token: bool = True

    def __len__(self) -> int:
        return len(self.tokens)

    def where(self, i: int, j: int = 0) -> str:
        """'file: line N' of token j of sentence i (or 'sentence i+1' without line numbers)."""
        if not self.lines:
            return f"{self.source or 'data'}: sentence {i + 1}"
        return f"{self.source}: line {self.lines[i] + (j if self.line_per_token else 0)}"

    def subset(self, index: Iterable[int]) -> "TagSplit":
        index = list(index)
        return TagSplit([self.tokens[i] for i in index], [self.tags[i] for i in index], self.source,
                        [self.lines[i] for i in index] if self.lines else [], self.line_per_token)


def _read_text(path: Path, encoding: str = "utf-8") -> str:
    if not path.is_file():
        raise no_file(path)
    raw = path.read_bytes()
    try:
        text = raw.decode(file_encoding(raw[:4], encoding))
    except UnicodeDecodeError as err:
        refuse_binary(path, raw[:4096])
        line = raw[:err.start].count(b"\n") + 1
        shown = encoding_name(encoding)
        raise UserError(f"{path}: line {line}: not valid {shown} text; {encoding_advice(shown)}") from None
    except LookupError:
        raise UserError(f"{path}: unknown encoding {encoding!r}") from None
    if not text.strip():
        raise UserError(f"{path}: the file is empty; expected tagged sentences")
    return text


def read_conll(path: str | Path, columns: int | str = "first", encoding: str = "utf-8") -> TagSplit:
    """CoNLL-style `token<TAB>tag` lines, a blank line between sentences; the tag is the last column, and
    every line has `columns` of them ("first": as many as the first token line, at least 2). A line opening
    a sentence with `#` and other than the next line's number of fields is a comment (`# sent_id = 3`,
    `#begin document`), not a token `#`."""
    path = Path(path)
    out = TagSplit([], [], str(path))
    tokens: list[str] = []
    tags: list[str] = []
    lines = _read_text(path, encoding).splitlines()
    split = _fields(lines)
    header = _column_names_at(split)
    for number, (line, fields) in enumerate(zip(lines, split), start=1):
        if number - 1 == header or fields and fields[0] == "-DOCSTART-" or \
                not tokens and _is_comment(lines, split, number - 1):
            fields = []  # a header, CoNLL-2003's document break, or a comment: a boundary, not a token
        elif columns == "first" and all(fields) and len(fields) >= 2:
            columns = len(fields)
        if not any(fields):
            if tokens:
                out.tokens.append(tokens)
                out.tags.append(tags)
                tokens, tags = [], []
            continue
        if len(fields) != columns or not all(fields):
            want = "2 columns: token<TAB>tag" if columns in (2, "first") else f"{columns} columns as the first line"
            raise UserError(f"{path}: line {number}: found {len([f for f in fields if f])} column(s) in "
                            f"{line.strip()[:40]!r}; expected {want} (the tag last)")
        if not tokens:
            out.lines.append(number)
        tokens.append(fields[0])
        tags.append(fields[-1])
    if tokens:
        out.tokens.append(tokens)
        out.tags.append(tags)
    return out


def _fields(lines: list[str]) -> list[list[str]]:
    """Each line's fields: tab-separated where it holds a tab, else space-separated."""
    return [[f.strip() for f in (line.split("\t") if "\t" in line.strip() else line.split())] for line in lines]


def _column_names_at(split: list[list[str]]) -> int | None:
    """The index of a first non-blank line that names the columns (`token<TAB>tag`, `Word POS Tag`, as pandas'
    `to_csv(sep="\\t")` writes a header), else None. It was read as a token `token` tagged `tag`, and that one
    tag made the whole file's tags plain: no scheme, no entity F1 (probes5: t_header.conll)."""
    first = next((i for i, fields in enumerate(split) if any(fields)), None)
    if first is None or len(split[first]) < 2:
        return None
    fields = [f.lower() for f in split[first]]
    return first if fields[0] in WORD_NAMES and fields[-1] in TAG_NAMES else None


def _is_comment(lines: list[str], split: list[list[str]], i: int) -> bool:
    """Whether line i, opening a sentence, is a comment: it starts with `#` and has other than as many fields as
    the next token line (a comment line was read as the file's first token line, and the real ones refused), or
    holds no tab where that line's fields are tab-separated: `# generated` over `word<TAB>O` was a token `#`
    tagged `generated`, and that one tag made the file's tags plain (probes6: t_blank_top.conll)."""
    if not lines[i].startswith("#"):
        return False
    j = i + 1
    while j < len(lines) and (not lines[j].strip() or lines[j].startswith("#")):
        j += 1
    return j == len(lines) or len(split[j]) != len(split[i]) or ("\t" in lines[j].strip()) > ("\t" in lines[i])


CONLLU_COLUMNS = 10
_CONLLU_ID = re.compile(r"\d+")  # a word; 1-2 is a multiword range, 8.1 an empty node
_CONLLU_ANY_ID = re.compile(r"\d+(?:[-.]\d+)?")


def read_conllu(path: str | Path, encoding: str = "utf-8") -> TagSplit:
    """A CoNLL-U file's sentences: FORM as the token, UPOS as the tag (UD's universal part of speech)."""
    path = Path(path)
    out = TagSplit([], [], str(path))
    tokens: list[str] = []
    tags: list[str] = []
    for number, line in enumerate(_read_text(path, encoding).splitlines(), start=1):
        if line.startswith("#"):
            continue
        if not line.strip():
            if tokens:
                out.tokens.append(tokens)
                out.tags.append(tags)
                tokens, tags = [], []
            continue
        fields = line.split("\t")
        if len(fields) != CONLLU_COLUMNS:
            raise UserError(f"{path}: line {number}: found {len(fields)} tab-separated column(s) in "
                            f"{line.strip()[:40]!r}; expected {CONLLU_COLUMNS} (CoNLL-U: ID FORM LEMMA UPOS ...)")
        if not _CONLLU_ID.fullmatch(fields[0]):  # a multiword range (1-2) or an empty node (8.1)
            continue
        if fields[3] in ("", "_"):
            raise UserError(f"{path}: line {number}: token {fields[1]!r} has no UPOS tag (column 4)")
        if not tokens:
            out.lines.append(number)
        tokens.append(fields[1])
        tags.append(fields[3])
    if tokens:
        out.tokens.append(tokens)
        out.tags.append(tags)
    return out


def is_conllu(path: Path, lines: Sequence[str]) -> bool:
    """A `.conllu` file, or one whose first token line has CoNLL-U's ten columns and an ID."""
    if path.suffix.lower() == ".conllu":
        return True
    first = next((line for line in lines if line.strip() and not line.startswith("#")), "")
    fields = first.split("\t")
    return len(fields) == CONLLU_COLUMNS and bool(_CONLLU_ANY_ID.fullmatch(fields[0]))


def read_tokens(path: str | Path, encoding: str = "utf-8") -> list[list[str]]:
    """The sentences of a CoNLL-style file to tag: the first column (CoNLL-U: FORM), sentences split at
    blank and `-DOCSTART-` lines; tag columns, if any, ignored (a file of tokens alone reads too)."""
    path = Path(path)
    lines = _read_text(path, encoding).splitlines()
    if is_conllu(path, lines[:200]):
        return read_conllu(path, encoding).tokens
    sentences, tokens, split = [], [], _fields(lines)
    header = _column_names_at(split)
    for i, fields in enumerate([*split, []]):
        token = fields[0] if fields and i != header else ""
        if token and token != "-DOCSTART-" and (tokens or not _is_comment(lines, split, i)):
            tokens.append(token)
        elif tokens:
            sentences.append(tokens)
            tokens = []
    return sentences


def parse_word_tags(line: str, where: str) -> tuple[list[str], list[str]]:
    """(words, tags) of one `word/TAG word/TAG` line."""
    words, tags = [], []
    for item in line.split():
        word, slash, tag = item.rpartition("/")
        if not slash or not word or not tag:
            raise UserError(f"{where}: {item!r} is not word/TAG")
        words.append(word)
        tags.append(tag)
    return words, tags


def read_word_tag(path: str | Path, encoding: str = "utf-8") -> TagSplit:
    """`word/TAG` sentences, one a line (People's Daily); blank lines are skipped."""
    path = Path(path)
    out = TagSplit([], [], str(path), line_per_token=False)
    for number, line in enumerate(_read_text(path, encoding).splitlines(), start=1):
        if line.strip():
            words, tags = parse_word_tags(line, f"{path}: line {number}")
            out.tokens.append(words)
            out.tags.append(tags)
            out.lines.append(number)
    return out


JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")
TOKEN_KEYS = ("tokens", "words", "token", "word")
TAG_KEYS = ("tags", "ner_tags", "labels", "ner", "pos_tags", "upos", "xpos", "pos", "chunk_tags")
"""A JSON Lines sentence's keys, in the order looked for: Hugging Face datasets write tokens and ner_tags"""


def read_tag_jsonl(path: str | Path, encoding: str = "utf-8", tagged: bool = True) -> TagSplit:
    """JSON Lines of sentences, as Hugging Face datasets write them: a list of tokens and a list of as many tags
    (`{"tokens": [...], "ner_tags": [...]}`; the first of TAG_KEYS present). Tags as ids without their names are
    refused in one line: the names are not in the file. Such a file was read as CoNLL lines ("line 2: found 6
    column(s)"). `tagged=False`: sentences to tag, their tags (if any) left out."""
    import json

    path = Path(path)
    out = TagSplit([], [], str(path), line_per_token=False)
    for number, line in enumerate(_read_text(path, encoding).splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}: line {number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise UserError(f"{where}: not valid JSON ({err.msg} at column {err.colno})") from None
        tokens = next((record[k] for k in TOKEN_KEYS if isinstance(record, dict) and k in record), None)
        key = next((k for k in TAG_KEYS if isinstance(record, dict) and k in record), None)
        if not tagged and isinstance(tokens, list):
            out.tokens.append([str(t) for t in tokens])
            continue
        if not isinstance(tokens, list) or key is None or not isinstance(record[key], list):
            raise UserError(f"{where}: expected an object with a list of tokens ({', '.join(TOKEN_KEYS)}) and a list "
                            f"of tags ({', '.join(TAG_KEYS)})")
        tags = record[key]
        if len(tags) != len(tokens):
            raise UserError(f"{where}: {len(tokens)} tokens but {len(tags)} {key}; expected one tag per token")
        if any(not isinstance(t, str) for t in tags):
            raise UserError(f"{where}: {key} holds ids ({', '.join(map(str, tags[:5]))}) without their names; write "
                            "the tag names (a Hugging Face dataset's features name them: B-PER, O, ...)")
        if tokens:
            out.tokens.append([str(t) for t in tokens])
            out.tags.append(tags)
            out.lines.append(number)
    return out


def is_word_tag(line: str) -> bool:
    items = line.split()
    return len(items) > 0 and all(re.fullmatch(r".+/[^/]+", item) for item in items) and "\t" not in line


WORD_TAG_PROBE = 20
"""Non-blank lines `read_tagged` looks at to tell word/TAG lines from CoNLL."""


SENTENCE_NAMES = ("sentence #", "sentence", "sentence_id", "sentence_idx", "sentence no", "sentence_no", "sent_id")
WORD_NAMES = ("word", "token", "form", "words", "tokens")
TAG_NAMES = ("tag", "ner", "ner_tag", "entity", "iob", "label", "pos")
"""A table of one token a row (Kaggle's GMB ner_dataset.csv: Sentence #, Word, POS, Tag): its columns, any case;
the first tag name present is the tag column (Tag before POS)"""


def tag_table_columns(columns: Sequence) -> tuple[str, str, str | None] | None:
    """(sentence, word, tag or None) columns of a table of one token a row, else None."""
    names = {str(c).strip().lower(): c for c in columns}
    sentence = next((names[n] for n in SENTENCE_NAMES if n in names), None)
    word = next((names[n] for n in WORD_NAMES if n in names), None)
    tag = next((names[n] for n in TAG_NAMES if n in names), None)
    return (sentence, word, tag) if sentence is not None and word is not None else None


def is_tag_table_header(line: str) -> bool:
    """Whether a CSV/TSV's first line names a table of one token a row (`tag_table_columns`)."""
    return tag_table_columns([c.strip().strip('"') for c in re.split(r"[,\t;]", line.lstrip("\ufeff"))]) is not None


def read_tag_table(path: str | Path, encoding: str = "utf-8", tagged: bool = True) -> TagSplit:
    """A CSV/TSV of one token a row under a header naming the sentence, the word and the tag (`tag_table_columns`),
    the sentence's number on its first word's row only (or on every row): read as CoNLL lines, it was "line 3:
    found 1 column(s) in ',充满,v,O'" (probes4: t_kaggle_ner.csv)."""
    path = Path(path)
    frame, rows = read_frame(path, detect_format(path), encoding)
    sentence, word, tag = tag_table_columns(frame.columns) or (None, None, None)
    if sentence is None or tagged and tag is None:
        raise UserError(f"{path}: expected columns naming the sentence ({SENTENCE_NAMES[0]!r}), the word ('Word') and "
                        f"the tag ('Tag'); found {', '.join(map(str, frame.columns))}")
    ids = frame[sentence].astype(str).str.strip()
    if not ids.iloc[0]:
        raise UserError(f"{path}: row 1, column {sentence!r}: empty; expected the sentence's number on its first "
                        "word's row")
    starts = [i for i in range(len(frame)) if ids.iloc[i] and (i == 0 or ids.iloc[i] != ids.iloc[i - 1])]
    out = TagSplit([], [], str(path), line_per_token=True)
    for begin, end in zip(starts, starts[1:] + [len(frame)]):
        out.tokens.append([str(w) for w in frame[word].iloc[begin:end]])
        if tagged:
            out.tags.append([str(t).strip() for t in frame[tag].iloc[begin:end]])
        out.lines.append(rows[begin] + 1)  # the header is line 1
    return out


def detect_tag_format(path: Path, encoding: str = "utf-8") -> str:
    """conllu, table (a CSV/TSV of one token a row), jsonl (by its suffix or a first line `{`), word-tag or conll,
    from the file's first lines: word/TAG when the first non-blank line is `word/TAG` items and it or one of the
    next such lines has other than two (a two-item `word/TAG` line reads as a CoNLL line too, but a CoNLL tag
    never holds a slash)."""
    lines = _read_text(path, encoding).splitlines()
    if is_conllu(path, lines[:200]):
        return "conllu"
    if path.suffix.lower() in (".csv", ".tsv") and lines and is_tag_table_header(lines[0]):
        return "table"
    if path.suffix.lower() in JSON_SUFFIXES or lines and lines[0].lstrip().startswith("{"):
        return "jsonl"
    first = [line for line in lines[: 50 * WORD_TAG_PROBE] if line.strip()][:WORD_TAG_PROBE]
    if first and is_word_tag(first[0]) and any(is_word_tag(line) and len(line.split()) != 2 for line in first):
        return "word-tag"
    return "conll"


def read_tagged(path: str | Path, fmt: str = "auto", encoding: str = "utf-8") -> TagSplit:
    """A tagged file in any of the three formats; "auto" looks at its first lines (`detect_tag_format`)."""
    path = Path(path)
    if fmt == "auto":
        fmt = detect_tag_format(path, encoding)
    readers = {"conll": read_conll, "word-tag": read_word_tag, "conllu": read_conllu, "jsonl": read_tag_jsonl,
               "table": read_tag_table}
    if fmt not in readers:
        raise UserError(f"format {fmt!r}: expected auto, conll, conllu, word-tag, jsonl or table")
    return with_chunk_spelling(readers[fmt](path, encoding=encoding))


def with_chunk_spelling(data: TagSplit) -> TagSplit:
    """`data` with its chunk tags spelt B-X, I-X, O where every tag is one of the other spellings (`chunk_spelling`)."""
    spelt = chunk_spelling({t for sent in data.tags for t in sent})
    return replace(data, tags=[[spelt[t] for t in sent] for sent in data.tags]) if spelt else data


def chunk_spelling(tags: set[str]) -> dict[str, str] | None:
    """Each of `tags` spelt B-X, I-X, O where every one is of another spelling of chunk tags (b-x, B_X, X-B; o;
    BILUO's L-X and U-X as E-X and S-X), else None: tags of any other form (POS tags), or already so spelt, are
    left as they are. BILUO was read as plain tags: token accuracy alone, no entities (probes5: t_biluo.conll)."""
    chunked = tags - {"O", "o"}
    if "o" not in tags and all(_CHUNK_TAG.match(t) for t in chunked):
        return None
    for pattern, prefix, kind in ((_PREFIX_FIRST, 1, 2), (_PREFIX_LAST, 2, 1)):
        found = {t: pattern.match(t) for t in chunked}
        letters = {m[prefix].upper() for m in found.values() if m}
        if found and all(found.values()) and not (letters & set(BILUO) and "M" in letters):
            return {t: f"{BILUO.get(m[prefix].upper(), m[prefix].upper())}-{m[kind]}" for t, m in found.items()} | \
                {"O": "O", "o": "O"}
    return None


# --- schemes and chunks -----------------------------------------------------------------------------


def split_tag(tag: str) -> tuple[str, str]:
    prefix, _, kind = tag.partition("-")
    return prefix, kind


def is_chunk_tag(tag: str) -> bool:
    """Whether `tag` is written in a chunk scheme (O, B-X, I-X, E-X, S-X, M-X, or the prefix alone)."""
    return _CHUNK_TAG.match(tag) is not None


def detect_scheme(data: TagSplit) -> str:
    """BIO, BIOES, BMES or "plain" (tags without a chunk scheme, e.g. POS); mixing BMES's M with
    BIO's I or O is an error naming the line where the second scheme appears."""
    if not all(is_chunk_tag(t) for sent in data.tags for t in sent):
        return "plain"
    first: dict[str, tuple[int, int]] = {}
    for i, sent in enumerate(data.tags):
        for j, tag in enumerate(sent):
            first.setdefault(tag[0], (i, j))
    if "M" in first and ("I" in first or "O" in first):
        other = "I" if "I" in first else "O"
        a, b = sorted((first["M"], first[other]))
        tag = data.tags[b[0]][b[1]]
        raise UserError(f"{data.where(*b)}: tag {tag!r} mixes schemes with the tag "
                        f"{data.tags[a[0]][a[1]]!r} at {data.where(*a).split(': ')[-1]}; expected one of "
                        "BIO (B/I/O), BIOES (B/I/O/E/S) or BMES (B/M/E/S)")
    if "M" in first or not ("I" in first or "O" in first):  # B/E/S alone: a segmentation without 3-character words
        return "BMES" if ("M" in first or "E" in first or "S" in first) else "BIO"
    return "BIOES" if ("E" in first or "S" in first) else "BIO"


def chunks(tags: Sequence[str], scheme: str) -> list[tuple[str, int, int]]:
    """Typed spans (type, start, end exclusive) of a tag sequence; lenient like conlleval: an I/M/E
    without its B starts a chunk."""
    spans: list[tuple[str, int, int]] = []
    start, kind = None, None
    for i, tag in enumerate(list(tags) + ["O"]):
        prefix, t = split_tag(tag)
        begins = prefix in ("B", "S", "O") or t != kind or start is None
        if start is not None and begins:
            spans.append((kind, start, i))
            start = None
        if prefix != "O" and start is None:
            start, kind = i, t
        if prefix in ("E", "S") and start is not None:
            spans.append((kind, start, i + 1))
            start = None
    return spans


def chunk_tags(spans: Iterable[tuple[str, int, int]], n: int, scheme: str) -> list[str]:
    """Tags of n tokens marking `spans` in `scheme`; BMES has no O, so uncovered tokens are errors."""
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}, got {scheme!r}")
    tags = ["O"] * n
    inside = "M" if scheme == "BMES" else "I"
    for kind, start, end in spans:
        suffix = f"-{kind}" if kind else ""
        if scheme == "BIO":
            tags[start:end] = [f"B{suffix}"] + [f"I{suffix}"] * (end - start - 1)
        elif end - start == 1:
            tags[start] = f"S{suffix}"
        else:
            tags[start:end] = [f"B{suffix}"] + [f"{inside}{suffix}"] * (end - start - 2) + [f"E{suffix}"]
    if scheme == "BMES" and "O" in tags:
        raise ValueError("BMES has no O tag: every token must be in a chunk")
    return tags


def convert(tags: Sequence[str], source: str, target: str) -> list[str]:
    """The same chunks in another scheme."""
    return chunk_tags(chunks(tags, source), len(tags), target)


def segmentation_tags(words: Sequence[str]) -> tuple[list[str], list[str]]:
    """(characters, BMES tags) of a segmented sentence: each word one chunk."""
    chars, spans, at = [], [], 0
    for word in words:
        chars.extend(word)
        spans.append(("", at, at + len(word)))
        at += len(word)
    return chars, chunk_tags(spans, len(chars), "BMES")


def words_of(chars: Sequence[str], tags: Sequence[str]) -> list[str]:
    """The words BMES tags cut `chars` into (lenient: a stray M/E continues, a stray B/S starts)."""
    return ["".join(chars[s:e]) for _, s, e in chunks(tags, "BMES")]
