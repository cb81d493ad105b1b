"""Tokenizers and vocabularies: text -> tokens -> integer ids, the input an Embedding layer reads.

Four tokenizers, each a plain function `str -> list[str]`:
- `english_words`: lowercased words, numbers and punctuation marks (HTML `<br />` removed), the
  kind of tokens Keras' IMDB example and most LSTM sentiment papers use;
- `characters`: one token per character (character-level models, Karpathy's char-rnn);
- `chinese_words`: words segmented by jieba (`jieba.lcut`, its bundled dictionary, offline);
- `chinese_characters`: one token per Chinese character, spaces dropped.

`Vocabulary` maps tokens to ids with `<pad>` = 0 and `<unk>` = 1 reserved (padding is 0, as
`batching.pad_sequences` assumes), keeps the `max_size` most frequent tokens seen at least
`min_freq` times, and saves to JSON (never pickle).
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections import Counter
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

from rnnkit.atomic import write_json

PAD, UNK = "<pad>", "<unk>"
PAD_ID, UNK_ID = 0, 1

_HTML_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
# words with inner apostrophes or hyphens (don't, well-made), numbers with inner , or . (3.5,
# 1,000), or any single other non-space character (punctuation, symbols).
_ENGLISH_TOKEN = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*|\d+(?:[.,]\d+)*|[^\w\s]", re.UNICODE)


def english_words(text: str) -> list[str]:
    """'I didn't like it.<br />Not 1 bit!' -> ['i', "didn't", 'like', 'it', '.', 'not', '1', 'bit', '!']"""
    return _ENGLISH_TOKEN.findall(_HTML_BREAK.sub(" ", text).lower())


def characters(text: str) -> list[str]:
    return list(text)


def chinese_characters(text: str) -> list[str]:
    return [ch for ch in text if not ch.isspace()]


_jieba = None


def chinese_words(text: str) -> list[str]:
    """jieba's default (accurate) mode; whitespace tokens dropped. The dictionary loads once, quietly."""
    global _jieba
    if _jieba is None:
        import jieba

        jieba.setLogLevel(logging.WARNING)  # no "Building prefix dict..." chatter on stderr
        jieba.initialize()
        _jieba = jieba
    return [w for w in _jieba.lcut(text) if not w.isspace()]


TOKENIZERS: dict[str, Callable[[str], list[str]]] = {
    "english": english_words,
    "chars": characters,
    "chinese": chinese_words,
    "chinese-chars": chinese_characters,
}


def get_tokenizer(name: str) -> Callable[[str], list[str]]:
    if name not in TOKENIZERS:
        raise ValueError(f"tokenizer={name!r} is not one of {sorted(TOKENIZERS)}")
    return TOKENIZERS[name]


class Vocabulary:
    """Token <-> id table: `<pad>` = 0, `<unk>` = 1, then tokens by falling frequency (ties by token).

    char_backoff=True: a token outside the table is encoded as its characters (each known character's
    id, else <unk>) instead of one <unk>, e.g. a rare Chinese word 性价比 -> 性, 价, 比. `build` then keeps
    the words seen at least `min_freq` times and the characters of the rarer ones, so training texts
    look like unseen texts will: a rare word reads as its characters in both.
    """

    def __init__(self, tokens: Iterable[str] = (), char_backoff: bool = False):
        self.char_backoff = bool(char_backoff)
        self.itos: list[str] = [PAD, UNK]
        self.stoi: dict[str, int] = {PAD: PAD_ID, UNK: UNK_ID}
        for token in tokens:
            if token not in self.stoi:
                self.stoi[token] = len(self.itos)
                self.itos.append(token)

    @classmethod
    def build(cls, token_lists: Iterable[Iterable[str]], max_size: int | None = None,
              min_freq: int = 1, char_backoff: bool = False) -> "Vocabulary":
        """Count tokens; keep those seen >= `min_freq` times; `max_size` counts the two reserved ids.

        With char_backoff, the characters of the tokens seen fewer times are counted and ranked with them."""
        if max_size is not None and max_size < 2:
            raise ValueError(f"max_size={max_size!r} must be at least 2 (<pad> and <unk>) or None")
        if min_freq < 1:
            raise ValueError(f"min_freq={min_freq!r} must be at least 1")
        counts = Counter(t for tokens in token_lists for t in tokens)
        counts.pop(PAD, None)
        counts.pop(UNK, None)
        if char_backoff:
            rare = {t: c for t, c in counts.items() if c < min_freq}
            counts = Counter({t: c for t, c in counts.items() if c >= min_freq})
            for token, c in rare.items():
                for ch in token:
                    counts[ch] += c
            min_freq = 1  # every character of a rare word is kept (max_size still cuts the tail)
        ranked = sorted((t for t, c in counts.items() if c >= min_freq), key=lambda t: (-counts[t], t))
        if max_size is not None:
            ranked = ranked[: max_size - 2]
        return cls(ranked, char_backoff)

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token: str) -> bool:
        return token in self.stoi

    def __repr__(self) -> str:
        return f"Vocabulary(size={len(self)})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Vocabulary) and self.itos == other.itos and self.char_backoff == other.char_backoff

    def encode(self, tokens: Iterable[str]) -> list[int]:
        """Ids of `tokens`; a token outside the table is <unk> (or its characters), and so is a text's
        literal "<pad>": id 0 would make the recurrent layers skip it as padding."""
        if not self.char_backoff:
            return [self.stoi.get(t, UNK_ID) or UNK_ID for t in tokens]
        ids = []
        for t in tokens:
            if t in self.stoi and t != PAD:
                ids.append(self.stoi[t])
            else:
                ids.extend(self.stoi.get(ch, UNK_ID) for ch in t)
        return ids

    def decode(self, ids: Iterable[int], skip_pad: bool = True) -> list[str]:
        return [self.itos[i] for i in ids if not (skip_pad and i == PAD_ID)]

    def to_dict(self) -> dict:
        return {"tokens": self.itos, **({"char_backoff": True} if self.char_backoff else {})}

    @classmethod
    def from_dict(cls, data: dict) -> "Vocabulary":
        tokens = list(data["tokens"])
        if tokens[:2] != [PAD, UNK]:
            raise ValueError(f"a vocabulary must start with {PAD!r}, {UNK!r}; got {tokens[:2]!r}")
        return cls(tokens[2:], bool(data.get("char_backoff", False)))

    def save(self, path: str | os.PathLike) -> None:
        """Write JSON atomically (a temp file beside it, then a rename)."""
        write_json(path, self.to_dict())

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Vocabulary":
        from rnnkit.errors import UserError

        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            return cls.from_dict(data)
        except FileNotFoundError:
            raise UserError(f"{path}: vocabulary file not found") from None
        except (ValueError, KeyError, TypeError) as err:
            raise UserError(f"{path}: not a rnnkit vocabulary JSON ({err})") from None


_CJK = re.compile(r"[\u3400-\u9fff]")
_KANA = re.compile(r"[\u3040-\u30ff\uff66-\uff9f]")


def resolve_tokenizer(name: str, texts: Sequence[str]) -> str:
    """"auto" -> for a sample of the texts mostly in Chinese characters and kana (scripts written without spaces
    between words), "chinese-chars" (one token a character) where over a tenth of its letters are kana (Japanese:
    English words made each sentence one token, and jieba segments Chinese), else "chinese" (jieba words); else
    "english"."""
    if name != "auto":
        get_tokenizer(name)  # checks the name
        return name
    sample = "".join(texts[:: max(1, len(texts) // 200)])
    letters = sum(ch.isalpha() for ch in sample)
    han, kana = len(_CJK.findall(sample)), len(_KANA.findall(sample))
    if not letters or (han + kana) / letters <= 0.3:
        return "english"
    return "chinese-chars" if kana / letters > 0.1 else "chinese"


def tokenize_all(texts: Sequence[str], tokenizer: str) -> list[list[str]]:
    tok = get_tokenizer(tokenizer)
    return [tok(t) for t in texts]


def encode_tokens(token_lists: Sequence[Sequence[str]], vocab: "Vocabulary", maxlen: int | None,
                  truncating: str = "pre") -> list[np.ndarray]:
    """Ids of each text, cut to `maxlen` (Keras' truncating="pre" keeps the end of a long text, "post"
    its start); an empty text becomes one <unk> so no sequence is empty."""
    out = []
    for tokens in token_lists:
        ids = vocab.encode(tokens) or [1]
        if maxlen is not None and len(ids) > maxlen:
            ids = ids[-maxlen:] if truncating == "pre" else ids[:maxlen]
        out.append(np.asarray(ids, dtype=np.int64))
    return out
