"""The tag task's Encoder: bigram ids per token (rare and unseen bigrams as <unk>), character ids per
word, and the per-dataset defaults of the config."""
import numpy as np

from rnnkit.data.tagging import TagSplit
from rnnkit.data.text import UNK_ID
from rnnkit.tasks import load_config
from rnnkit.tasks.tag.config import EPOCHS
from rnnkit.tasks.tag.data import Encoder, bigrams
from rnnkit.tasks.tag.train import epochs_to_train, for_unit


def split(sentences):
    return TagSplit([list(s) for s in sentences], [["S"] * len(s) for s in sentences], "mem")


def config(unit="char", **flags):
    """A user file's config with what its `unit` of tokens resolves (the encoder tests' tokens are characters)."""
    return for_unit(load_config("tag", {"data": "unused.conll", **flags})[1], unit)


def test_bigrams_of_a_sentence_pair_each_token_with_both_neighbours():
    assert bigrams(["我", "爱", "你"]) == (["<s> 我", "我 爱", "爱 你"], ["我 爱", "爱 你", "你 </s>"])


def test_encoder_columns_and_rare_bigrams_as_unk():
    train = split(["我爱你", "我爱他", "你好"])
    enc = Encoder.build(config(), train, use_bigrams=True)
    (x,) = enc.encode([["我", "爱", "她"]])
    assert x.shape == (3, 3)
    assert x[0, 0] == enc.vocab.stoi["我"] and x[2, 0] == UNK_ID  # 她 never seen
    assert x[0, 1] == enc.bigrams.stoi["<s> 我"] and x[1, 1] == x[0, 2] == enc.bigrams.stoi["我 爱"]
    assert x[1, 2] == UNK_ID  # "爱 她" unseen
    assert "爱 你" not in enc.bigrams  # seen once: below bigram_min_freq 2
    assert enc.sizes() == {"vocab_size": len(enc.vocab), "bigram_vocab_size": len(enc.bigrams), "char_vocab_size": 0}


def test_encoder_with_characters_after_bigrams_and_without_either():
    train = split(["我爱你", "我爱他"])
    both = Encoder.build(config(char_features="true", max_word_chars="2"), train, use_bigrams=True)
    (x,) = both.encode([["我", "爱"]])
    assert x.shape == (2, 1 + 2 + 2) and x[0, 3] == both.chars.stoi["我"] and x[0, 4] == 0
    plain = Encoder.build(config(), train, use_bigrams=False)
    (y,) = plain.encode([["我", "爱"]])
    assert y.shape == (2,) and np.array_equal(y, x[:, 0])


def test_defaults_follow_the_data_and_flags_win():
    """Words get the character BiLSTM and min_freq 2 (every catalog word set's setting, now a user's too),
    characters neither; the dataset's epochs, raised to min_steps optimizer steps on a small file; a flag wins."""
    assert (config("char").char_features, config("char").min_freq) == (False, 1)
    assert (config("word").char_features, config("word").min_freq) == (True, 2)
    assert (config("word", char_features="false", min_freq="1").char_features, config("word", min_freq="3").min_freq) \
        == (False, 3)
    pos = load_config("tag", {"dataset": "pku-pos"})[1]
    assert pos.epochs is None and epochs_to_train(pos, 219) == EPOCHS["pku-pos"] == 8
    assert epochs_to_train(config(), 5) == 80 and epochs_to_train(config(), 100) == 10  # min_steps 400
    assert epochs_to_train(config(epochs="2"), 5) == 2 and epochs_to_train(config(min_steps="0"), 5) == 10


def test_a_file_without_blank_lines_or_with_one_tag_is_refused_in_one_line(tmp_path):
    """A CoNLL file whose blank lines were lost (one 'sentence' of 40,000 tokens) ended in 'validation_split=0.1
    leaves an empty part of 1 training sentences'; a file whose every tag is O trained a 1-tag CRF to loss 0."""
    import pytest

    from rnnkit.errors import UserError
    from rnnkit.tasks.tag.data import LONG_SENTENCE, load_splits

    lines = (f"w{i}\t{'B-X' if i % 5 else 'O'}\n" for i in range(LONG_SENTENCE + 1))
    (tmp_path / "noblank.conll").write_text("".join(lines))
    with pytest.raises(UserError, match=r"noblank.conll: the whole file is one sentence of 1,001 tokens; .*blank line"):
        load_splits(load_config("tag", {"data": str(tmp_path / "noblank.conll")})[1])
    (tmp_path / "o.conll").write_text("a\tO\nb\tO\n\nc\tO\n")
    with pytest.raises(UserError, match=r"o.conll: every token has the tag 'O': nothing to learn"):
        load_splits(load_config("tag", {"data": str(tmp_path / "o.conll")})[1])
    (tmp_path / "short.conll").write_text("a\tB-X\nb\tO\n")  # one short sentence: a toy, not a lost blank line
    with pytest.raises(UserError, match="leaves an empty part of 1 training sentences"):
        load_splits(load_config("tag", {"data": str(tmp_path / "short.conll")})[1])


def test_iob1_tags_are_trained_and_scored_as_bio():
    """CoNLL-2003's own IOB1: I- opens an entity, B- only parts two adjacent ones of a type. Its tags were kept as
    they were, so a CRF that allows O -> I-X only after B-X scored every gold entity near impossible (loss 362,
    entity F1 0); both files now become the same chunks in BIO (IOB2)."""
    from rnnkit.tasks.tag.data import make_tagset, tag_ids

    iob1 = TagSplit([["v", "1.2", "and", "#3", "#4"]], [["O", "I-VER", "O", "I-BUG", "B-BUG"]], "mem")
    tagset = make_tagset(config(), {"train": iob1, "valid": None, "test": None})
    assert tagset.scheme == "BIO"
    ids = tag_ids(iob1, tagset)[0]
    assert [tagset.tags[k] for k in ids] == ["O", "B-VER", "O", "B-BUG", "B-BUG"]


def test_a_held_out_file_of_the_other_kind_of_tags_is_one_line_at_its_first_such_tag():
    """Chunk tags in training beside tags without a scheme held out (or the reverse) was a traceback ("scheme
    must be one of ('BIO', 'BIOES', 'BMES'), got 'plain'")."""
    import pytest

    from rnnkit.errors import UserError
    from rnnkit.tasks.tag.data import make_tagset
    bio = TagSplit([["Fix", "#12"]], [["O", "B-BUG"]], "train.conll", [1])
    plain = TagSplit([["Fix", "#12"], ["token"]], [["O", "B-BUG"], ["tag"]], "valid.conll", [1, 4])
    with pytest.raises(UserError, match=r"valid.conll: line 4: tag 'tag': these sentences' tags are plain, the "
                                        r"training sentences' BIO; expected one kind of tags in every file"):
        make_tagset(config("word"), {"train": bio, "valid": plain, "test": None})
    pos = TagSplit([["Fix", "it"]], [["VB", "PRP"]], "train.conll", [1])
    with pytest.raises(UserError, match=r"valid.conll: line 1: tag 'O': these sentences' tags are BIO, the training "
                                        r"sentences' plain"):
        make_tagset(config("word"), {"train": pos, "valid": TagSplit(bio.tokens, bio.tags, "valid.conll", [1]),
                                     "test": None})
