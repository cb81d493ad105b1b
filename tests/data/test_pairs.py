"""Pair files: the three formats, tokens per side, and one-line errors naming file, row and column."""
import pytest

from rnnkit.data.pairs import PairSplit, read_pairs, tokenize_side
from rnnkit.errors import UserError


def test_reads_tsv_csv_and_jsonl(tmp_path):
    (tmp_path / "p.tsv").write_text("source\ttarget\nhello\tHH AH L OW\nworld\tW ER L D\n")
    (tmp_path / "p.csv").write_text("source,target\nhello,HH AH L OW\nworld,W ER L D\n")
    (tmp_path / "p.jsonl").write_text('{"source": "hello", "target": "HH AH L OW"}\n\n'
                                      '{"source": "world", "target": "W ER L D"}\n')
    for name in ("p.tsv", "p.csv", "p.jsonl"):
        pairs = read_pairs(tmp_path / name)
        assert pairs.sources == ["hello", "world"] and pairs.targets == ["HH AH L OW", "W ER L D"]


def test_other_column_names(tmp_path):
    (tmp_path / "p.tsv").write_text("en\tfr\nthe cat\tle chat\n")
    assert read_pairs(tmp_path / "p.tsv", "en", "fr").targets == ["le chat"]


def test_tokens_per_side():
    assert tokenize_side("ab c", "chars") == ["a", "b", "c"]
    assert tokenize_side(" HH  AH L ", "words") == ["HH", "AH", "L"]


def test_references_group_alternatives():
    pairs = PairSplit(["read", "read", "a"], ["R IY D", "R EH D", "AH"])
    assert pairs.references() == {"read": ["R IY D", "R EH D"], "a": ["AH"]}


@pytest.mark.parametrize("text,message", [
    ("source\tphonemes\nhello\tHH\n", "p.tsv: no column 'target'; available columns: source, phonemes"),
    ("source\ttarget\nhello\tHH\nworld\t\n", "p.tsv: row 2, column 'target': empty target"),
    ("source\ttarget\n\u2003\tEM SPACE\n",
     "p.tsv: row 1, column 'source': empty source (only whitespace, U+2003: no token"),
    ("source\ttarget\n  \tHH\n", "p.tsv: row 1, column 'source': empty source"),
    ("source\ttarget\n", "p.tsv: no data rows"),
])
def test_one_line_errors(tmp_path, text, message):
    (tmp_path / "p.tsv").write_text(text)
    with pytest.raises(UserError) as err:
        read_pairs(tmp_path / "p.tsv")
    assert message in str(err.value) and "\n" not in str(err.value)


def test_two_columns_without_a_header_are_pairs_from_the_first_row(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_text("HorizontalHatch\thorizontal_hatch\nReprEnum\trepr_enum\n", encoding="utf-8")
    pairs = read_pairs(path)
    assert pairs.headerless and pairs.sources == ["HorizontalHatch", "ReprEnum"]
    assert pairs.targets == ["horizontal_hatch", "repr_enum"]
    named = tmp_path / "named.tsv"
    named.write_text("source\ttarget\nab\tba\n", encoding="utf-8")
    assert not read_pairs(named).headerless and read_pairs(named).sources == ["ab"]
    three = tmp_path / "three.tsv"
    three.write_text("a\tb\tc\nd\te\tf\n", encoding="utf-8")
    with pytest.raises(UserError, match="no column 'source'; available columns: a, b, c"):
        read_pairs(three)


def test_tsv_quotation_marks_as_text_are_characters(tmp_path):
    path = tmp_path / "names.tsv"
    path.write_text('source\ttarget\n"\tQUOTATION MARK\na\tLATIN SMALL LETTER A\n"Hi," she said\t« Salut »\n',
                    encoding="utf-8")
    pairs = read_pairs(path)
    assert pairs.sources == ['"', "a", '"Hi," she said'] and pairs.targets[0] == "QUOTATION MARK"
    quoted = tmp_path / "quoted.tsv"  # a TSV that quotes a field holding a tab, as pandas writes it
    quoted.write_text('source\ttarget\n"a\tb"\tx\n', encoding="utf-8")
    assert read_pairs(quoted).sources == ["a\tb"]


@pytest.mark.parametrize("header, source, target", [("input\toutput", "HorizontalHatch", "horizontal_hatch"),
                                                    ("Answer\tQuestion", "horizontal_hatch", "HorizontalHatch"),
                                                    ("en\tfr", "HorizontalHatch", "horizontal_hatch")])
def test_a_header_naming_a_source_and_a_target_is_no_pair(tmp_path, header, source, target):
    """`input<TAB>output` was read as a file without a header: 'input' -> 'output' trained as a pair."""
    path = tmp_path / "p.tsv"
    path.write_text(f"{header}\nHorizontalHatch\thorizontal_hatch\nCodecInfo\tcodec_info\n")
    pairs = read_pairs(path)
    assert (pairs.sources[0], pairs.targets[0], len(pairs), pairs.headerless) == (source, target, 2, False)
    assert pairs.named == tuple(reversed(header.split("\t"))) if header.startswith("Answer") else tuple(header.split("\t"))
    path.write_text("camel\tsnake\nHorizontalHatch\thorizontal_hatch\n")  # names of neither kind: a pair
    assert read_pairs(path).headerless and len(read_pairs(path)) == 2


def test_hugging_face_translation_lines_are_pairs_of_their_two_languages(tmp_path):
    """{"translation": {"en": ..., "fr": ...}} a line (probes4): "no column 'source'; available columns:
    translation"; an id beside it changes nothing, and --source-col fr turns the direction."""
    import json
    lines = [{"id": str(i), "translation": {"en": f"file {i} not found", "fr": f"fichier {i} introuvable"}}
             for i in range(3)]
    path = tmp_path / "hf.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in lines))
    split = read_pairs(path)
    assert split.sources[0] == "file 0 not found" and split.targets[0] == "fichier 0 introuvable"
    assert split.named == ("en", "fr")
    assert read_pairs(path, "fr", "en").sources[2] == "fichier 2 introuvable"


@pytest.mark.parametrize("header,source,target", [("id,English,French,program", "English", "French"),
                                                  ("question,answer,category", "question", "answer"),
                                                  ("n,input,notes,output", "input", "output")])
def test_a_wider_table_names_its_pair_among_other_columns(tmp_path, header, source, target):
    """id,English,French,program (probes4: gettext catalogues) was "no column 'source'"."""
    names = header.split(",")
    path = tmp_path / "wide.csv"
    path.write_text(header + "\n" + "".join(",".join(f"{c}{i}" for c in names) + "\n" for i in range(3)))
    split = read_pairs(path)
    assert split.sources == [f"{source}{i}" for i in range(3)] and split.targets == [f"{target}{i}" for i in range(3)]
    assert split.named == (source, target)


def test_a_wider_table_with_no_single_pair_named_is_still_refused(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text("id,English,French,German\n1,a,b,c\n")
    with pytest.raises(UserError, match="no column 'source'; available columns: id, English, French, German"):
        read_pairs(path)


def test_predict_reads_the_sources_of_a_translation_file(tmp_path):
    from rnnkit.tasks.seq2seq.data import read_inputs
    path = tmp_path / "new.jsonl"
    path.write_text('{"translation": {"en": "file not found", "fr": "fichier introuvable"}}\n')
    assert read_inputs(str(path)) == ["file not found"]
    (tmp_path / "new.csv").write_text("id,English,French\n1,file not found,fichier introuvable\n")
    assert read_inputs(str(tmp_path / "new.csv")) == ["file not found"]


def test_tatoebas_sentence_pairs_with_their_attribution_are_pairs_in_training_and_predict(tmp_path):
    """manythings.org/anki's fra.txt (the translation tutorials' file): English, French and Tatoeba's attribution,
    tab-separated, no header. Training said "no column 'source'; available columns: Go., Va !, CC-BY 2.0 ...", and
    predict decoded each whole line, the French and the attribution inside the source (probes6)."""
    from rnnkit.tasks.seq2seq.data import read_inputs

    rows = [("Go.", "Va !"), ("Hi.", "Salut !"), ("Run!", "Cours !")]
    path = tmp_path / "fra.txt"
    path.write_text("".join(f"{en}\t{fr}\tCC-BY 2.0 (France) Attribution: tatoeba.org #{i} (CM) & #{i + 7} (Wittydev)\n"
                            for i, (en, fr) in enumerate(rows)))
    split = read_pairs(path)
    assert list(zip(split.sources, split.targets)) == rows and split.headerless
    assert read_inputs(str(path)) == ["Go.", "Hi.", "Run!"]
    (tmp_path / "plain.txt").write_text("Go.\tVa !\nHi.\tSalut !\n")  # two columns of a .txt: its sources too
    assert read_inputs(str(tmp_path / "plain.txt")) == ["Go.", "Hi."]
