"""Reading CSV/TSV/JSONL/Parquet texts, LabelMap, and one-line errors naming file, row and column."""

import codecs
import json

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.readers import LabelMap, read_texts
from rnnkit.errors import UserError

ROWS = [("good hotel", "pos"), ("bad, noisy room", "neg"), ("很好", "pos")]


def write(path, fmt, rows=ROWS, columns=("text", "label")):
    frame = pd.DataFrame(rows, columns=list(columns))
    if fmt == "csv":
        frame.to_csv(path, index=False)
    elif fmt == "tsv":
        frame.to_csv(path, sep="\t", index=False)
    elif fmt == "jsonl":
        frame.to_json(path, orient="records", lines=True, force_ascii=False)
    else:
        frame.to_parquet(path)
    return path


@pytest.mark.parametrize("fmt", ["csv", "tsv", "jsonl", "parquet"])
def test_good_files_read_texts_labels_and_rows(tmp_path, fmt):
    table = read_texts(write(tmp_path / f"d.{fmt}", fmt))
    assert table.texts == [t for t, _ in ROWS]
    assert table.labels == [l for _, l in ROWS]
    assert table.rows == [1, 2, 3]


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_integer_labels_stay_integers(tmp_path, fmt):
    table = read_texts(write(tmp_path / f"d.{fmt}", fmt, rows=[("a", 1), ("b", 0), ("c", 2)]),
                       text_col="text", label_col="label")
    assert table.labels == [1, 0, 2] and all(type(v) is int for v in table.labels)


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_codes_with_a_leading_zero_stay_as_written(tmp_path, fmt):
    """Product or ICD codes (01, 05, 10) were read as the numbers 1, 5, 10, so predict wrote 5 for a text of class
    05; a new file's 05 is the run's 05 (and a run saved with 5 still knows 05: `LabelMap`)."""
    table = read_texts(write(tmp_path / f"d.{fmt}", fmt, rows=[("a", "01"), ("b", "05"), ("c", "10"), ("d", "05")]))
    assert table.labels == ["01", "05", "10", "05"]
    assert LabelMap.fit(table.labels).encode(["05", "10"]).tolist() == [1, 2]
    assert LabelMap([1, 5, 10]).encode(["05"]).tolist() == [1]
    plain = read_texts(write(tmp_path / f"e.{fmt}", fmt, rows=[("a", "0"), ("b", "1"), ("c", "10")]))
    assert plain.labels == [0, 1, 10]


@pytest.mark.parametrize("suffix, module", [(".gz", "gzip"), (".bz2", "bz2"), (".xz", "lzma")])
def test_a_compressed_table_reads_as_the_table(tmp_path, suffix, module):
    """pandas' to_csv(compression=...) and Kaggle's train.csv.gz were "unknown file type '.gz'"."""
    import importlib
    plain = write(tmp_path / "d.csv", "csv")
    packed = tmp_path / f"d.csv{suffix}"
    packed.write_bytes(importlib.import_module(module).compress(plain.read_bytes()))
    table = read_texts(packed)
    assert (table.texts, table.labels, table.rows) == (read_texts(plain).texts, read_texts(plain).labels, [1, 2, 3])
    packed.write_bytes(b"not compressed at all")
    with pytest.raises(UserError, match=f"d.csv{suffix}: not a readable {module} file"):
        read_texts(packed)


def test_a_folder_of_class_folders_reads_a_text_per_file(tmp_path):
    """IMDB's aclImdb/train/{neg,pos}/*.txt (Keras' text_dataset_from_directory layout) was "is a folder; expected a
    file"; aclImdb itself (train/, test/) names the folders to give."""
    for label, texts in (("pos", ["good film\n", "fine"]), ("neg", ["bad one"])):
        (tmp_path / "train" / label).mkdir(parents=True)
        for n, text in enumerate(texts):
            (tmp_path / "train" / label / f"{n}_7.txt").write_text(text)
    (tmp_path / "train" / ".cache").mkdir()
    (tmp_path / "train" / "unsup").mkdir()  # aclImdb's unlabelled reviews, and its files beside the classes
    (tmp_path / "train" / "unsup" / "0_0.txt").write_text("no class")
    (tmp_path / "train" / "urls_pos.txt").write_text("http://")
    (tmp_path / "test").mkdir()
    table = read_texts(tmp_path / "train")
    assert table.texts == ["bad one", "good film", "fine"] and table.labels == ["neg", "pos", "pos"]
    assert table.notes == ["a folder per class: 3 texts in 2 classes (neg, pos)"]
    with pytest.raises(UserError, match=r"a folder of splits \(test, train\); give each as its own folder: --data "
                                        f"{tmp_path / 'train'} --test-data {tmp_path / 'test'}"):
        read_texts(tmp_path)
    (tmp_path / "train" / "neg" / "0_7.txt").write_text(" \n")
    with pytest.raises(UserError, match="0_7.txt: empty text"):
        read_texts(tmp_path / "train")
    (tmp_path / "one" / "pos").mkdir(parents=True)
    for n in range(2):
        (tmp_path / "one" / "pos" / f"{n}.txt").write_text("text")
    with pytest.raises(UserError, match=r"one: a folder; expected a folder per class holding a text file per text, or "
                                        r"a file \(found 1 folder\(s\) of files\)"):
        read_texts(tmp_path / "one")


def test_a_header_of_other_names_is_not_told_it_may_be_data(tmp_path):
    """A pair file given to a classify run's evaluate: its header names prompt and completion, and the line said
    "the first row is read as the header; a file without one needs a header row" (a first row of data still is)."""
    (tmp_path / "pairs.csv").write_text("prompt,completion\nCamelCase,camel_case\n")
    with pytest.raises(UserError) as err:
        read_texts(tmp_path / "pairs.csv", "review", "sentiment")
    assert str(err.value).endswith("no column 'review'; available columns: prompt, completion")
    (tmp_path / "data.csv").write_text("a fine film,pos\ndull,neg\n")
    with pytest.raises(UserError, match="the first row is read as the header"):
        read_texts(tmp_path / "data.csv", "review", "sentiment")


def test_other_column_names_and_no_label(tmp_path):
    path = write(tmp_path / "d.csv", "csv", columns=("review", "y"))
    assert read_texts(path, text_col="review", label_col="y").labels == ["pos", "neg", "pos"]
    assert read_texts(path, text_col="review", label_col=None).labels is None


def test_missing_file(tmp_path):
    with pytest.raises(UserError, match=r"nope\.csv: file not found"):
        read_texts(tmp_path / "nope.csv")


def test_missing_column_lists_available_ones(tmp_path):
    path = write(tmp_path / "d.csv", "csv", columns=("review", "y"))
    with pytest.raises(UserError) as err:
        read_texts(path, text_col="text", label_col="y")
    assert str(err.value) == f"{path}: no column 'text'; available columns: review, y"
    (tmp_path / "sms.tsv").write_text("ham\tsee you at lunch\nspam\twin a prize now\n")  # no header row
    with pytest.raises(UserError, match=r"available columns: ham, see you at lunch \(the first row is read as the "
                                        r"header; a file without one needs a header row"):
        read_texts(tmp_path / "sms.tsv")


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_empty_text_names_row_and_column(tmp_path, fmt):
    path = write(tmp_path / f"d.{fmt}", fmt, rows=[("ok", "pos"), ("fine", "neg"), ("  ", "pos")])
    with pytest.raises(UserError) as err:
        read_texts(path)
    assert str(err.value) == f"{path}: row 3, column 'text': empty text"
    path = write(tmp_path / f"e.{fmt}", fmt, rows=[("ok", "pos"), ("", "neg"), ("fine", "neg"), (" ", "pos")])
    with pytest.raises(UserError) as err:  # how many: a file with a few deleted reviews was told one a run
        read_texts(path)
    assert str(err.value) == f"{path}: row 2, column 'text': empty text (2 rows have none: drop them, or fill them in)"


def test_empty_label_names_row(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("text,label\nok,pos\nfine,\n")
    with pytest.raises(UserError, match=r"d\.csv: row 2, column 'label': empty label"):
        read_texts(path)


def test_undecodable_bytes_name_line_and_offset(tmp_path):
    path = tmp_path / "d.csv"
    raw = "text,label\nok,pos\n".encode() + b"caf\xe9,neg\n"
    path.write_bytes(raw)
    with pytest.raises(UserError) as err:
        read_texts(path)
    message = str(err.value)
    offset = raw.index(bytes([0xE9]))
    assert message.startswith(f"{path}: line 3, byte offset {offset}: bytes e9 are not valid utf-8")
    assert "\n" not in message
    assert read_texts(path, encoding="latin-1").texts == ["ok", "café"]


def test_empty_and_header_only_files(tmp_path):
    empty = tmp_path / "e.csv"
    empty.write_text("")
    with pytest.raises(UserError, match=r"e\.csv: the file is empty"):
        read_texts(empty)
    header = tmp_path / "h.tsv"
    header.write_text("text\tlabel\n")
    with pytest.raises(UserError, match=r"h\.tsv: no data rows"):
        read_texts(header)


def test_bad_json_line_and_bad_parquet_and_unknown_extension(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text('{"text": "a", "label": 1}\n\n{"text": "b", label: 0}\n')
    with pytest.raises(UserError, match=r"d\.jsonl: line 3: not valid JSON"):
        read_texts(path)
    fake = tmp_path / "d.parquet"
    fake.write_text("not parquet at all")
    with pytest.raises(UserError, match=r"d\.parquet: not a readable Parquet file"):
        read_texts(fake)
    with pytest.raises(UserError, match=r"d\.docx: unknown file type '\.docx'"):
        read_texts(tmp_path / "d.docx")


def test_label_map_round_trip_and_unknown_label_at_predict_time(tmp_path):
    train = read_texts(write(tmp_path / "train.csv", "csv"))
    labels = LabelMap.fit(train.labels)
    assert labels.labels == ["neg", "pos"]
    np.testing.assert_array_equal(labels.encode(train.labels, train), [1, 0, 1])
    assert labels.decode([0, 1]) == ["neg", "pos"]
    labels.save(tmp_path / "labels.json")
    assert json.loads((tmp_path / "labels.json").read_text()) == {"labels": ["neg", "pos"]}
    assert LabelMap.load(tmp_path / "labels.json") == labels

    new = read_texts(write(tmp_path / "new.csv", "csv", rows=[("x", "pos"), ("y", "meh")]))
    with pytest.raises(UserError) as err:
        labels.encode(new.labels, new)
    assert str(err.value) == f"{tmp_path / 'new.csv'}: row 2, column 'label': unknown label 'meh'; the model knows: neg, pos"


def test_integer_label_map_sorts_numerically():
    labels = LabelMap.fit([10, 2, 1, 2])
    assert labels.labels == [1, 2, 10]
    np.testing.assert_array_equal(labels.encode([10, "2"]), [2, 1])


@pytest.mark.parametrize("content, row, found", [
    ("text,label\na,b,c,d\nbad movie,neg\n", 1, "4 fields"),  # pandas took the extra fields as an index
    ("text,label\ngood,pos\nx,y,\n", 2, "3 fields"),           # a trailing comma shifted the columns
    ("text,label\ngood,pos\nlonely\n", 2, "1 field,"),         # pandas padded it with an empty label
])
def test_a_row_with_other_than_the_headers_field_count_names_row_and_counts(tmp_path, content, row, found):
    path = tmp_path / "d.csv"
    path.write_text(content)
    with pytest.raises(UserError) as err:
        read_texts(path)
    assert str(err.value) == f"{path}: row {row}: {found.rstrip(',')}, expected 2 (the header's columns: text, label)"


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
@pytest.mark.parametrize("missing", ["NaN", "nan", "NA", "null", None])
def test_a_missing_label_is_an_error_never_a_class(tmp_path, fmt, missing):
    rows = [("good", "pos"), ("bad", missing), ("fine", "pos")]
    if fmt == "csv" and missing is None:
        (tmp_path / "d.csv").write_text("text,label\ngood,pos\nbad,\nfine,pos\n")
        path = tmp_path / "d.csv"
    else:
        path = write(tmp_path / f"d.{fmt}", fmt, rows=rows)
    with pytest.raises(UserError, match=r"row 2, column 'label': (empty|missing) label"):
        read_texts(path)


def test_a_10_mb_cell_is_read_whole(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("text,label\n" + "word " * 2_000_000 + ",pos\nshort,neg\n")
    table = read_texts(path)
    assert len(table.texts[0]) == 10_000_000 and table.labels == ["pos", "neg"]


def test_a_semicolon_csv_reads_its_columns(tmp_path):
    """A CSV as Excel writes it where the comma is the decimal mark: semicolons between fields."""
    from rnnkit.data.readers import read_frame
    path = tmp_path / "s.csv"
    path.write_text("\ufefftext;label\ngood, fine;pos\nbad;neg\n", encoding="utf-8")
    frame, _ = read_frame(path, "csv", "utf-8")
    assert list(frame.columns) == ["text", "label"] and frame["text"].tolist() == ["good, fine", "bad"]


def test_a_parquet_files_saved_index_is_a_column(tmp_path):
    """`df.set_index("date").to_parquet(...)` keeps the dates as pandas' index, which pyarrow restores as the index:
    a column the user names, as the same frame's CSV has it."""
    from rnnkit.data.readers import read_frame
    frame = pd.DataFrame({"y": [1.0, 2.0]}, index=pd.Index(["a", "b"], name="date"))
    frame.to_parquet(tmp_path / "i.parquet")
    pd.DataFrame({"y": [1.0, 2.0]}).to_parquet(tmp_path / "r.parquet")
    assert list(read_frame(tmp_path / "i.parquet", "parquet", "utf-8")[0].columns) == ["date", "y"]
    assert list(read_frame(tmp_path / "r.parquet", "parquet", "utf-8")[0].columns) == ["y"]


@pytest.mark.parametrize("joined", ["command,other", "command; other", "other|command"])
def test_a_cell_joining_labels_that_are_classes_of_their_own_is_one_line(tmp_path, joined):
    """`command,other` among `command` rows trained as a class of its own, silently (probes6: c_multi_comma.csv)."""
    path = tmp_path / "multi.csv"
    path.write_text(f'text,label\ncopy files,command\nlist files,"{joined}"\nformat,library\n')
    with pytest.raises(UserError, match=r"multi.csv: row 2, column 'label': .* joins labels that are classes of "
                                        r"their own \('command'\): .*multi-label"):
        read_texts(path)


def test_labels_with_commas_that_join_no_other_labels_are_labels(tmp_path):
    path = tmp_path / "scores.csv"
    path.write_text('text,label\na,"2,5"\nb,2\nc,"Books, Music"\nd,Toys\n')  # a decimal comma; a class name
    assert read_texts(path).labels == ["2,5", "2", "Books, Music", "Toys"]


def test_a_list_of_labels_is_one_line_and_a_list_of_tokens_is_a_text(tmp_path):
    """A multi-label JSONL file ended in 'TypeError: unhashable type: list'; pre-tokenized texts (a list of
    tokens, as dataset exports write them) were read as "['the', 'plot']"."""
    path = tmp_path / "multi.jsonl"
    path.write_text('{"text": "a b", "label": "x"}\n{"text": "c d", "label": ["x", "y"]}\n')
    with pytest.raises(UserError, match=r"multi.jsonl: row 2, column 'label': a list of labels \(\['x', 'y'\]\); "
                                        r"expected one label per text"):
        read_texts(path)
    path.write_text('{"text": ["the", "plot"], "label": "x"}\n{"text": {"a": 1}, "label": "y"}\n')
    with pytest.raises(UserError, match=r"row 2, column 'text': a dict \({'a': 1}\); expected a text, or a list"):
        read_texts(path)
    path.write_text('{"text": ["the", "plot"], "label": "x"}\n')
    assert read_texts(path).texts == ["the plot"]
    pd.DataFrame({"text": [["dull", "film"]], "label": [["a", "b"]]}).to_parquet(tmp_path / "t.parquet")
    assert read_texts(tmp_path / "t.parquet", label_col=None).texts == ["dull film"]
    with pytest.raises(UserError, match="column 'label': a list of labels"):
        read_texts(tmp_path / "t.parquet")


def test_a_json_file_is_read_as_records_or_columns_and_a_workbook_is_refused(tmp_path):
    """`.json` was an unknown file type, though an array of records is how many datasets are exported: it is now
    read as records, as `{"data": [records]}`, as columns (arrays, or pandas' `to_json()` of row -> value), and
    as JSON Lines when saved under .json; an .xlsx workbook is one line saying to save it as CSV."""
    import json

    import pandas as pd

    from rnnkit.data.readers import read_texts

    frame = pd.DataFrame({"text": ["good film", "bad film", "fine"], "label": ["pos", "neg", "pos"]})
    shapes = {"records.json": frame.to_json(orient="records"), "columns.json": frame.to_json(),
              "arrays.json": json.dumps(frame.to_dict(orient="list")),
              "wrapped.json": json.dumps({"data": frame.to_dict(orient="records")}),
              "lines.json": frame.to_json(orient="records", lines=True)}
    for name, text in shapes.items():
        (tmp_path / name).write_text(text)
        table = read_texts(tmp_path / name, "text", "label")
        assert table.texts == ["good film", "bad film", "fine"] and list(table.labels) == ["pos", "neg", "pos"], name
    (tmp_path / "ragged.json").write_text('{"text": ["a", "b"], "label": ["x"]}')
    with pytest.raises(UserError, match="an object of columns of different lengths \\(text: 2, label: 1\\)"):
        read_texts(tmp_path / "ragged.json", "text", "label")
    (tmp_path / "number.json").write_text("42")
    with pytest.raises(UserError, match="expected an array of objects"):
        read_texts(tmp_path / "number.json", "text", "label")
    (tmp_path / "book.xlsx").write_bytes(b"PK\x03\x04")
    with pytest.raises(UserError, match="a spreadsheet workbook, which is not read: save its sheet as CSV"):
        read_texts(tmp_path / "book.xlsx", "text", "label")


def test_text_and_label_columns_are_found_by_name_or_by_their_values(tmp_path):
    """A Kaggle-shaped file (review, sentiment) ended in "no column 'text'": its columns are now found by name,
    else the text column by its far longer values and the label column as the one other column whose values
    repeat; a file whose first row is data (a 'pos' heading a column of pos and neg, a header cell of a whole
    sentence) keeps the names asked for, so reading still says the first row is read as the header."""
    import pandas as pd

    from rnnkit.data.readers import detect_format, read_frame, text_columns

    def found(path):  # the columns a training file's table is read by
        return text_columns(read_frame(path, detect_format(path), "utf-8")[0], "text", "label")

    reviews = ["a film I loved from start to end", "dull and far too long", "the cast is superb"] * 10
    polarity = ["pos", "neg", "pos"] * 10
    cases = {
        "kaggle.csv": ({"review": reviews, "sentiment": polarity}, ("review", "sentiment")),
        "news.csv": ({"id": range(30), "title": ["t"] * 30, "body": reviews, "category": polarity}, ("body", "category")),
        "unnamed.csv": ({"n": range(30), "words": reviews, "kind": polarity}, ("words", "kind")),
        "ids.csv": ({"words": reviews, "code": [str(i) for i in range(30)]}, ("text", "label")),  # no labels: neither
        "plain.csv": ({"text": reviews, "label": polarity}, ("text", "label")),
    }
    for name, (columns, expected) in cases.items():
        pd.DataFrame(columns).to_csv(tmp_path / name, index=False)
        assert found(tmp_path / name)[:2] == expected, name
    notes = found(tmp_path / "kaggle.csv")[2]
    assert notes == ["text column 'review' (there is no column 'text'; --text-col names another)",
                     "label column 'sentiment' (there is no column 'label'; --label-col names another)"]
    (tmp_path / "headless.tsv").write_text("pos\tgood film\nneg\tbad film\npos\tloved it\n")
    assert found(tmp_path / "headless.tsv") == ("text", "label", [])
    (tmp_path / "sentence.tsv").write_text("pos\ta film I loved a lot\nneg\tbad film\n")
    assert found(tmp_path / "sentence.tsv") == ("text", "label", [])


def test_a_byte_order_mark_says_the_encoding_and_a_tsv_may_be_named_txt(tmp_path):
    """Excel's "Unicode Text" save: UTF-16 with a BOM, tabs, Windows line ends, named .txt (was: "unknown file type
    '.txt'", then with --format tsv "bytes ff are not valid utf-8")."""
    rows = "text\tlabel\r\ncafé au lait 上\tdrink\r\nbread\tfood\r\n"
    (tmp_path / "u16.txt").write_bytes(rows.encode("utf-16"))
    (tmp_path / "u8.txt").write_bytes(codecs.BOM_UTF8 + rows.encode("utf-8"))
    for name in ("u16.txt", "u8.txt"):
        table = read_texts(tmp_path / name)
        assert (table.texts, table.labels) == (["café au lait 上", "bread"], ["drink", "food"])
    (tmp_path / "latin.csv").write_bytes(codecs.BOM_UTF8 + "text,label\nx,y\n".encode())
    assert read_texts(tmp_path / "latin.csv", encoding="latin-1").texts == ["x"]  # not a column 'ï»¿text'
    (tmp_path / "prose.txt").write_text("one text, a comma\n")
    with pytest.raises(UserError, match=r"prose\.txt: unknown file type '\.txt'; .*, or a \.txt file of tab-separated"):
        read_texts(tmp_path / "prose.txt")


def test_labels_that_differ_only_in_case_or_spacing_are_one_class(tmp_path):
    """A hand-typed label column: 'command', 'Command', ' COMMAND ' were three classes (4 became 12), and an
    evaluate file written in capitals scored 0.02 against them."""
    path = tmp_path / "d.csv"
    path.write_text("text,label\na,command\nb,Command\nc, COMMAND \nd,file  format\ne,File Format\nf,file format\n"
                    "g,file format\n")
    table = read_texts(path)
    assert table.labels == ["command"] * 3 + ["file format"] * 4  # spelled as most often (a tie: as first)
    assert "'command' ('Command', 'COMMAND')" in table.notes[0]
    label_map = LabelMap.fit(table.labels)
    assert list(label_map.encode(["COMMAND", "File Format"])) == [0, 1]
    with pytest.raises(UserError, match="unknown label 'comand'"):
        label_map.encode(["comand"])
    assert list(LabelMap(["a", "A"]).encode(["a", "A"])) == [0, 1]  # a run whose classes were so spelled keeps them


def test_fasttext_format_reads_labels_and_texts_and_refuses_several_labels(tmp_path):
    """fastText's `__label__X text` lines in a .txt: was "unknown file type '.txt'"."""
    path = tmp_path / "train.txt"
    path.write_text("__label__sports The match ended 2-1\n\n__label__tech  New\tchips, faster\n")
    table = read_texts(path)
    assert (table.texts, table.labels, table.rows) == (["The match ended 2-1", "New chips, faster"],
                                                       ["sports", "tech"], [1, 3])
    path.write_text("__label__a __label__b both\n")
    with pytest.raises(UserError, match=r"row 1, column 'label': a list of labels .*multi-label"):
        read_texts(path)


def test_excels_separator_line_names_the_separator_and_is_no_header(tmp_path):
    """A first line `sep=;`, which Excel writes and reads: it was the header (columns 'sep=' and 'Unnamed: 1'),
    and the real header row trained as a text of class 'label'."""
    path = tmp_path / "d.csv"
    path.write_text("sep=;\r\ntext;label\r\nhello, world;greeting\r\nbye;farewell\r\n")
    table = read_texts(path)
    assert (table.texts, table.labels, table.rows) == (["hello, world", "bye"], ["greeting", "farewell"], [1, 2])


def test_whole_numbers_written_as_floats_are_integer_labels(tmp_path):
    """'1.0', '3.0' (pandas' integers beside a missing value) were string classes a new file's 3 was unknown to."""
    (tmp_path / "train.csv").write_text("text,label\na,1.0\nb,3.0\nc,3.\n")
    (tmp_path / "new.csv").write_text("text,label\nd,3\n")
    label_map = LabelMap.fit(read_texts(tmp_path / "train.csv").labels)
    assert label_map.labels == [1, 3] and list(label_map.encode(read_texts(tmp_path / "new.csv").labels)) == [1]
    (tmp_path / "scores.csv").write_text("text,label\na,1.0\nb,2.5\n")
    assert read_texts(tmp_path / "scores.csv").labels == ["1.0", "2.5"]
    assert list(LabelMap(["1.0", "3.0"]).encode([3, 1])) == [1, 0]  # a run saved before: its classes were '1.0'...


def test_a_json_mix_of_numbers_and_number_strings_is_integer_labels(tmp_path):
    """{"label": 1} beside {"label": "1"} ended in a traceback: LabelMap's classes 1 and '1' were duplicates."""
    (tmp_path / "m.jsonl").write_text('{"text": "a", "label": 1}\n{"text": "b", "label": "1"}\n'
                                      '{"text": "c", "label": "3"}\n{"text": "d", "label": 2.0}\n')
    assert read_texts(tmp_path / "m.jsonl").labels == [1, 1, 3, 2]
    (tmp_path / "s.jsonl").write_text('{"text": "a", "label": 1}\n{"text": "b", "label": " pos"}\n')
    labels = read_texts(tmp_path / "s.jsonl").labels
    assert labels == ["1", "pos"] and len(LabelMap.fit(labels)) == 2


def test_a_two_column_file_without_a_header_is_read_as_texts_and_labels(tmp_path):
    """No header row, the first row's label among the labels below it: was "no column 'text'; available columns:
    <the first text>, library". Read in either column order; the first row is a text of its own."""
    (tmp_path / "a.csv").write_text("copy a string,library\nlist files,command\nsort lines,command\nfree memory,library\n")
    (tmp_path / "b.tsv").write_text("library\tcopy a string\ncommand\tlist files\nlibrary\tfree memory\n")
    for name, rows in (("a.csv", 4), ("b.tsv", 3)):
        table = read_texts(tmp_path / name, find_columns=name == "a.csv")  # training, and evaluate's reading
        assert (table.texts[0], table.labels[0], len(table), table.rows[0]) == ("copy a string", "library", rows, 1)
        assert "no header row" in table.notes[0]


def test_texts_nested_in_json_objects_are_found_in_training_and_predict(tmp_path):
    """{"review": {"body": ..., "title": ...}, "label": ...} a line was "a dict ...; expected a text" (probes6)."""
    path = tmp_path / "nested.jsonl"
    path.write_text("".join(json.dumps({"review": {"body": body, "title": body[:4]}, "label": label}) + "\n"
                            for body, label in [("copy a file", "command"), ("format output", "library")]))
    table = read_texts(path, find_columns=True)
    assert (table.texts, table.labels, table.text_col) == (["copy a file", "format output"], ["command", "library"],
                                                           "body")
    path.write_text(json.dumps({"review": {"body": "list files", "title": "list"}}) + "\n")
    assert read_texts(path, text_col="body", label_col=None).texts == ["list files"]


def test_a_folder_given_where_a_file_is_read_is_named_a_folder(tmp_path):
    """A tag, seq2seq or series run's evaluate given an image folder said "file not found", "unknown file type
    '(no extension)'" and ".ts file not found" of a folder that was there (probes6)."""
    from rnnkit.data.pairs import read_pairs
    from rnnkit.data.tagging import read_tagged
    from rnnkit.data.ucr_tsv import read_series_file

    (tmp_path / "images").mkdir()
    for read in (read_pairs, read_tagged, read_series_file, lambda p: read_texts(p, label_col=None)):
        with pytest.raises(UserError, match=r"images: a folder; expected a file$"):
            read(tmp_path / "images")
    with pytest.raises(UserError, match=r"gone.csv: file not found$"):
        read_texts(tmp_path / "gone.csv")


def test_a_wide_table_without_the_text_column_names_a_few_of_its_columns(tmp_path):
    """A series table (t0 ... t149, label) given to a classify run listed all 151 names on the line (probes6)."""
    path = tmp_path / "series.csv"
    path.write_text(",".join(f"t{i}" for i in range(150)) + ",label\n" + ",".join(["0.5"] * 150) + ",1\n")
    with pytest.raises(UserError, match=r"series.csv: no column 'text'; available columns: t0, t1, t2, t3, t4, t5, t6, "
                                        r"t7, t8, \.\.\., t148, t149, label \(151 columns\)$"):
        read_texts(path)
