"""Tokenizers (English, characters, Chinese via jieba) and the Vocabulary."""

import json

import pytest

from rnnkit.data.text import (PAD_ID, UNK_ID, Vocabulary, characters, chinese_characters, chinese_words,
                              english_words, get_tokenizer)
from rnnkit.errors import UserError


def test_english_words_lowercases_splits_punctuation_and_drops_html_breaks():
    text = "Great film!<br /><br />I didn't expect 3.5 stars... 10/10, well-made."
    assert english_words(text) == ["great", "film", "!", "i", "didn't", "expect", "3.5", "stars",
                                   ".", ".", ".", "10", "/", "10", ",", "well-made", "."]
    assert "<" not in "".join(english_words("a<br/>b<BR>c"))
    assert english_words("a<br/>b<BR>c") == ["a", "b", "c"]


def test_characters_keep_everything_and_chinese_characters_drop_spaces():
    assert characters("ab c!") == ["a", "b", " ", "c", "!"]
    assert chinese_characters("酒店 很好。") == ["酒", "店", "很", "好", "。"]


def test_chinese_words_segment_with_jieba_and_rejoin_to_the_text():
    text = "这家酒店的服务很好，房间也干净"
    words = chinese_words(text)
    assert "".join(words) == text  # segmentation loses nothing
    assert "酒店" in words and "服务" in words
    assert len(words) < len(text)  # real words, not single characters
    assert " " not in chinese_words("很好 很好") and "".join(chinese_words("很好 很好")) == "很好很好"


def test_get_tokenizer_names_and_bad_name():
    assert get_tokenizer("chinese-chars") is chinese_characters
    with pytest.raises(ValueError, match="tokenizer='klingon'"):
        get_tokenizer("klingon")


def test_vocabulary_reserves_pad_unk_and_orders_by_frequency():
    docs = [["b", "a", "b"], ["c", "b", "a"], ["d"]]
    vocab = Vocabulary.build(docs)
    assert vocab.itos[:2] == ["<pad>", "<unk>"]
    assert vocab.itos[2:] == ["b", "a", "c", "d"]  # b:3, a:2, then ties alphabetically
    assert vocab.encode(["a", "zzz", "b"]) == [vocab.stoi["a"], UNK_ID, vocab.stoi["b"]]
    assert vocab.decode([PAD_ID, vocab.stoi["c"], UNK_ID]) == ["c", "<unk>"]


def test_vocabulary_max_size_and_min_freq():
    docs = [list("aaaabbbccd")]
    assert Vocabulary.build(docs, min_freq=2).itos[2:] == ["a", "b", "c"]
    assert Vocabulary.build(docs, max_size=4).itos == ["<pad>", "<unk>", "a", "b"]
    assert len(Vocabulary.build(docs, max_size=4, min_freq=4)) == 3
    with pytest.raises(ValueError, match="max_size=1"):
        Vocabulary.build(docs, max_size=1)
    with pytest.raises(ValueError, match="min_freq=0"):
        Vocabulary.build(docs, min_freq=0)


def test_vocabulary_save_load_round_trip(tmp_path):
    vocab = Vocabulary.build([chinese_words("酒店很好"), english_words("Fine hotel")])
    path = tmp_path / "vocab.json"
    vocab.save(path)
    assert json.loads(path.read_text(encoding="utf-8"))["tokens"][:2] == ["<pad>", "<unk>"]
    again = Vocabulary.load(path)
    assert again == vocab and again.stoi == vocab.stoi
    assert [p.name for p in tmp_path.iterdir()] == ["vocab.json"]  # no temp file left behind


def test_char_backoff_keeps_frequent_words_and_reads_rare_ones_as_characters(tmp_path):
    docs = [["性价比", "很", "高"], ["很", "好"], ["性价比", "好"], ["价格", "好"]]
    vocab = Vocabulary.build(docs, min_freq=2, char_backoff=True)
    # words seen twice or more, then the characters of the rarer ones (价格 -> 价, 格; 高)
    assert set(vocab.itos[2:]) == {"性价比", "很", "好", "价", "格", "高"}
    assert vocab.encode(["性价比", "价格", "格外", "好"]) == [
        vocab.stoi["性价比"], vocab.stoi["价"], vocab.stoi["格"], vocab.stoi["格"], UNK_ID, vocab.stoi["好"]]
    path = tmp_path / "vocab.json"
    vocab.save(path)
    again = Vocabulary.load(path)
    assert again == vocab and again.char_backoff
    plain = Vocabulary.build(docs, min_freq=2)
    assert plain.encode(["价格"]) == [UNK_ID] and not Vocabulary.load(path).encode(["价格"]) == [UNK_ID]


def test_vocabulary_load_errors_are_user_errors(tmp_path):
    with pytest.raises(UserError, match="not found"):
        Vocabulary.load(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"tokens": ["x"]}')
    with pytest.raises(UserError, match="bad.json: not a rnnkit vocabulary"):
        Vocabulary.load(bad)


JAPANESE = ["空のメッセージキューにメッセージが到着したことによりシグナルが生成されました", "ファイルが見つかりません",
            "%s は有効なパッケージ名ではありません", "メモリを使い果たしました", "入力ファイルを開けません"]


def test_auto_reads_japanese_as_characters_not_whole_sentences_as_words():
    """Japanese writes no spaces between words: English words made each sentence one token (probes4: c_ja.csv, a
    vocabulary of whole messages); jieba is for Chinese."""
    from rnnkit.data.text import resolve_tokenizer
    assert resolve_tokenizer("auto", JAPANESE) == "chinese-chars"
    assert resolve_tokenizer("auto", ["这部电影很好看", "质量太差了，不推荐"]) == "chinese"
    assert resolve_tokenizer("auto", ["a fine film", "ファイル is katakana in English"]) == "english"
    assert resolve_tokenizer("auto", ["파일을 찾을 수 없습니다", "메모리가 부족합니다"]) == "english"  # Korean spaces its words
