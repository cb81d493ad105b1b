"""The tagging datasets (pku-pos/seg/ner, wnut16): their views of a tiny fake corpus, the kept split,
and (slow) the real artifacts."""
import json

import pytest

from rnnkit.data.catalog import DATASETS, load_dataset
from rnnkit.data.catalog.tagging import SPLITS_FILE, entity_tags, pku_view
from rnnkit.data.tagging import TagSplit, detect_scheme


def test_entities_merge_a_surname_with_its_given_name():
    chars, tags = entity_tags(["江", "泽民", "在", "北京", "新华社", "邓", "小平"], ["nr", "nr", "p", "ns", "nt", "nr", "nr"])
    assert "".join(chars) == "江泽民在北京新华社邓小平"
    assert tags == ["B-PER", "I-PER", "I-PER", "O", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "I-ORG",
                    "B-PER", "I-PER", "I-PER"]


def test_views_of_one_corpus():
    data = TagSplit([["我", "爱", "北京"]], [["r", "v", "ns"]], "c.txt", [1], line_per_token=False)
    assert pku_view(data, "pos") is data
    seg = pku_view(data, "seg")
    assert seg.tokens == [["我", "爱", "北", "京"]] and seg.tags == [["S", "S", "B", "E"]]
    assert detect_scheme(seg) == "BMES" and seg.where(0, 3) == "c.txt: line 1"
    assert pku_view(data, "ner").tags == [["O", "O", "B-LOC", "I-LOC"]]


def test_kept_split_is_disjoint_and_sized():
    kept = json.loads(SPLITS_FILE.read_text())
    for corpus, spec in (("pku", DATASETS["pku-pos"]), ("wnut16", DATASETS["wnut16"])):
        valid, test = set(kept[corpus]["valid"]), set(kept[corpus]["test"])
        assert not valid & test and max(valid | test) < kept[corpus]["sentences"]
        sizes = spec.info.sizes
        assert (len(valid), len(test)) == (sizes["valid"], sizes["test"])
        assert sum(sizes.values()) == kept[corpus]["sentences"]


@pytest.mark.slow
def test_real_tagging_datasets_from_the_registry(tmp_path):
    pos, seg = load_dataset("pku-pos", cache_dir=tmp_path), load_dataset("pku-seg", cache_dir=tmp_path)
    assert (len(pos.train), len(pos.valid), len(pos.test)) == (15_587, 1_949, 1_948)
    assert ["".join(w) for w in pos.test.tokens[:50]] == ["".join(c) for c in seg.test.tokens[:50]]
    assert len({t for s in pos.train.tags for t in s}) >= 40
    ner = load_dataset("pku-ner", cache_dir=tmp_path)
    assert {t for s in ner.train.tags for t in s} == {"O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG"}
    wnut = load_dataset("wnut16", cache_dir=tmp_path)
    assert (len(wnut.train), len(wnut.valid), len(wnut.test)) == (1_915, 240, 239)
    assert detect_scheme(wnut.train) == "BIO"
