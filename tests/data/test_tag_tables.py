"""A table of one token a row, as Kaggle's GMB ner_dataset.csv has it (Sentence #, Word, POS, Tag; the sentence's
number on its first word's row only): probes4's t_kaggle_ner.csv was read as CoNLL lines, "line 3: found 1
column(s) in ',充满,v,O'"."""
from pathlib import Path

import pytest

from rnnkit.data.tagging import read_tagged
from rnnkit.errors import UserError

KAGGLE = ("Sentence #,Word,POS,Tag\nSentence: 1,Thousands,NNS,O\n,of,IN,O\n,demonstrators,NNS,O\n,marched,VBN,O\n"
          ",through,IN,O\n,London,NNP,B-geo\nSentence: 2,Families,NNS,O\n,of,IN,O\n,soldiers,NNS,O\n")


def write(tmp_path: Path, text: str, name: str = "ner_dataset.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_kaggle_ner_table_is_sentences_of_words_and_their_tags(tmp_path):
    data = read_tagged(write(tmp_path, KAGGLE))
    assert data.tokens == [["Thousands", "of", "demonstrators", "marched", "through", "London"],
                           ["Families", "of", "soldiers"]]
    assert data.tags[0][-1] == "B-geo" and data.tags[1] == ["O", "O", "O"] and data.lines == [2, 8]


def test_a_sentence_id_on_every_row_and_tabs_read_the_same(tmp_path):
    text = "sentence_id\ttoken\tner_tag\n" + "".join(f"{s}\t{w}\t{t}\n" for s, w, t in
                                                    [(1, "EU", "B-ORG"), (1, "rejects", "O"), (2, "Peter", "B-PER")])
    data = read_tagged(write(tmp_path, text, "train.tsv"))
    assert data.tokens == [["EU", "rejects"], ["Peter"]] and data.tags == [["B-ORG", "O"], ["B-PER"]]


def test_a_first_row_without_its_sentence_is_one_line(tmp_path):
    with pytest.raises(UserError, match="row 1, column 'Sentence #': empty"):
        read_tagged(write(tmp_path, KAGGLE.replace("Sentence: 1,", ",", 1)))


def test_predict_reads_the_words_of_such_a_table(tmp_path):
    from rnnkit.tasks.tag.predict import tagged_sentences
    assert tagged_sentences(str(write(tmp_path, KAGGLE)), ["O", "B-geo"])[1] == ["Families", "of", "soldiers"]
