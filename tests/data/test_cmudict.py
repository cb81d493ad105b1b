"""cmudict: parsing the dictionary's lines and the fixed split by word (a tiny fixture; the real
dictionary only in the slow test)."""
import pytest

from rnnkit.data.catalog.cmudict import parse_cmudict, split_by_word

FIXTURE = """\
'bout B AW1 T
a AH0
a(2) EY1
aalborg AO1 L B AO0 R G # place, danish
aalborg(2) AA1 L B AO0 R G
""" + "".join(f"w{i} W IH1 {i % 7}\n" for i in range(200))


def test_parse_drops_comments_and_alternate_marks():
    pairs = parse_cmudict(FIXTURE)
    assert pairs[:5] == [("'bout", "B AW1 T"), ("a", "AH0"), ("a", "EY1"), ("aalborg", "AO1 L B AO0 R G"),
                         ("aalborg", "AA1 L B AO0 R G")]


def test_split_by_word_is_fixed_and_keeps_a_words_pronunciations_together():
    pairs = parse_cmudict(FIXTURE)
    split = split_by_word(pairs)
    words = {k: {w for w, _ in v} for k, v in split.items()}
    assert not (words["train"] & words["valid"] or words["train"] & words["test"] or words["valid"] & words["test"])
    assert sum(len(v) for v in words.values()) == 203
    assert len(words["train"]) == round(0.9 * 203) and len(words["valid"]) == round(0.05 * 203)
    for k, v in split.items():
        assert {w for w, _ in v} == words[k]
    assert split_by_word(pairs) == split  # seeded: the same every time
    assert split_by_word(pairs, seed=1) != split


@pytest.mark.slow
def test_the_real_dictionary():
    from rnnkit.data import load_dataset

    ds = load_dataset("cmudict")
    assert len(ds.train) + len(ds.valid) + len(ds.test) == 135_166
    assert not set(ds.train.sources) & set(ds.test.sources)
