"""Tagged-sentence readers (CoNLL, word/TAG) with line numbers in errors, and tag-scheme conversion."""
import pytest

from rnnkit.data.tagging import (TagSplit, chunk_tags, chunks, convert, detect_scheme, read_conll, read_tagged, read_tokens,
                                 read_word_tag, segmentation_tags, words_of)
from rnnkit.errors import UserError


def write(tmp_path, text, name="data.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_conll_tabs_spaces_blank_lines_and_line_numbers(tmp_path):
    path = write(tmp_path, "\nJohn\tB-PER\nlives  O\n\t\n\nin O\nParis\tB-LOC\n")
    data = read_conll(path)
    assert data.tokens == [["John", "lives"], ["in", "Paris"]]
    assert data.tags == [["B-PER", "O"], ["O", "B-LOC"]]
    assert data.lines == [2, 6] and data.where(1, 1) == f"{path}: line 7"


def test_conll_2003_four_columns_tag_last_and_docstart_lines_skipped(tmp_path):
    path = write(tmp_path, "-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\n-DOCSTART- -X- -X- O\n"
                           "Peter NNP B-NP B-PER\n\nBlackburn NNP I-NP\n")
    with pytest.raises(UserError, match=rf"{path}: line 8: found 3 column\(s\).*expected 4 columns as the first"):
        read_tagged(path)
    path.write_text(path.read_text().replace("I-NP\n", "I-NP B-PER\n"))
    data = read_tagged(path)
    assert data.tokens == [["EU", "rejects"], ["Peter"], ["Blackburn"]]
    assert data.tags == [["B-ORG", "O"], ["B-PER"], ["B-PER"]] and data.lines == [3, 6, 8]


@pytest.mark.parametrize("text,line,found", [("a\tO\nb\n", 2, 1), ("a O\n\nb O x\n", 3, 3), ("a\tO\nb\t\tO\n", 2, 2)])
def test_conll_wrong_column_count_names_file_and_line(tmp_path, text, line, found):
    path = write(tmp_path, text)
    with pytest.raises(UserError, match=rf"{path}: line {line}: found {found} column\(s\).*expected 2 columns"):
        read_conll(path)


@pytest.mark.parametrize("reader", [read_conll, read_word_tag, read_tagged])
def test_empty_or_missing_file(tmp_path, reader):
    with pytest.raises(UserError, match="the file is empty"):
        reader(write(tmp_path, "\n  \n"))
    with pytest.raises(UserError, match="file not found"):
        reader(tmp_path / "nope.txt")


def test_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes("a O\n".encode() + b"\xff\xfe O\n")
    with pytest.raises(UserError, match=r"line 2: not valid UTF-8 text; .*--encoding latin-1"):
        read_conll(path)


def test_a_latin1_file_reads_in_its_encoding(tmp_path):
    """CoNLL-2002's Spanish and Dutch files are latin-1: read with --encoding latin-1, in every format."""
    path = tmp_path / "esp.train"
    path.write_bytes("Caña B-PER\nhabló O\n\nEspaña B-LOC\n".encode("latin-1"))
    assert read_tagged(path, encoding="latin-1").tokens == [["Caña", "habló"], ["España"]]
    (tmp_path / "wt.txt").write_bytes("Caña/NP habló/VM ./Fp\n".encode("latin-1"))
    assert read_tagged(tmp_path / "wt.txt", encoding="latin-1").tokens == [["Caña", "habló", "."]]
    with pytest.raises(UserError, match="unknown encoding 'latin-9000'"):
        read_tagged(path, encoding="latin-9000")


def test_word_tag_lines_split_at_the_last_slash(tmp_path):
    path = write(tmp_path, "迈向/v  充满/v 1/2/m\n\n江/nr 泽民/nr\n")
    data = read_word_tag(path)
    assert data.tokens == [["迈向", "充满", "1/2"], ["江", "泽民"]] and data.tags == [["v", "v", "m"], ["nr", "nr"]]
    assert data.where(1, 1) == f"{path}: line 3"
    bad = write(tmp_path, "a/n b\n", "b.txt")
    with pytest.raises(UserError, match=rf"{bad}: line 1: 'b' is not word/TAG"):
        read_word_tag(bad)


def test_read_tagged_detects_the_format(tmp_path):
    assert read_tagged(write(tmp_path, "我/r 爱/v 北京/ns\n", "a.txt")).tags == [["r", "v", "ns"]]
    assert read_tagged(write(tmp_path, "a\tO\nb\tB-X\n", "b.txt")).tags == [["O", "B-X"]]


def test_detect_scheme_and_mixed_schemes(tmp_path):
    def split(tags):
        return TagSplit([["x"] * len(t) for t in tags], tags, "f.txt", [1 + 3 * i for i in range(len(tags))])
    assert detect_scheme(split([["B-X", "I-X", "O"]])) == "BIO"
    assert detect_scheme(split([["S-X", "O"], ["B-X", "E-X"]])) == "BIOES"
    assert detect_scheme(split([["B", "M", "E", "S"]])) == "BMES"
    assert detect_scheme(split([["n", "v", "O"]])) == "plain"
    with pytest.raises(UserError, match=r"f.txt: line 5: tag 'M-X' mixes schemes with the tag 'I-X' at line 2"):
        detect_scheme(split([["B-X", "I-X"], ["O", "M-X"]]))


def test_chunks_and_conversion_round_trip():
    bio = ["B-PER", "I-PER", "O", "B-LOC", "B-LOC", "I-LOC", "I-ORG"]
    spans = chunks(bio, "BIO")
    assert spans == [("PER", 0, 2), ("LOC", 3, 4), ("LOC", 4, 6), ("ORG", 6, 7)]  # a stray I starts a chunk
    bioes = convert(bio, "BIO", "BIOES")
    assert bioes == ["B-PER", "E-PER", "O", "S-LOC", "B-LOC", "E-LOC", "S-ORG"]
    assert convert(bioes, "BIOES", "BIO") == ["B-PER", "I-PER", "O", "B-LOC", "B-LOC", "I-LOC", "B-ORG"]
    assert chunk_tags([("", 0, 3), ("", 3, 4)], 4, "BMES") == ["B", "M", "E", "S"]
    with pytest.raises(ValueError, match="no O"):
        chunk_tags([("", 0, 1)], 2, "BMES")


def test_segmentation_tags_and_back():
    chars, tags = segmentation_tags(["我", "爱", "北京", "天安门"])
    assert "".join(chars) == "我爱北京天安门" and tags == ["S", "S", "B", "E", "B", "M", "E"]
    assert words_of(chars, tags) == ["我", "爱", "北京", "天安门"]
    assert words_of(list("abc"), ["B", "B", "E"]) == ["a", "bc"]  # lenient on an unclosed B


CONLLU = ("# newdoc id = n1\n# sent_id = 1\n# text = Don't go.\n"
          "1-2\tDon't\t_\t_\t_\t_\t_\t_\t_\t_\n1\tDo\tdo\tAUX\tVBP\t_\t3\taux\t_\t_\n"
          "2\tn't\tnot\tPART\tRB\t_\t3\tadvmod\t_\t_\n3\tgo\tgo\tVERB\tVB\t_\t0\troot\t_\tSpaceAfter=No\n"
          "3.1\tgo\t_\t_\t_\t_\t_\t_\t0:root\t_\n4\t.\t.\tPUNCT\t.\t_\t3\tpunct\t_\t_\n\n"
          "# sent_id = 2\n1\tHi\thi\tINTJ\tUH\t_\t0\troot\t_\t_\n")


@pytest.mark.parametrize("name", ["ud.conllu", "ud.txt"])
def test_conllu_reads_form_and_upos_skipping_comments_ranges_and_empty_nodes(tmp_path, name):
    data = read_tagged(write(tmp_path, CONLLU, name))
    assert data.tokens == [["Do", "n't", "go", "."], ["Hi"]]
    assert data.tags == [["AUX", "PART", "VERB", "PUNCT"], ["INTJ"]] and data.lines == [5, 12]


def test_conllu_errors_name_the_line(tmp_path):
    path = write(tmp_path, CONLLU.replace("2\tn't\tnot\tPART", "2\tn't\tnot\t_"), "a.conllu")
    with pytest.raises(UserError, match=rf"{path}: line 6: token \"n't\" has no UPOS tag"):
        read_tagged(path)
    path = write(tmp_path, "1\tHi\thi\tINTJ\n", "b.conllu")
    with pytest.raises(UserError, match=rf"{path}: line 1: found 4 tab-separated column\(s\).*expected 10"):
        read_tagged(path)


def test_word_tag_file_whose_first_sentence_has_two_tokens(tmp_path):
    path = write(tmp_path, "Hello/UH !/.\nThe/DT cat/NN sat/VBD ./.\n")
    assert read_tagged(path).tags == [["UH", "."], ["DT", "NN", "VBD", "."]]
    conll = write(tmp_path, "and/or CC\nkm/h NN\n", "c.txt")  # two columns, no slash in a tag: CoNLL
    assert read_tagged(conll).tags == [["CC", "NN"]]
    bad = write(tmp_path, "The/DT cat/NN sat/VBD\nx/NN y\n", "bad.txt")  # still word/TAG: its error, not CoNLL's
    with pytest.raises(UserError, match=rf"{bad}: line 2: 'y' is not word/TAG"):
        read_tagged(bad)


def test_a_utf16_file_is_read_by_its_byte_order_mark(tmp_path):
    path = tmp_path / "u16.conll"
    path.write_bytes("Caña B-PER\r\nhabló O\r\n".encode("utf-16"))
    assert read_tagged(path).tokens == [["Caña", "habló"]]


def test_comment_lines_opening_a_sentence_are_skipped_and_a_hash_token_is_kept(tmp_path):
    """`# sent 0` before each sentence was read as the first token line (3 columns), and the file refused at its
    second line; predict tagged '#' as a token."""
    path = tmp_path / "c.conll"
    path.write_text("# sent 0\nNew\tO\nv1.2\tB-VER\n\n#begin document (a); part 0\n#\tO\n3\tB-BUG\n")
    data = read_tagged(path)
    assert data.tokens == [["New", "v1.2"], ["#", "3"]] and data.tags[1] == ["O", "B-BUG"]
    assert read_tokens(path) == [["New", "v1.2"], ["#", "3"]]


def test_a_two_word_comment_over_tab_separated_lines_is_a_comment(tmp_path):
    """`# generated` (two fields, as many as a token line) after blank lines at the top was a token `#` tagged
    `generated`, and that one tag made the BIO file's tags plain (probes6: t_blank_top.conll)."""
    path = tmp_path / "c.conll"
    path.write_text("\n\n# generated\n\nNew\tO\nv1.2\tB-VER\n\n#\tO\n3\tB-BUG\n")
    data = read_tagged(path)
    assert data.tokens == [["New", "v1.2"], ["#", "3"]] and detect_scheme(data) == "BIO"
    assert read_tokens(path) == [["New", "v1.2"], ["#", "3"]]


def test_json_lines_of_tokens_and_tags_as_hugging_face_writes_them(tmp_path):
    """{"tokens": [...], "ner_tags": [...]} a line was read as CoNLL: "line 2: found 6 column(s) ..."."""
    path = tmp_path / "train.jsonl"
    path.write_text('{"id": "0", "tokens": ["Fix", "#12"], "ner_tags": ["O", "B-BUG"]}\n\n'
                    '{"id": "1", "tokens": ["v2.1"], "ner_tags": ["B-VER"]}\n')
    data = read_tagged(path)
    assert (data.tokens, data.tags, data.lines) == ([["Fix", "#12"], ["v2.1"]], [["O", "B-BUG"], ["B-VER"]], [1, 3])
    path.write_text('{"tokens": ["Fix", "#12"], "ner_tags": [0, 3]}\n')
    with pytest.raises(UserError, match=r"train\.jsonl: line 1: ner_tags holds ids \(0, 3\) without their names"):
        read_tagged(path)
    path.write_text('{"tokens": ["Fix", "#12"], "ner_tags": ["O"]}\n')
    with pytest.raises(UserError, match="line 1: 2 tokens but 1 ner_tags"):
        read_tagged(path)


@pytest.mark.parametrize("spelt", [
    ["B_PER", "I_PER", "O", "B_LOC"],
    ["b-per", "i-per", "o", "b-loc"],
    ["PER-B", "PER-I", "O", "LOC-B"],
    ["PER_B", "PER_I", "O", "LOC_B"],
])
def test_other_spellings_of_chunk_tags_read_as_bio(tmp_path, spelt):
    path = tmp_path / "ner.txt"
    path.write_text("".join(f"w{i}\t{tag}\n" for i, tag in enumerate(spelt)) + "\nx\tO\n", encoding="utf-8")
    data = read_tagged(path)
    kind = "per" if spelt[0].islower() else "PER"
    assert data.tags[0] == [f"B-{kind}", f"I-{kind}", "O", f"B-{kind.replace('per', 'loc').replace('PER', 'LOC')}"]
    assert detect_scheme(data) == "BIO"
    assert chunks(data.tags[0], "BIO") == [(kind, 0, 2), (kind.replace("per", "loc").replace("PER", "LOC"), 3, 4)]


@pytest.mark.parametrize("spelt", [["B-PER", "L-PER", "O", "U-LOC"], ["per_b", "per_l", "o", "loc_u"]])
def test_spacys_biluo_reads_as_bioes(tmp_path, spelt):
    """BILUO (spaCy's: L- the last token, U- a one-token chunk) was read as plain tags: no entities."""
    path = tmp_path / "ner.txt"
    path.write_text("".join(f"w{i}\t{tag}\n" for i, tag in enumerate(spelt)) + "\nx\tO\n", encoding="utf-8")
    data = read_tagged(path)
    kind, place = ("per", "loc") if spelt[0].islower() else ("PER", "LOC")
    assert data.tags[0] == [f"B-{kind}", f"E-{kind}", "O", f"S-{place}"] and detect_scheme(data) == "BIOES"
    assert chunks(data.tags[0], "BIOES") == [(kind, 0, 2), (place, 3, 4)]


@pytest.mark.parametrize("header", ["token\ttag", "Word\tPOS\tTag", "word ner"])
def test_a_header_line_naming_the_columns_is_no_token(tmp_path, header):
    """pandas' to_csv(sep="\\t") writes the column names first: read as a token tagged `tag`, that one tag made
    the file's tags plain (no scheme, no entity F1)."""
    middle = " _" * (len(header.split()) - 2)
    path = tmp_path / "ner.conll"
    path.write_text(f"{header}\nFix{middle} O\n#12{middle} B-BUG\n\n", encoding="utf-8")
    data = read_tagged(path)
    assert data.tokens == [["Fix", "#12"]] and data.tags == [["O", "B-BUG"]] and data.lines == [2]
    assert read_tokens(path) == [["Fix", "#12"]]
    path.write_text("word\tO\ntoken\tB-X\n", encoding="utf-8")  # tokens named so, under chunk tags: tokens
    assert read_tagged(path).tokens == [["word", "token"]]


@pytest.mark.parametrize("tags", [["NN", "VB-D", "O"], ["B-PER", "NN_B", "O"], ["B-PER", "I-PER", "O"]])
def test_tags_of_no_other_chunk_spelling_are_left_as_written(tmp_path, tags):
    path = tmp_path / "pos.txt"
    path.write_text("".join(f"w{i}\t{tag}\n" for i, tag in enumerate(tags)), encoding="utf-8")
    assert read_tagged(path).tags == [tags]
