"""Fuzzing (hypothesis): tokenizers, vocabularies, padding and bucketing, and every reader, on generated
inputs. Nothing may fail except with the documented `UserError` (the one-line message the CLI prints),
and the round trips hold: tokens <-> text, encode <-> decode, save <-> load, pad <-> unpad, batches <->
input order, a written table <-> what the reader gives back.

The default run tries DEFAULT_EXAMPLES cases per property (a few hundred in all); the slow test runs
every property with SLOW_EXAMPLES each and checks that at least 10,000 cases were generated."""
from __future__ import annotations

import csv
import functools
import io
import json
import string
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from rnnkit.data.batching import BucketBatchSampler, collate, pad_sequences
from rnnkit.data.readers import LabelMap, read_array, read_npz, read_texts
from rnnkit.data.text import PAD_ID, UNK_ID, Vocabulary, encode_tokens, get_tokenizer
from rnnkit.data.text_batches import SortedBatches
from rnnkit.errors import UserError
from rnnkit.tasks.config import read_config_file

DEFAULT_EXAMPLES, SLOW_EXAMPLES = 25, 1000
WORK = Path(tempfile.mkdtemp(prefix="rnnkit-fuzz-"))
CALLS = {"count": 0}


def counted(prop):
    """Count every generated case (the slow test checks the total)."""
    @functools.wraps(prop)
    def run(*args, **kwargs):
        CALLS["count"] += 1
        return prop(*args, **kwargs)

    return run


texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)
tokens = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=8)
id_seqs = st.lists(st.lists(st.integers(1, 50), max_size=12), max_size=20)


# ---- tokenizers ----

@given(texts)
@counted
def prop_character_tokenizers_round_trip(text):
    assert "".join(get_tokenizer("chars")(text)) == text
    assert "".join(get_tokenizer("chinese-chars")(text)) == "".join(ch for ch in text if not ch.isspace())


@given(texts)
@counted
def prop_english_tokens_are_nonblank_pieces_of_the_text_in_order(text):
    words = get_tokenizer("english")(text)
    lowered, at = text.lower(), 0
    for word in words:
        assert word and not any(ch.isspace() for ch in word)
        found = lowered.find(word, at)
        assert found >= 0, (word, text)
        at = found + len(word)


# ---- vocabularies and encoding ----

@given(st.lists(st.lists(tokens, max_size=10), max_size=10), st.integers(2, 30) | st.none(),
       st.integers(1, 3), st.booleans())
@counted
def prop_vocabulary_encode_decode_and_save_load(token_lists, max_size, min_freq, char_backoff):
    vocab = Vocabulary.build(token_lists, max_size=max_size, min_freq=min_freq, char_backoff=char_backoff)
    assert vocab.itos[:2] == ["<pad>", "<unk>"] and (max_size is None or len(vocab) <= max_size)
    for tokens_ in token_lists:
        ids = vocab.encode(tokens_)
        assert all(0 < i < len(vocab) for i in ids)  # never <pad>, even for a literal "<pad>" token
        if not char_backoff:
            assert vocab.decode(ids) == [t if t in vocab and t != "<pad>" else "<unk>" for t in tokens_]
    assert Vocabulary.from_dict(json.loads(json.dumps(vocab.to_dict()))) == vocab


@given(st.lists(st.lists(tokens, max_size=15), min_size=1, max_size=10), st.integers(1, 10) | st.none(),
       st.sampled_from(["pre", "post"]))
@counted
def prop_encoded_texts_are_never_empty_and_cut_like_keras(token_lists, maxlen, truncating):
    vocab = Vocabulary.build(token_lists)
    for tokens_, ids in zip(token_lists, encode_tokens(token_lists, vocab, maxlen, truncating)):
        full = vocab.encode(tokens_) or [UNK_ID]
        assert 1 <= len(ids) and (maxlen is None or len(ids) <= maxlen)
        kept = full[-maxlen:] if maxlen and truncating == "pre" else full[:maxlen] if maxlen else full
        assert ids.tolist() == kept


@given(st.lists(st.one_of(st.integers(-3, 3), st.text(max_size=3)), min_size=1, max_size=12))
@counted
def prop_label_maps_round_trip_and_refuse_unseen_labels(labels):
    labels = [l for l in labels if isinstance(l, int)] or labels
    assume(len({str(l) for l in labels}) == len(set(labels)))  # 1 and "1" are one label in a file
    label_map = LabelMap.fit(labels)
    ids = label_map.encode(labels)
    assert label_map.decode(ids) == labels
    assert LabelMap.from_dict(json.loads(json.dumps(label_map.to_dict()))) == label_map
    with pytest.raises(UserError, match="unknown label"):
        label_map.encode(["never seen \x00"])


# ---- padding and bucketing ----

@given(id_seqs, st.integers(0, 15) | st.none(), st.sampled_from(["pre", "post"]), st.sampled_from(["pre", "post"]))
@counted
def prop_pad_then_unpad_gives_the_kept_items(seqs, maxlen, padding, truncating):
    padded = pad_sequences(seqs, maxlen=maxlen, padding=padding, truncating=truncating)
    width = max((len(s) for s in seqs), default=0) if maxlen is None else maxlen
    assert padded.shape == (len(seqs), width)
    for row, seq in zip(padded, seqs):
        kept = (seq[-width:] if truncating == "pre" else seq[:width]) if width else []
        real = row[row != 0].tolist()  # ids are >= 1, so the zeros are the padding
        assert real == list(kept)
        n = len(kept)
        assert (row[:n].tolist() if padding == "post" else row[width - n:].tolist()) == list(kept)


@given(st.lists(st.lists(st.integers(1, 50), min_size=1, max_size=12), max_size=20))
@counted
def prop_collate_pads_after_and_lengths_unpad(seqs):
    if not seqs:
        return
    ids, lengths = collate(seqs)
    assert [ids[i, : int(n)].tolist() for i, n in enumerate(lengths)] == seqs
    assert int(ids.eq(PAD_ID).sum()) == ids.numel() - sum(map(len, seqs))


@given(st.lists(st.integers(0, 40), max_size=200), st.integers(1, 17), st.integers(1, 4), st.booleans(),
       st.integers(0, 5))
@counted
def prop_buckets_hold_every_index_once_per_epoch(lengths, batch_size, chunk_batches, drop_last, epoch):
    sampler = BucketBatchSampler(lengths, batch_size, chunk_batches=chunk_batches, drop_last=drop_last, seed=3)
    sampler.set_epoch(epoch)
    batches = list(sampler)
    assert len(batches) == len(sampler) and all(0 < len(b) <= batch_size for b in batches)
    seen = sorted(i for b in batches for i in b)
    if drop_last:
        assert len(seen) == len(set(seen)) and len(seen) == (len(lengths) // batch_size) * batch_size
    else:
        assert seen == list(range(len(lengths)))
    assert batches == list(sampler)  # the same (seed, epoch), the same batches


@given(st.lists(st.lists(st.integers(1, 50), min_size=1, max_size=12), min_size=1, max_size=30), st.integers(1, 8))
@counted
def prop_sorted_batches_map_back_to_input_order(seqs, batch_size):
    batches = SortedBatches([np.asarray(s) for s in seqs], None, batch_size)
    rows = []
    for ids, lengths in batches.loader():
        rows += [ids[i, : int(n)].tolist() for i, n in enumerate(lengths)]
    back = [None] * len(seqs)
    for position, index in enumerate(batches.order):
        back[index] = rows[position]
    assert back == seqs


# ---- readers: arbitrary bytes, and round trips of well-formed tables ----

def _only_user_errors(read, *args):
    try:
        return read(*args)
    except UserError as err:
        assert "\n" not in str(err), str(err)  # one line
        return None


@given(st.binary(max_size=300), st.sampled_from(["csv", "tsv", "jsonl", "parquet"]))
@counted
def prop_any_bytes_as_a_table_read_or_fail_with_one_line(data, fmt):
    path = WORK / f"fuzz.{fmt}"
    path.write_bytes(data)
    table = _only_user_errors(read_texts, path)
    if table is not None:
        assert len(table.texts) == len(table.labels) == len(table.rows) > 0
        assert all(t.strip() for t in table.texts)


@given(st.text(alphabet="ab,\t\"\n x1", max_size=120), st.sampled_from(["csv", "tsv"]))
@counted
def prop_delimiter_and_quote_soup_reads_or_fails_with_one_line(text, fmt):
    path = WORK / f"soup.{fmt}"
    path.write_text("text,label\n".replace(",", "," if fmt == "csv" else "\t") + text, encoding="utf-8")
    _only_user_errors(read_texts, path)


row_texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30)
row_labels = st.text(string.ascii_lowercase, min_size=1, max_size=5).filter(
    lambda l: l not in ("nan", "na", "null", "none"))


@given(st.lists(st.tuples(row_texts, row_labels), min_size=1, max_size=15), st.sampled_from(["csv", "tsv", "jsonl", "parquet"]))
@counted
def prop_a_written_table_reads_back_as_written(rows, fmt):
    rows = [(t, l) for t, l in rows if t.strip()]
    if not rows:
        return
    path = WORK / f"rows.{fmt}"
    if fmt in ("csv", "tsv"):
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        writer.writerow(["text", "label"])
        writer.writerows(rows)
        path.write_text(buffer.getvalue(), encoding="utf-8")
    elif fmt == "jsonl":
        path.write_text("".join(json.dumps({"text": t, "label": l}) + "\n" for t, l in rows), encoding="utf-8")
    else:
        pd.DataFrame(rows, columns=["text", "label"]).to_parquet(path)
    table = read_texts(path)
    assert table.texts == [t for t, _ in rows] and table.labels == [l for _, l in rows]
    assert table.rows == list(range(1, len(rows) + 1)) or fmt == "jsonl"


@given(st.binary(max_size=300), st.sampled_from([".npz", ".npy"]))
@example(b"PK\x03\x04", ".npy")  # a zip's first bytes in a .npy: numpy reads it as an .npz (BadZipFile)
@counted
def prop_any_bytes_as_arrays_read_or_fail_with_one_line(data, suffix):
    path = WORK / f"fuzz{suffix}"
    path.write_bytes(data)
    _only_user_errors(read_npz if suffix == ".npz" else lambda p: read_array(p, ("x",)), path)


@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode), st.sampled_from([".json", ".yaml"]))
@counted
def prop_any_bytes_as_a_config_file_read_or_fail_with_one_line(data, suffix):
    path = WORK / f"config{suffix}"
    path.write_bytes(data)
    values = _only_user_errors(read_config_file, path)
    assert values is None or isinstance(values, dict)


PROPERTIES = [value for name, value in sorted(globals().items()) if name.startswith("prop_")]


def run_property(prop, examples: int) -> None:
    settings(max_examples=examples, deadline=None, database=None,
             suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])(prop)()


@pytest.mark.parametrize("prop", PROPERTIES, ids=[p.__name__ for p in PROPERTIES])
def test_property(prop):
    run_property(prop, DEFAULT_EXAMPLES)


@pytest.mark.slow
def test_every_property_on_at_least_10000_cases():
    before = CALLS["count"]
    for prop in PROPERTIES:
        run_property(prop, SLOW_EXAMPLES)
    assert CALLS["count"] - before >= 10_000, CALLS["count"] - before
