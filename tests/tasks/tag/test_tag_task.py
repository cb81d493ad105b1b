"""`rnnkit train tag` end to end on tiny tagged files: NER (BIO, CRF and softmax), segmentation (BMES,
segment()), POS (word/TAG, confusion picture, baselines), predict and evaluate from the run folder, and
bad input through the CLI (exit 2, one line)."""
import json
import random

import numpy as np
import pytest

from rnnkit.tasks import load_config, read_run
from rnnkit.tasks import train as train_task
from rnnkit.tasks.tag import segment
from rnnkit.tasks.tag.baselines import errors_fixed, errors_fixed_line
from testkit import call_cli as call

TINY = {"epochs": "12", "batch_size": "8", "embedding_dim": "16", "hidden_size": "16", "lr": "0.03",
        "head_dropout": "0", "embedding_dropout": "0", "schedule": "none"}
PEOPLE, PLACES, VERBS = ["John", "Mary", "Alice", "Bob"], ["Paris", "London", "Rome"], ["lives", "works", "sleeps"]
WORDS = ["我们", "北京", "天安门", "爱", "中国", "人民", "的", "了", "是"]


def ner_sentence(rng):
    toks = [(rng.choice(PEOPLE), "B-PER")] + ([("Smith", "I-PER")] if rng.random() < 0.5 else [])
    return toks + [(rng.choice(VERBS), "O"), ("in", "O"), (rng.choice(PLACES), "B-LOC"), (".", "O")]


def conll(sentences):
    return "".join("".join(f"{w}\t{t}\n" for w, t in s) + "\n" for s in sentences)


def seg_sentence(rng):
    words = [rng.choice(WORDS) for _ in range(rng.randint(2, 6))]
    out = []
    for w in words:
        tags = ["S"] if len(w) == 1 else ["B"] + ["M"] * (len(w) - 2) + ["E"]
        out += list(zip(w, tags))
    return out


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    path = tmp_path_factory.mktemp("tag")
    rng = random.Random(0)
    for name, n in (("train", 80), ("valid", 16), ("test", 16)):
        (path / f"{name}.conll").write_text(conll([ner_sentence(rng) for _ in range(n)]))
        (path / f"seg-{name}.conll").write_text(conll([seg_sentence(rng) for _ in range(n)]))
    pos = [" ".join(f"{w}/{'ns' if w in ('北京', '中国', '天安门') else 'v' if w in ('爱', '是') else 'n'}"
                    for w in rng.sample(WORDS, 4)) for _ in range(60)]
    (path / "pos.txt").write_text("\n".join(pos) + "\n")
    (path / "text.txt").write_text("Alice Smith works in Rome .\n\nBob sleeps in Paris\n")
    return path


def train(flags, run_dir):
    return train_task(*load_config("tag", {**TINY, **flags}), run_dir=run_dir, quiet=True)


@pytest.fixture(scope="module")
def ner_run(files):
    run_dir, final = train({"data": str(files / "train.conll"), "valid_data": str(files / "valid.conll"),
                            "test_data": str(files / "test.conll")}, files / "ner-run")
    return run_dir, final


def test_ner_trains_reports_and_scores_entities(ner_run):
    run_dir, final = ner_run
    config = json.loads((run_dir / "config.json").read_text())
    assert config["task_config"]["monitor"] == "val_entity_f1" and config["data"]["crf"] is True  # kept by entity F1
    assert "## Output layer" in (run_dir / "report.md").read_text()
    assert "val_entity_f1" in (run_dir / "metrics.jsonl").read_text()
    assert 0 < final["most_frequent_tag_entity_f1"] <= 1 and "errors_fixed_vs_most_frequent_tag" in final
    for name in ("config.json", "model.safetensors", "vocab.json", "tags.json", "report.md"):
        assert (run_dir / name).is_file(), name
    assert final["test_entity_f1"] > 0.9 and final["test_token_acc"] > 0.9
    assert final["train_sentences_per_s"] > 0 and final["decode_sentences_per_s"] > 0
    report = (run_dir / "report.md").read_text()
    assert "| PER |" in report and "| LOC |" in report and "seqeval, strict" in report
    assert json.loads((run_dir / "tags.json").read_text())["tags"] == ["B-LOC", "B-PER", "I-PER", "O"]


def test_predict_json_and_conll_and_evaluate_agree_with_training(ner_run, files, capsys):
    run_dir, final = ner_run
    code, out, _ = call(capsys, "predict", run_dir, "--input", files / "text.txt")
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(records) == 3 and records[1]["tokens"] == []
    assert records[0]["tokens"] == ["Alice", "Smith", "works", "in", "Rome", "."]
    assert {"text": "Alice Smith", "type": "PER", "start": 0, "end": 2} in records[0]["entities"]
    code, out, _ = call(capsys, "predict", run_dir, "--input", files / "text.txt", "--format", "conll")
    assert code == 0 and "Paris\tB-LOC" in out.splitlines()
    code, out, _ = call(capsys, "evaluate", run_dir)
    assert code == 0 and f"entity_f1: {final['test_entity_f1']:.4f}" in out
    assert "B-PER" in out and "precision" in out  # the per-tag table
    table = files / "texts.csv"  # a table's text column is tagged; its header is no sentence
    table.write_text("id,sentence\n1,Alice Smith works in Rome .\n")
    code, out, err = call(capsys, "predict", run_dir, "--input", table, "--text-col", "sentence")
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(records) == 1 and records[0]["tokens"][0] == "Alice", err
    table.write_text("sentence\nAlice Smith works in Rome .\nBob sleeps\n")  # one column: it, not its header
    code, out, err = call(capsys, "predict", run_dir, "--input", table)
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [r["tokens"][0] for r in records] == ["Alice", "Bob"], err


def test_predict_on_a_conll_file_tags_its_sentences_not_its_lines(ner_run, files, tmp_path, capsys):
    """A CoNLL test file given to predict: its token column, sentence by sentence (each line, gold tags and
    -DOCSTART- included, was tagged as a sentence of its own)."""
    run_dir, _ = ner_run
    gold = "-DOCSTART- -X- -X- O\n\nAlice NNP B-NP B-PER\nworks VBZ B-VP O\n\nBob NNP B-NP B-PER\nsleeps VBZ B-VP O\n"
    tabbed = "Alice\tPER-B\nworks\tO\n\nBob\tPER-B\nsleeps\tO\n"  # no -DOCSTART-, the tags spelt otherwise
    for name, text in (("gold.conll", gold), ("gold.txt", gold), ("tabbed.txt", tabbed),
                       ("tokens.conll", "Alice\nworks\n\nBob\nsleeps\n")):
        (tmp_path / name).write_text(text)
        code, out, err = call(capsys, "predict", run_dir, "--input", tmp_path / name)
        records = [json.loads(line) for line in out.splitlines()]
        assert code == 0 and [r["tokens"] for r in records] == [["Alice", "works"], ["Bob", "sleeps"]], (name, err)
        assert records[0]["text"] == "Alice works" and records[1]["tags"][0] == "B-PER"
    code, out, _ = call(capsys, "predict", run_dir, "--input", tmp_path / "gold.conll", "--format", "conll")
    assert code == 0 and out.splitlines()[:3] == ["Alice\tB-PER", "works\tO", ""]
    (tmp_path / "gold-wt.txt").write_text("Alice/PER-B works/O\nBob/PER-B sleeps/O\n")  # word/TAG, the run's tags spelt otherwise
    (tmp_path / "and-or.txt").write_text("Alice and/or Bob\n")  # a slash in text: a text line
    code, out, _ = call(capsys, "predict", run_dir, "--input", tmp_path / "gold-wt.txt")
    tokens = [json.loads(line)["tokens"] for line in out.splitlines()]
    assert code == 0 and tokens == [["Alice", "works"], ["Bob", "sleeps"]]
    (tmp_path / "two-words.txt").write_text("Alice works\nBob O\n")  # two words a line, not all tags: text lines
    code, out, _ = call(capsys, "predict", run_dir, "--input", tmp_path / "two-words.txt")
    assert code == 0 and [json.loads(line)["tokens"] for line in out.splitlines()] == [["Alice", "works"], ["Bob", "O"]]
    code, out, _ = call(capsys, "predict", run_dir, "--input", tmp_path / "and-or.txt")
    assert code == 0 and json.loads(out)["tokens"] == ["Alice", "and/or", "Bob"]
    (tmp_path / "gold.jsonl").write_text('{"tokens": ["Alice", "works"], "ner_tags": ["B-PER", "O"]}\n'
                                         '{"tokens": ["Bob", "sleeps"]}\n')  # Hugging Face's shape: was "no column 'text'"
    code, out, err = call(capsys, "predict", run_dir, "--input", tmp_path / "gold.jsonl")
    assert code == 0 and [json.loads(line)["tokens"] for line in out.splitlines()] == [["Alice", "works"],
                                                                                    ["Bob", "sleeps"]], err


def test_conll_output_keeps_spaced_tokens_and_refuses_tokens_a_line_cannot_hold(ner_run, tmp_path, capsys):
    """--format conll of a JSON Lines input whose tokens hold spaces (a quoted option, a multi-word name): written
    whole, tab-separated, and read back whole by predict and evaluate; a token holding a tab or a line break, or
    blank, would split its line or vanish: refused in one line before anything is written, naming it."""
    run_dir, _ = ner_run
    (tmp_path / "spaced.jsonl").write_text('{"tokens": ["Mary Smith", "lives", "in", "New Rome"]}\n')
    out_file = tmp_path / "out.txt"
    code, out, err = call(capsys, "predict", run_dir, "--input", tmp_path / "spaced.jsonl", "--format", "conll",
                          "-o", out_file)
    assert code == 0 and out.splitlines()[0].startswith("Mary Smith\t"), err
    code, out, err = call(capsys, "predict", run_dir, "--input", out_file)
    assert code == 0 and json.loads(out)["tokens"] == ["Mary Smith", "lives", "in", "New Rome"], err
    code, out, err = call(capsys, "evaluate", run_dir, "--data", out_file, "--json")
    assert code == 0 and json.loads(out)["tokens"] == 4, err
    for token in ("a\tb", "a\nb", "", " a"):
        (tmp_path / "odd.jsonl").write_text(json.dumps({"tokens": ["Bob", token]}) + "\n")
        code, out, err = call(capsys, "predict", run_dir, "--input", tmp_path / "odd.jsonl", "--format", "conll",
                              "-o", tmp_path / "odd.txt")
        assert code == 2 and out == "" and not (tmp_path / "odd.txt").exists(), (token, out)
        assert f"odd.jsonl: sentence 1, token 2: {token!r} cannot be written as a token<TAB>tag line" in err
        assert "--format json" in err and len(err.strip().splitlines()) == 1


def test_evaluate_on_a_file_of_texts_says_it_needs_gold_tags(ner_run, tmp_path, capsys):
    """A file of texts (or another task's table) given to evaluate was told only "line 2: found 9 column(s)"."""
    run_dir, _ = ner_run
    (tmp_path / "texts.txt").write_text("Alice works in Rome\nBob sleeps in a big house in Paris\n")
    code, _, err = call(capsys, "evaluate", run_dir, "--data", tmp_path / "texts.txt")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "line 2: found 8 column(s)" in err and "(its first line ends in 'Rome', none of the run's tags: " \
        "evaluate reads gold tags, token<TAB>tag lines; predict tags a file of texts)" in err
    (tmp_path / "gold.conll").write_text("Alice\tB-PER\nworks\n")  # a gold file's own mistake: no hint
    code, _, err = call(capsys, "evaluate", run_dir, "--data", tmp_path / "gold.conll")
    assert code == 2 and "line 2: found 1 column(s)" in err and "none of the run's tags" not in err


def test_a_latin1_run_trains_evaluates_and_predicts_in_its_encoding(files, tmp_path, capsys):
    """--encoding latin-1 (CoNLL-2002's files) reaches training, evaluate and predict."""
    text = (files / "train.conll").read_text().replace("Rome", "Génova")
    (tmp_path / "esp.conll").write_bytes(text.encode("latin-1"))
    (tmp_path / "new.txt").write_bytes("Alice sleeps in Génova .\n".encode("latin-1"))
    run_dir, _ = train({"data": str(tmp_path / "esp.conll"), "encoding": "latin-1", "epochs": "2"}, tmp_path / "run")
    code, out, err = call(capsys, "evaluate", run_dir, "--data", tmp_path / "esp.conll")
    assert code == 0 and "token_acc" in out, err
    code, out, err = call(capsys, "predict", run_dir, "--input", tmp_path / "new.txt")
    assert code == 0 and json.loads(out)["tokens"][3] == "Génova", err


def test_softmax_tagger_and_bioes_conversion(files, tmp_path):
    run_dir, final = train({"data": str(files / "train.conll"), "test_data": str(files / "test.conll"),
                            "crf": "false", "scheme": "BIOES"}, tmp_path / "run")
    assert read_run(run_dir).config.crf is False and final["test_entity_f1"] > 0.8
    assert "E-PER" in json.loads((run_dir / "tags.json").read_text())["tags"]


def test_segmentation_run_and_segment(files, capsys):
    run_dir, final = train({"data": str(files / "seg-train.conll"), "test_data": str(files / "seg-test.conll"),
                            "epochs": "20"}, files / "seg-run")
    assert final["test_word_f1"] > 0.9 and "test_word_oov_recall" in final
    assert "jieba (default dictionary, HMM)" in (run_dir / "report.md").read_text()
    words = segment(run_dir, "我们爱北京天安门")
    assert "".join(words) == "我们爱北京天安门" and "天安门" in words
    (files / "zh.txt").write_text("中国人民爱北京\n")
    code, out, _ = call(capsys, "predict", run_dir, "--input", files / "zh.txt")
    assert code == 0 and "".join(json.loads(out)["words"]) == "中国人民爱北京"


def test_pos_run_draws_confusion_and_compares_with_baselines(files, tmp_path):
    run_dir, final = train({"data": str(files / "pos.txt")}, tmp_path / "pos-run")
    assert (run_dir / "config.json").is_file() and "test_token_acc" not in final  # no test file given
    # ... so the baseline is set beside the run on the validation sentences, said to flatter the model
    assert 0 < final["val_most_frequent_tag_token_acc"] <= 1 and "val_errors_fixed_vs_most_frequent_tag" in final
    assert "## Baseline (validation sentences: no test file was given)" in (run_dir / "report.md").read_text()
    run_dir, final = train({"data": str(files / "pos.txt"), "test_data": str(files / "pos.txt")}, tmp_path / "p2")
    assert (run_dir / "confusion.png").stat().st_size > 1000
    report = (run_dir / "report.md").read_text()
    assert "## Per tag (test set)" in report and (run_dir / "class_report.json").is_file()
    assert "| most frequent tag |" in report and "of the baseline's token errors" in report
    assert "jieba.posseg" not in report and "jieba_posseg_token_acc_on_matched" not in final  # catalog only
    base, model = final["most_frequent_tag_token_acc"], final["test_token_acc"]
    assert 0 < base <= 1 and final["errors_fixed_vs_most_frequent_tag"] == errors_fixed(model, base)
    assert errors_fixed(0.95, 0.9) == pytest.approx(0.5) and errors_fixed(1.0, 1.0) == 0.0
    # pysrc_wordtag.txt's one-epoch run printed "the model fixes -57.3% of its token errors"
    assert errors_fixed_line(errors_fixed(0.9655, 0.9781)) == ("the model loses to the baseline: it makes 57.5% "
                                                               "more token errors than the baseline")
    assert errors_fixed_line(0.5, markdown=True) == "The model fixes **50.0%** of the baseline's token errors."


def test_one_token_sentences_train_and_decode(files, tmp_path):
    data = tmp_path / "one.conll"
    data.write_text(conll([[("Paris", "B-LOC")], [("in", "O")]] * 10 + [ner_sentence(random.Random(1))] * 10))
    run_dir, final = train({"data": str(data), "test_data": str(data), "epochs": "3"}, tmp_path / "run")
    assert final["test_token_acc"] > 0


def test_bad_input_is_one_line_exit_2(ner_run, files, tmp_path, capsys):
    run_dir, _ = ner_run
    cases = {"cols.conll": ("John\tB-PER\nlives\tO\textra\n", "cols.conll: line 2: found 3 column(s)"),
             "empty.conll": ("\n\n", "empty.conll: the file is empty"),
             "mixed.conll": ("a\tB-X\nb\tI-X\n\nc\tB-X\nd\tM-X\n", "mixed.conll: line 5: tag 'M-X' mixes schemes")}
    for name, (text, message) in cases.items():
        (tmp_path / name).write_text(text)
        code, out, err = call(capsys, "train", "tag", "--data", tmp_path / name, "--quiet")
        assert code == 2 and message in err, (name, err)
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    (tmp_path / "unseen.conll").write_text("John\tB-PER\nin\tO\n\nRome\tB-GPE\n")
    code, _, err = call(capsys, "evaluate", run_dir, "--data", tmp_path / "unseen.conll")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "unseen.conll: line 4: tag 'B-GPE' was not among the training tags" in err
    code, _, err = call(capsys, "train", "tag", "--epochs", "1")
    assert code == 2 and "'dataset'" in err and len(err.strip().splitlines()) == 1


@pytest.mark.slow
def test_real_pku_seg_beats_jieba(tmp_path):
    run_dir, final = train_task(*load_config("tag", {"dataset": "pku-seg", "epochs": "1"}),
                                run_dir=tmp_path / "run", quiet=True)
    assert final["test_word_f1"] > final["jieba_word_f1"]
    assert "".join(segment(run_dir, "我爱北京天安门")) == "我爱北京天安门"


@pytest.mark.slow
@pytest.mark.parametrize("dataset, metric, target", [("pku-seg", "test_word_f1", 0.95),
                                                      ("pku-pos", "test_token_acc", 0.96),
                                                      ("pku-ner", "test_entity_f1", 0.88)])
def test_real_default_runs_reach_the_targets(tmp_path, dataset, metric, target):
    """The default jobs of benchmarks/TASKS.md (about 15 minutes each on one core)."""
    _, final = train_task(*load_config("tag", {"dataset": dataset}), run_dir=tmp_path / "run", quiet=True)
    assert final[metric] >= target
    if dataset == "pku-seg":
        assert final["test_word_f1"] >= final["jieba_word_f1"] + 0.10


def test_a_run_that_loses_to_the_baseline_delivers_the_model_with_its_counts(tmp_path, capsys):
    """A model trained one epoch on a few sentences tags worse than each word's most frequent tag; the run's
    tags add the baseline's ln p(tag | word) to the model's scores at the weight validation chooses, and
    predict and evaluate give the run's tags. `--blend false` keeps the model's own."""
    rng = random.Random(3)
    lexicon = {f"w{i}": f"T{i % 6}" for i in range(60)}
    words = sorted(lexicon)

    def sentences(n):
        return [[(w, lexicon[w]) for w in rng.sample(words, rng.randint(5, 8))] for _ in range(n)]

    for name, n in (("train", 60), ("valid", 20), ("test", 20)):
        (tmp_path / f"{name}.conll").write_text(conll(sentences(n)))
    flags = {"data": str(tmp_path / "train.conll"), "valid_data": str(tmp_path / "valid.conll"),
             "test_data": str(tmp_path / "test.conll"), "epochs": "1", "lr": "0.001"}
    run_dir, final = train(flags, tmp_path / "run")
    assert final["test_token_acc_model"] < final["most_frequent_tag_token_acc"]
    assert final["baseline_weight"] > 0 and final["test_token_acc"] >= final["most_frequent_tag_token_acc"]
    assert (run_dir / "tag_counts.json").is_file()
    report = (run_dir / "report.md").read_text()
    assert "| the model alone |" in report and "## The run's tags" in report
    code, out, _ = call(capsys, "evaluate", run_dir)
    assert code == 0 and f"token_acc: {final['test_token_acc']:.4f}" in out
    (tmp_path / "new.txt").write_text("w1 w2 w3\n")
    code, out, _ = call(capsys, "predict", run_dir, "--input", tmp_path / "new.txt")
    assert code == 0 and json.loads(out)["tags"] == [lexicon["w1"], lexicon["w2"], lexicon["w3"]]
    run_dir, plain = train({**flags, "blend": "false"}, tmp_path / "plain")
    assert plain["test_token_acc"] == final["test_token_acc_model"] and "baseline_weight" not in plain
    assert not (run_dir / "tag_counts.json").exists()


def test_the_baseline_counts_as_a_distribution(tmp_path):
    """p(tag | token): a seen token's most frequent tag on top, rows that sum to 1, an unseen token the tags'
    overall shares (add-one smoothed), and a save/load round trip."""
    from rnnkit.tasks.tag.baselines import TagCounts

    counts = TagCounts.count([["a", "b", "a"], ["b"]], [[0, 1, 0], [2]], 4)
    probs = np.exp(counts.log_probs(["a", "b", "zz"]))
    assert np.allclose(probs.sum(1), 1) and probs[0].argmax() == 0 and probs[1][1] == probs[1][2]
    assert np.allclose(probs[2], (np.array([2, 1, 1, 0]) + 1) / 8)
    path = tmp_path / "counts.json"
    TagCounts(counts.num_tags, counts.tokens, counts.overall, 2.0).save(path)
    back = TagCounts.load(path)
    assert back.weight == 2.0 and np.array_equal(back.log_probs(["a", "b", "zz"]), counts.log_probs(["a", "b", "zz"]))
