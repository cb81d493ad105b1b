"""The bad-input suite: a user's mistakes, through the real command line, across every command (train with
each task, evaluate, predict, summary, datasets) and every reader (CSV, TSV, JSONL, Parquet, NPZ, NPY,
config JSON and YAML, run folders). Each must end with exit code 2 and ONE line on stderr naming the file,
row or field and what was expected, without a traceback, and leave every existing run folder as it was
(checksums of every file before and after each case). Most cases run in-process (`rnnkit.cli.main.main`);
`test_a_representative_set_in_subprocesses` runs a sample through `python -m rnnkit` itself. OS refusals
(a read-only folder, a full disk) end the same way.

The newer tasks (tag, lm, seq2seq, forecast, classify-series) have a tiny trained run each in the same
folder, and their readers' mistakes (CoNLL columns and schemes, empty texts, pair files, NaN/inf and gaps in
series, malformed .ts files) and options (--beam 0, --temperature -1, --length 0) are cases like the rest.

`CASES` is the table of record: README's reliability section reports its length."""
from __future__ import annotations

import errno
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from safetensors.torch import load_file, save_file

from rnnkit.cli.main import main
from rnnkit.tasks import load_config
from rnnkit.tasks import train as train_task
from testkit import call_cli, subprocess_env
from testkit.tiny_models import first_token_task
from testkit.tiny_tasks import TASKS as TINY_TASKS, as_overrides

TEXTS = [(f"{'good fine lovely' if i % 2 else 'bad awful dull'} {i}", "pos" if i % 2 else "neg") for i in range(40)]
TINY_TEXT = ["--epochs", "1", "--quiet", "--second-view", "none", "--embedding-init", "random", "--hidden-size",
             "4", "--embedding-dim", "4", "--fast", "loop"]
ARRAYS_CONFIG = {"task": "arrays", "data": "arrays.npz", "model": {"name": "tiny_lstm_classifier", "hidden": 4},
                 "imports": ["testkit.tiny_models"], "epochs": 1}
TEN_MB = "x" * 10_000_000


def csv_text(rows=TEXTS, header="text,label"):
    return header + "\n" + "".join(f"{t},{l}\n" for t, l in rows)


def write_inputs(d: Path) -> None:
    """Every bad (and the few good) input files the cases name, in one folder."""
    files: dict[str, bytes | str] = {
        "good.csv": csv_text(),
        "good.txt": "good fine\nbad awful\n",
        # CSV/TSV
        "empty.csv": "",
        "header-only.csv": "text,label\n",
        "blank.csv": "\n\n  \n",
        "no-text-col.csv": csv_text([("1", "pos"), ("2", "neg")], header="id,label"),  # nothing reads as texts
        "no-label-col.csv": csv_text([(t, str(i)) for i, (t, _) in enumerate(TEXTS)], header="text,code"),  # no labels
        "empty-text.csv": "text,label\ngood,pos\n ,neg\n",
        "empty-label.csv": "text,label\ngood,pos\nbad,\n",
        "nan-label.csv": "text,label\ngood,pos\nbad,NaN\nfine,pos\n",
        "na-label.csv": "text,label\ngood,pos\nbad,NA\n",
        "four-fields.csv": "text,label\na,b,c,d\nbad movie,neg\n",
        "short-row.csv": "text,label\ngood,pos\nlonely\n",
        "trailing-comma.csv": "text,label\ngood,pos\nbad,neg,\n",
        "latin1.csv": "text,label\ncaf\xe9,pos\nbad,neg\n".encode("latin-1"),
        "one-label.csv": "text,label\ngood,pos\nfine,pos\n",
        "score-labels.csv": "text,label\n" + "".join(f"text {i},{i / 7:.4f}\n" for i in range(30)),
        "unclosed-quote.csv": 'text,label\n"good,pos\nbad,neg\n',
        "ten-mb-line.csv": TEN_MB,
        "unseen-label.csv": "text,label\ngood,pos\nbad,meh\n",
        "ragged.tsv": "text\tlabel\ngood\tpos\tx\n",
        "no-label-col.tsv": "text\tcode\ngood\t5\n",
        "data.docx": "not a table",
        "noext": "text,label\ngood,pos\n",
        # JSON Lines
        "broken.jsonl": '{"text": "good", "label": "pos"}\n{"text": "bad", "label"\n',
        "array-line.jsonl": '{"text": "good", "label": "pos"}\n[1, 2]\n',
        "null-label.jsonl": '{"text": "good", "label": "pos"}\n{"text": "bad", "label": null}\n',
        "nan-label.jsonl": '{"text": "good", "label": "pos"}\n{"text": "bad", "label": NaN}\n',
        "missing-key.jsonl": '{"text": "good", "label": "pos"}\n{"text": "bad"}\n',
        "empty-text.jsonl": '{"text": "good", "label": "pos"}\n{"text": "", "label": "neg"}\n',
        "ten-mb-line.jsonl": "{" + TEN_MB,
        # Parquet
        "garbage.parquet": b"PAR1 this is not parquet at all",
        "truncated.parquet": b"",  # written below from a good one
        # NPZ / NPY
        "not-a-zip.npz": b"hello, not a zip",
        "truncated.npz": b"",  # written below
        "garbage.npy": b"\x00\x01 not an array",
        "truncated.npy": b"",  # written below
        "latin1.jsonl-rows": b"",  # unused placeholder name, overwritten below
        # config JSON / YAML
        "list.json": "[1, 2]",
        "broken.json": '{"task": "arrays", ',
        "not-utf8.json": b'{"task": "arr\xffays"}',
        "no-task.json": json.dumps({"epochs": 1}),
        "unknown-task.json": json.dumps({"task": "translate"}),
        "unknown-key.json": json.dumps({**ARRAYS_CONFIG, "epoch": 3}),
        "bad-type.json": json.dumps({**ARRAYS_CONFIG, "epochs": "three"}),
        "negative-hidden.json": json.dumps({**ARRAYS_CONFIG, "model": {"name": "tiny_lstm_classifier", "hidden": -4}}),
        "no-model.json": json.dumps({**ARRAYS_CONFIG, "model": {}}),
        "unknown-model.json": json.dumps({**ARRAYS_CONFIG, "model": {"name": "transformer"}}),
        "model-kwarg.json": json.dumps({**ARRAYS_CONFIG, "model": {"name": "tiny_lstm_classifier", "hiden": 4}}),
        "bad-import.json": json.dumps({**ARRAYS_CONFIG, "imports": ["no_such_module_xyz"]}),
        "huge-model.json": json.dumps({**ARRAYS_CONFIG, "model": {"name": "tiny_lstm_classifier", "hidden": 10**12}}),
        "ten-mb-line.json": "{" + TEN_MB,
        "list.yaml": "- task\n- arrays\n",
        "broken.yaml": "task: arrays\nmodel: {name: [\n",
        "tab-indent.yaml": "task: arrays\n\tepochs: 2\n",
        "bad-type.yaml": "task: arrays\ndata: arrays.npz\nmodel: {name: tiny_lstm_classifier}\nepochs: three\n",
        "text-dropout.yaml": "task: classify\ndata: good.csv\ndropout: 1.5\n",
        "mnist-limit.json": json.dumps({"task": "mnist", "limit": 0}),
        # predict inputs
        "empty.txt": "\n  \n",
        "latin1.txt": "caf\xe9\n".encode("latin-1"),
        "notes.txt.gz": gzip.compress(b"a compressed text\n" * 20),  # probes4: a changelog.Debian.gz given as text
        "ragged-rows.jsonl": "[1, 2, 3]\n[1, 2]\n",
        "words-rows.jsonl": '["a", "b"]\n',
        "ten-mb-rows.jsonl": "[" + TEN_MB,
        "afile": "a file where a folder is expected",
        # tag: CoNLL columns and word/TAG files
        "cols.conll": "John\tB-PER\nlives\tO\textra\n",
        "one-col.conll": "John\nlives\tO\n",
        "empty.conll": "",
        "blank.conll": "\n\n\n",
        "mixed.conll": "a\tB-X\nb\tI-X\n\nc\tB-X\nd\tM-X\n",
        "unseen-tag.conll": "John\tB-PER\nin\tO\n\nRome\tB-GPE\n",
        "latin1.conll": "caf\xe9\tO\n".encode("latin-1"),
        # lm: text files
        "zero.txt": "",
        # seq2seq: pair files
        "pairs-no-target.tsv": "source\tphon\nab\tba\n",
        "pairs-empty-target.tsv": "source\ttarget\nab\t\n",
        "pairs-empty-source.tsv": "source\ttarget\n\tba\n",
        "pairs-space-source.tsv": "source\ttarget\nab\tba\n\u2003\tEM SPACE\n",
        "noblank.conll": "".join(f"w{i}\t{'B-X' if i % 5 else 'O'}\n" for i in range(1001)),
        "only-o.conll": "a\tO\nb\tO\n\nc\tO\n",
        "multilabel.jsonl": '{"text": "good", "label": "pos"}\n{"text": "bad", "label": ["neg", "meh"]}\n',
        "no-upos.conllu": "# sent_id = 1\n1\tHi\thi\t_\t_\t_\t0\troot\t_\t_\n",
        "short.conllu": "1\tHi\thi\tINTJ\n",
        "pairs-short-row.tsv": "source\ttarget\nab\n",
        "pairs-empty.tsv": "",
        "pairs-broken.jsonl": '{"source": "ab", "target": "ba"}\n{"source": "ab"\n',
        # forecast: series (24 hourly rows, one thing wrong in each)
        **{f"series-{name}.csv": "ts,load\n" + "".join(f"2024-01-01T{h:02d}:00,{value(h)}\n" for h in range(24) if keep(h))
           for name, value, keep in [
               ("nan", lambda h: "nan" if h == 5 else h, lambda h: True),
               ("inf", lambda h: "inf" if h == 5 else h, lambda h: True),
               ("minus-inf", lambda h: "-inf" if h == 9 else h, lambda h: True),
               ("gap", lambda h: h, lambda h: h != 7),
               ("text", lambda h: "abc" if h == 23 else h, lambda h: True),
               ("short", lambda h: h, lambda h: h < 5)]},
        "series-bad-time.csv": "ts,load\nyesterday,1\n2024-01-01T01:00,2\n2024-01-01T02:00,3\n",
        "series-unsorted.csv": "ts,load\n2024-01-01T00:00,1\n2024-01-01T02:00,2\n2024-01-01T01:00,3\n",
        "series-repeated.csv": "ts,load\n2024-01-01T00:00,1\n2024-01-01T01:00,2\n2024-01-01T01:00,3\n",
        # classify-series: .ts files
        "no-data-line.ts": "@univariate true\n@classLabel true up down\n1,2:up\n",
        "dims.ts": "@univariate false\n@classLabel true up down\n@data\n1,2:3,4:up\n1,2:down\n",
        "unknown-class.ts": "@univariate true\n@classLabel true up down\n@data\n1,2:up\n1,2:left\n",
        "words.ts": "@univariate true\n@classLabel true up down\n@data\n1,x:up\n",
        "empty.ts": "",
        "header-only.ts": "@univariate true\n@classLabel true up down\n@data\n",
        "bad-flag.ts": "@univariate maybe\n@classLabel true up down\n@data\n1,2:up\n",
        "no-colon.ts": "@univariate true\n@classLabel true up down\n@data\n1,2,3\n",
        "latin1.ts": "@problemName caf\xe9\n@data\n".encode("latin-1"),
        "inf.ts": "@univariate true\n@classLabel true up down\n@data\n1,inf:up\n1,2:down\n",
        "two-channels.ts": "@univariate false\n@classLabel true up down\n@data\n1,2,3:4,5,6:up\n",
        "regression.ts": "@univariate true\n@targetLabel true\n@data\n1,2:0.5\n1,3:0.7\n",
        # classify-series: the UCR archive's .tsv (label, then values) and ARFF
        "words.tsv": "up\t1\t2\ndown\t3\tx\n",
        "no-values.tsv": "up\t1\t2\ndown\tNaN\tNaN\n",
        "unknown-class.tsv": "up\t1\t2\nleft\t3\t4\n",
        "weka.arff": "@relation x\n@attribute a numeric\n@attribute c {p,q}\n@data\n1,p\n2,r\n",
        # tag: a CoNLL-2003 file (four columns) with a short line; forecast: step numbers for times;
        # classify: a label<TAB>text file without its header row
        "docstart.conll": "-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP\n",
        "series-steps.csv": "ts,load\n0,1\n1,2\n2,3\n3,4\n",
        "series-two.csv": "ts,load,temp\n" + "".join(f"2024-01-01T{h:02d}:00,{h % 5},{h % 3}\n" for h in range(24)),
        "series-unlabelled.csv": "t0,t1,t2\n1,2,3\n4,5,6\n",
        "series-long.csv": "unique_id,ts,load\n" + "".join(f"{k},200{i},{i}\n" for k in "AB" for i in range(6)),
        "headerless.tsv": "pos\tgood fine\nneg\tbad awful\n",
    }
    for name, content in files.items():
        (d / name).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    pd.DataFrame({"text": ["good", "bad"], "code": [1, 2]}).to_parquet(d / "no-label-col.parquet")
    pd.DataFrame({"text": ["good", None, "fine"], "label": ["pos", "neg", "pos"]}).to_parquet(d / "null-text.parquet")
    good = (d / "no-label-col.parquet").read_bytes()
    (d / "truncated.parquet").write_bytes(good[: len(good) // 2])
    x, y = first_token_task(64)
    np.savez(d / "arrays.npz", x_train=x, y_train=y, x_test=x[:16], y_test=y[:16])
    np.savez(d / "no-x-train.npz", x_valid=x, y_valid=y)
    np.savez(d / "no-y-train.npz", x_train=x)
    np.savez(d / "short-y.npz", x_train=x, y_train=y[:-3])
    np.savez(d / "objects.npz", x_train=np.array([[1], [1, 2]], dtype=object), y_train=y[:2])
    np.savez(d / "mnist-wrong-shape.npz", x_train=np.zeros((8, 10), np.float32), y_train=np.zeros(8, np.int64))
    np.savez(d / "mnist-no-y.npz", x_train=np.zeros((8, 784), np.float32))
    good = (d / "arrays.npz").read_bytes()
    (d / "truncated.npz").write_bytes(good[: len(good) // 2])
    np.save(d / "x.npy", x[:3])
    np.save(d / "images.npy", np.zeros((2, 10), np.float32))
    (d / "truncated.npy").write_bytes((d / "x.npy").read_bytes()[:100])
    np.savez(d / "empty.npz")
    (d / "latin1.jsonl-rows").unlink()


def damage_runs(d: Path, run: Path) -> None:
    """Damaged copies of the trained text run: run folders someone else might hand over."""
    def copy(name):
        shutil.copytree(run, d / name)
        return d / name

    def edit_config(name, change):
        path = copy(name) / "config.json"
        config = json.loads(path.read_text())
        change(config)
        path.write_text(json.dumps(config))

    def edit_weights(name, change):
        path = copy(name) / "model.safetensors"
        tensors = load_file(path)
        change(tensors)
        save_file(tensors, path)

    (d / "not-a-run").mkdir()
    (d / "not-a-run" / "notes.txt").write_text("hello")
    edit_config("run-newer", lambda c: c.update(format_version=99, rnnkit_version="42.0.0"))
    edit_config("run-no-task", lambda c: c.pop("task"))
    edit_config("run-model-list", lambda c: c.update(model=[1]))
    edit_config("run-task-config-list", lambda c: c.update(task_config=[1]))
    edit_config("run-other-task", lambda c: c.update(task="arrays"))
    edit_config("run-bad-maxlen", lambda c: c["task_config"].update(maxlen=-3))
    edit_config("run-huge-model", lambda c: c["model"].update(hidden_size=10**7))
    edit_config("run-shared-unknown", lambda c: c["model"].update(from_task_config=["cell", "no_such_setting"]))
    edit_config("run-shared-text", lambda c: c["model"].update(from_task_config="cell"))
    copy("run-config-list") .joinpath("config.json").write_text("[1, 2]")
    copy("run-config-broken").joinpath("config.json").write_text('{"task": ')
    truncated = copy("run-truncated") / "model.safetensors"
    truncated.write_bytes(truncated.read_bytes()[:200])
    torch.save({"embedding.weight": torch.zeros(3)}, copy("run-pickled") / "model.safetensors")
    (copy("run-no-weights") / "model.safetensors").unlink()
    edit_weights("run-wrong-shape", lambda t: t.update({"embedding.weight": torch.zeros(3, 3)}))
    edit_weights("run-wrong-dtype", lambda t: t.update({"embedding.weight": t["embedding.weight"].double()}))
    edit_weights("run-extra-tensor", lambda t: t.update({"evil": torch.zeros(1)}))
    (copy("run-no-vocab") / "vocab.json").unlink()
    (copy("run-bad-labels") / "labels.json").write_text('{"labels": 3}')
    (copy("run-short-labels") / "labels.json").write_text('{"labels": ["neg"]}')
    (copy("run-long-labels") / "labels.json").write_text('{"labels": ["neg", "pos", "meh"]}')


# (id, command line with {run}: the trained text run, {arun}: the trained arrays run, needle in the one line)
CASES = [
    # train classify: the reader's mistakes in the training file
    ("csv-empty", "train classify --data empty.csv", "empty.csv: the file is empty"),
    ("csv-header-only", "train classify --data header-only.csv", "header-only.csv: no data rows"),
    ("csv-blank-lines", "train classify --data blank.csv", "blank.csv: the file is empty"),
    ("csv-no-text-col", "train classify --data no-text-col.csv", "no column 'text'; available columns: id, label"),
    ("csv-no-label-col", "train classify --data no-label-col.csv", "no column 'label'; available columns: text, code"),
    ("csv-empty-text", "train classify --data empty-text.csv", "empty-text.csv: row 2, column 'text': empty text"),
    ("csv-empty-label", "train classify --data empty-label.csv", "row 2, column 'label': empty label"),
    ("csv-nan-label", "train classify --data nan-label.csv", "row 2, column 'label': missing label ('NaN')"),
    ("csv-na-label", "train classify --data na-label.csv", "row 2, column 'label': missing label ('NA')"),
    ("csv-four-fields", "train classify --data four-fields.csv", "four-fields.csv: row 1: 4 fields, expected 2"),
    ("csv-short-row", "train classify --data short-row.csv", "short-row.csv: row 2: 1 field, expected 2"),
    ("csv-trailing-comma", "train classify --data trailing-comma.csv", "row 2: 3 fields, expected 2"),
    ("csv-latin1", "train classify --data latin1.csv", "latin1.csv: line 2, byte offset 14: bytes e9"),
    ("csv-one-label", "train classify --data one-label.csv", "has only one label ('pos')"),
    ("csv-score-labels", "train classify --data score-labels.csv",
     "column 'label': 30 distinct numbers such as '0.1429' among 30 texts: a score, not classes"),
    ("csv-unclosed-quote", "train classify --data unclosed-quote.csv", "is a quote opened on line 2 never closed?"),
    ("csv-10mb-line", "train classify --data ten-mb-line.csv", "ten-mb-line.csv: no data rows"),
    ("csv-unknown-label-in-test", "train classify --data good.csv --test-data unseen-label.csv",
     "unseen-label.csv: row 2, column 'label': unknown label 'meh'; the model knows: neg, pos"),
    ("csv-wrong-text-col-flag", "train classify --data good.csv --text-col review", "no column 'review'"),
    ("csv-unknown-encoding", "train classify --data good.csv --encoding klingon", "unknown encoding 'klingon'"),
    ("csv-unknown-format-flag", "train classify --data good.csv --format xlsx", "format 'xlsx' is not one of"),
    ("tsv-ragged", "train classify --data ragged.tsv", "ragged.tsv: row 1: 3 fields, expected 2"),
    ("tsv-no-label-col", "train classify --data no-label-col.tsv", "no column 'label'; available columns: text, code"),
    ("unknown-extension", "train classify --data data.docx", "data.docx: unknown file type '.docx'"),
    ("no-extension", "train classify --data noext", "noext: unknown file type '(no extension)'"),
    ("missing-data-file", "train classify --data nowhere.csv", "'data' (--data): nowhere.csv: file not found"),
    ("data-is-a-folder", "train classify --data arun", "arun: a folder; expected a folder per class holding a text"),
    ("series-data-is-a-folder", "train classify-series --data .", "'data' (--data): .: is a folder; expected a file"),
    ("missing-valid-file", "train classify --data good.csv --valid-data nowhere.tsv", "'valid_data' (--valid-data): nowhere.tsv"),
    ("jsonl-broken", "train classify --data broken.jsonl", "broken.jsonl: line 2: not valid JSON"),
    ("jsonl-array-line", "train classify --data array-line.jsonl", "line 2: expected a JSON object, got list"),
    ("jsonl-null-label", "train classify --data null-label.jsonl", "row 2, column 'label': empty label"),
    ("jsonl-nan-label", "train classify --data nan-label.jsonl", "row 2, column 'label': empty label"),
    ("jsonl-missing-key", "train classify --data missing-key.jsonl", "row 2, column 'label': empty label"),
    ("jsonl-empty-text", "train classify --data empty-text.jsonl", "row 2, column 'text': empty text"),
    ("jsonl-10mb-line", "train classify --data ten-mb-line.jsonl", "ten-mb-line.jsonl: line 1: not valid JSON"),
    ("parquet-garbage", "train classify --data garbage.parquet", "garbage.parquet: not a readable Parquet file"),
    ("parquet-truncated", "train classify --data truncated.parquet", "truncated.parquet: not a readable Parquet"),
    ("parquet-no-label-col", "train classify --data no-label-col.parquet", "no column 'label'"),
    ("parquet-null-text", "train classify --data null-text.parquet", "row 2, column 'text': empty text"),
    # train: options and overrides (checked before anything is read or written)
    ("flag-epochs-negative", "train classify --data good.csv --epochs -1", "config key 'epochs'"),
    ("flag-batch-size-zero", "train classify --data good.csv --batch-size 0", "config key 'batch_size'"),
    ("flag-dropout-1.5", "train classify --data good.csv --dropout 1.5", "config key 'dropout'"),
    ("flag-hidden-negative", "train classify --data good.csv --hidden-size -4", "config key 'hidden_size'"),
    ("flag-unknown-cell", "train classify --data good.csv --cell lstmm", "config key 'cell'"),
    ("flag-not-a-number", "train classify --data good.csv --lr fast", "config key 'lr'"),
    ("flag-negative-lr", "train classify --data good.csv --lr -0.1", "config key 'lr' (float or none): input should be greater than 0"),
    ("flag-negative-weight-decay", "train classify --data good.csv --weight-decay -1", "config key 'weight_decay'"),
    ("flag-misspelt-monitor", "train classify --data good.csv --keep-best true --monitor val_accuracy",
     "config key 'monitor': 'val_accuracy' is not a value training logs; expected one of val_loss, val_acc"),
    ("flag-monitor-unknown-metric", "train tag --data train.conll --early-stopping 2 --monitor val_f1",
     "config key 'monitor': 'val_f1' is not a value"),
    ("flag-unknown-pooling", "train classify --data good.csv --pooling median", "got 'median'"),
    ("flag-unknown-tokenizer", "train classify --data good.csv --tokenizer klingon", "config key 'tokenizer'"),
    ("flag-unknown-loss", "train classify --data good.csv --loss hinge", "loss='hinge' is not known"),
    ("flag-unknown-metric", "train classify --data good.csv --metrics accuracyy", "metric 'accuracyy' is not known"),
    ("flag-clip-zero", "train classify --data good.csv --clip-norm 0", "'clip_norm': expected a positive number or none, got 0.0"),
    ("flag-misspelt", "train classify --data good.csv --epoch 3", "--epoch"),
    ("set-no-equals", "train classify --data good.csv --set epochs", "--set 'epochs': expected key=value"),
    ("set-unknown-key", "train classify --data good.csv --set epoch=3", "unknown config key 'epoch'"),
    ("no-data-key", "train classify", "config key 'data' is required"),
    ("unknown-task", "train translate", "unknown task 'translate'"),
    ("run-dir-is-a-file", "train classify --data good.csv --run-dir afile", "--run-dir afile: is a file"),
    ("run-dir-under-a-file", "train classify --data good.csv --run-dir afile/run", "afile is a file"),
    ("run-dir-is-a-run", "train classify --data good.csv --run-dir {run}", "already holds a run; pass --resume"),
    ("resume-without-checkpoint", "train classify --data good.csv --resume --run-dir not-a-run",
     "not-a-run: no checkpoint to resume from"),
    # train sentiment and mnist
    ("sentiment-unknown-dataset", "train sentiment --dataset sst9", "config key 'dataset'"),
    ("sentiment-cache-under-a-file", "train sentiment --cache-dir afile/cache --epochs 1", "afile"),
    ("sentiment-vocab-too-small", "train sentiment --vocab-size 2", "config key 'vocab_size'"),
    ("mnist-data-not-a-zip", "train mnist --data not-a-zip.npz", "not-a-zip.npz: not a readable .npz file"),
    ("mnist-wrong-shape", "train mnist --data mnist-wrong-shape.npz", "expected images as (N, height, width)"),
    ("mnist-no-y", "train mnist --data mnist-no-y.npz", "needs arrays x_train and y_train"),
    ("mnist-chrono-gru", "train mnist --chrono-init true --cell gru", "config key 'chrono_init': needs cell='lstm'"),
    ("mnist-shift-too-far", "train mnist --max-shift 30", "config key 'max_shift'"),
    ("mnist-unknown-mode", "train mnist --mode columns", "config key 'mode'"),
    # train arrays: config files (JSON, YAML) and .npz data
    ("config-list", "train list.json", "list.json: expected a mapping of config keys"),
    ("config-broken-json", "train broken.json", "broken.json: not valid JSON"),
    ("config-not-utf8", "train not-utf8.json", "not-utf8.json: byte 13: not UTF-8 text"),
    ("config-no-task", "train no-task.json", "no-task.json: the config names no task"),
    ("config-unknown-task", "train unknown-task.json", "unknown task 'translate'"),
    ("config-unknown-key", "train unknown-key.json", "unknown config key 'epoch'"),
    ("config-bad-type", "train bad-type.json", "config key 'epochs'"),
    ("config-negative-hidden", "train negative-hidden.json", "config key 'model': cannot build it (Trying to create tensor with negative dimension -4"),
    ("config-no-model", "train no-model.json", "config key 'model' needs a registered model name"),
    ("config-unknown-model", "train unknown-model.json", "config key 'model': cannot build it"),
    ("config-model-kwarg", "train model-kwarg.json", "'hiden'"),
    ("config-bad-import", "train bad-import.json", "config key 'imports': cannot import 'no_such_module_xyz'"),
    ("config-10mb-line", "train ten-mb-line.json", "ten-mb-line.json: not valid JSON"),
    ("config-missing", "train nowhere.json", "nowhere.json: config file not found"),
    ("yaml-list", "train list.yaml", "list.yaml: expected a mapping of config keys"),
    ("yaml-broken", "train broken.yaml", "broken.yaml: not valid YAML"),
    ("yaml-tab", "train tab-indent.yaml", "tab-indent.yaml: not valid YAML"),
    ("yaml-bad-type", "train bad-type.yaml", "config key 'epochs'"),
    ("yaml-text-dropout", "train text-dropout.yaml", "config key 'dropout'"),
    ("config-mnist-limit", "train mnist-limit.json", "config key 'limit'"),
    ("npz-not-a-zip", "train arrays.json --data not-a-zip.npz", "not-a-zip.npz: not a readable .npz file"),
    ("npz-truncated", "train arrays.json --data truncated.npz", "truncated.npz: not a readable .npz file"),
    ("npz-no-x-train", "train arrays.json --data no-x-train.npz", "has no array 'x_train' (found x_valid, y_valid)"),
    ("npz-no-y-train", "train arrays.json --data no-y-train.npz", "has 'x_train' but no 'y_train'"),
    ("npz-short-y", "train arrays.json --data short-y.npz", "x_train has 64 rows but y_train has 61"),
    ("npz-objects", "train arrays.json --data objects.npz", "objects.npz: not a readable .npz file"),
    # evaluate
    ("evaluate-unseen-label", "evaluate {run} --data unseen-label.csv", "unknown label 'meh'; the model knows"),
    ("evaluate-no-label-col", "evaluate {run} --data no-label-col.csv", "no column 'label'"),
    ("jsonl-multilabel", "train classify --data multilabel.jsonl",
     "multilabel.jsonl: row 2, column 'label': a list of labels (['neg', 'meh']); expected one label per text"),
    ("evaluate-latin1-csv", "evaluate {run} --data latin1.csv",
     "latin1.csv: line 2, byte offset 14: bytes e9 are not valid utf-8; save the file as utf-8 or give its encoding "
     "(--encoding"),
    ("evaluate-no-test-set", "evaluate {run}", "the run has no test set; pass --data FILE"),
    ("evaluate-not-a-run", "evaluate not-a-run", "not-a-run/config.json: not a run folder"),
    ("evaluate-missing-run", "evaluate nowhere", "nowhere: run folder not found"),
    ("evaluate-arrays-bad-npz", "evaluate {arun} --data truncated.npz", "truncated.npz: not a readable .npz file"),
    # predict: inputs and outputs
    ("predict-empty-txt", "predict {run} --input empty.txt", "empty.txt: no text to classify"),
    ("predict-latin1-txt", "predict {run} --input latin1.txt", "latin1.txt: byte offset 3: not valid UTF-8"),
    ("predict-gzip", "predict {run} --input notes.txt.gz", "notes.txt.gz: a gzip-compressed file, not text"),
    ("predict-missing-input", "predict {run} --input nowhere.txt", "nowhere.txt: input file not found"),
    ("predict-csv-no-text-col", "predict {run} --input no-text-col.csv", "no column 'text'"),
    ("predict-text-col-missing", "predict {run} --input no-text-col.csv --text-col body",
     "no-text-col.csv: no column 'body'; available columns: id, label (--text-col names the column of texts"),
    ("predict-no-input-flag", "predict {run}", "--input"),
    ("predict-output-under-a-file", "predict {run} --input good.txt --output afile/out.csv", "afile"),
    ("predict-output-is-a-folder", "predict {run} --input good.txt --output not-a-run", "not-a-run"),
    ("predict-arrays-ragged", "predict {arun} --input ragged-rows.jsonl", "numeric JSON array of the same shape"),
    ("predict-arrays-words", "predict {arun} --input words-rows.jsonl", "numeric JSON array of the same shape"),
    ("predict-arrays-10mb-line", "predict {arun} --input ten-mb-rows.jsonl", "line 1 is not a JSON array"),
    ("predict-arrays-garbage-npy", "predict {arun} --input garbage.npy", "garbage.npy: not a readable .npy file"),
    ("predict-arrays-truncated-npy", "predict {arun} --input truncated.npy", "not a readable .npy file"),
    ("predict-arrays-empty-npz", "predict {arun} --input empty.npz", "empty.npz: holds no array"),
    ("predict-arrays-csv", "predict {arun} --input good.csv", "good.csv: line 1 is not a JSON array"),
    # predict / summary: run folders that are not runs, or damaged, or from a newer rnnkit
    ("predict-not-a-run", "predict not-a-run --input good.txt", "not-a-run/config.json: not a run folder"),
    ("predict-newer-format", "predict run-newer --input good.txt", "format 99; this rnnkit"),
    ("predict-no-task", "predict run-no-task --input good.txt", "run-no-task/config.json: names no task"),
    ("predict-config-list", "predict run-config-list --input good.txt", "expected a JSON object, got a JSON array"),
    ("predict-config-broken", "predict run-config-broken --input good.txt", "run-config-broken/config.json: invalid"),
    ("predict-model-list", "predict run-model-list --input good.txt", "key 'model' should be a JSON object or null"),
    ("predict-task-config-list", "predict run-task-config-list --input good.txt", "key 'task_config' should be a"),
    ("predict-other-task", "predict run-other-task --input good.txt", "run-other-task/config.json: unknown config key 'cell' for ArraysConfig"),
    ("predict-bad-maxlen", "predict run-bad-maxlen --input good.txt", "config key 'maxlen'"),
    ("predict-huge-model", "predict run-huge-model --input good.txt", "the model needs [30000000"),
    ("predict-shared-unknown", "predict run-shared-unknown --input good.txt",
     "run-shared-unknown/config.json: 'model.from_task_config' should list keys of 'task_config'"),
    ("evaluate-shared-text", "evaluate run-shared-text",
     "run-shared-text/config.json: 'model.from_task_config' should list keys of 'task_config', got 'cell'"),
    ("predict-truncated-weights", "predict run-truncated --input good.txt", "model.safetensors: not a readable"),
    ("predict-pickled-weights", "predict run-pickled --input good.txt", "model.safetensors: not a readable"),
    ("predict-no-weights", "predict run-no-weights --input good.txt", "model.safetensors: weights file not found"),
    ("predict-wrong-shape", "predict run-wrong-shape --input good.txt", "tensor 'embedding.weight' has shape [3, 3]"),
    ("predict-wrong-dtype", "predict run-wrong-dtype --input good.txt", "'embedding.weight' is torch.float64"),
    ("predict-extra-tensor", "predict run-extra-tensor --input good.txt", "tensor 'evil' is not in the model"),
    ("predict-no-vocab", "predict run-no-vocab --input good.txt", "vocab.json: vocabulary file not found"),
    ("predict-bad-labels", "predict run-bad-labels --input good.txt", "labels.json: not a rnnkit label map"),
    ("predict-short-labels", "predict run-short-labels --input good.txt",
     "run-short-labels/labels.json: 1 label(s) for a model of 2 classes"),
    ("predict-long-labels", "predict run-long-labels --input good.txt", "labels.json: 3 label(s) for a model of 2"),
    ("evaluate-short-labels", "evaluate run-short-labels --data good.csv", "1 label(s) for a model of 2 classes"),
    ("summary-not-a-run", "summary not-a-run", "not-a-run/config.json: not a run folder"),
    ("summary-newer-format", "summary run-newer", "format 99; this rnnkit"),
    ("summary-pickled-weights", "summary run-pickled", "model.safetensors: not a readable"),
    ("summary-broken-yaml", "summary broken.yaml", "broken.yaml: not valid YAML"),
    ("summary-missing", "summary nowhere.json", "nowhere.json: config file not found"),
    ("summary-negative-hidden", "summary negative-hidden.json", "config key 'model': cannot build it (Trying to create"),
    ("summary-unknown-model", "summary unknown-model.json", "config key 'model': cannot build it (unknown model"),
    ("summary-bad-import", "summary bad-import.json", "config key 'imports': cannot import 'no_such_module_xyz'"),
    ("summary-huge-model", "summary huge-model.json", "config key 'model': cannot build it"),
    # tag: CoNLL and word/TAG files, tags unseen at training, its predict options
    ("tag-three-columns", "train tag --data cols.conll", "cols.conll: line 2: found 3 column(s)"),
    ("tag-one-column", "train tag --data one-col.conll", "one-col.conll: line 1: found 1 column(s)"),
    ("tag-empty-file", "train tag --data empty.conll", "empty.conll: the file is empty"),
    ("tag-blank-file", "train tag --data blank.conll", "blank.conll: the file is empty"),
    ("tag-mixed-schemes", "train tag --data mixed.conll", "mixed.conll: line 5: tag 'M-X' mixes schemes"),
    ("tag-latin1", "train tag --data latin1.conll",
     "latin1.conll: line 1: not valid UTF-8 text; save the file as UTF-8 or give its encoding (--encoding latin-1"),
    ("tag-no-blank-lines", "train tag --data noblank.conll",
     "noblank.conll: the whole file is one sentence of 1,001 tokens; CoNLL files end each sentence with a blank line"),
    ("tag-one-tag", "train tag --data only-o.conll", "only-o.conll: every token has the tag 'O': nothing to learn"),
    ("tag-unknown-encoding", "train tag --data train.conll --encoding latin-9000", "unknown encoding 'latin-9000'"),
    ("tag-conllu-no-upos", "train tag --data no-upos.conllu",
     "no-upos.conllu: line 2: token 'Hi' has no UPOS tag (column 4)"),
    ("tag-conllu-four-columns", "train tag --data short.conllu",
     "short.conllu: line 1: found 4 tab-separated column(s) in '1\\tHi\\thi\\tINTJ'; expected 10 (CoNLL-U"),
    ("tag-missing-file", "train tag --data nowhere.conll", "nowhere.conll"),
    ("tag-no-data", "train tag --epochs 1", "'dataset'"),
    ("tag-unknown-scheme", "train tag --data train.conll --scheme IOB3", "config key 'scheme'"),
    ("tag-evaluate-unseen-tag", "evaluate tag-run --data unseen-tag.conll",
     "unseen-tag.conll: line 4: tag 'B-GPE' was not among the training tags"),
    ("tag-evaluate-three-columns", "evaluate tag-run --data cols.conll", "cols.conll: line 2: found 3 column(s)"),
    ("tag-predict-empty", "predict tag-run --input empty.txt", "empty.txt: the file is empty"),
    ("tag-predict-latin1", "predict tag-run --input latin1.txt", "latin1.txt: byte offset 3: not valid UTF-8"),
    ("tag-predict-gzip", "predict tag-run --input notes.txt.gz", "notes.txt.gz: a gzip-compressed file, not text"),
    ("tag-predict-unknown-format", "predict tag-run --input good.txt --format xml", "config key 'format'"),
    # lm: text files, generate's options
    ("lm-empty-train", "train lm --data zero.txt --valid-data good.txt", "zero.txt: the file is empty"),
    ("lm-blank-train", "train lm --data empty.txt --valid-data good.txt", "empty.txt: the file is empty"),
    ("lm-empty-valid", "train lm --data good.txt --valid-data zero.txt", "zero.txt: the file is empty"),
    ("lm-latin1", "train lm --data latin1.txt --valid-data good.txt",
     "latin1.txt: line 1, byte offset 3: bytes e9 are not valid utf-8 (invalid continuation byte); save the file as "
     "utf-8 or give its encoding (--encoding latin-1"),
    ("lm-gzip", "train lm --data notes.txt.gz --valid-data good.txt",
     "notes.txt.gz: a gzip-compressed file, not text; decompress it first (gunzip -k notes.txt.gz)"),
    ("lm-old-valid-flag", "train lm --data good.txt --valid good.txt", "config key 'valid' is now called 'valid_data' (--valid-data)"),
    ("lm-bptt-zero", "train lm --data good.txt --valid-data good.txt --bptt 0", "config key 'bptt'"),
    ("lm-unknown-level", "train lm --data good.txt --valid-data good.txt --level words", "config key 'level'"),
    ("lm-prompt-unknown-words", "generate lm-run --prompt zebra",
     "--prompt 'zebra': every word is outside the model's vocabulary ('zebra')"),
    ("lm-temperature-negative", "generate lm-run --temperature -1", "--temperature -1.0: expected a temperature >= 0"),
    ("lm-length-zero", "generate lm-run --length 0", "--length 0: expected a positive number of tokens"),
    ("lm-top-p-over-1", "generate lm-run --top-p 2", "--top-p 2.0: expected a probability in (0, 1]"),
    ("lm-top-k-zero", "generate lm-run --top-k 0", "--top-k 0: expected a positive number"),
    ("lm-generate-not-lm", "generate {run} --length 3", "generate needs a language model (lm)"),
    ("lm-generate-missing-run", "generate nowhere", "nowhere: run folder not found"),
    ("lm-evaluate-empty", "evaluate lm-run --data zero.txt", "zero.txt: the file is empty"),
    ("lm-predict", "predict lm-run --input good.txt", "a language model predicts by generating text: rnnkit generate lm-run"),
    # seq2seq: pair files, decoding options
    ("s2s-no-target-column", "train seq2seq --data pairs-no-target.tsv", "no column 'target'; available columns: source, phon"),
    ("s2s-empty-target", "train seq2seq --data pairs-empty-target.tsv", "row 1, column 'target': empty target"),
    ("s2s-empty-source", "train seq2seq --data pairs-empty-source.tsv", "row 1, column 'source': empty source"),
    ("s2s-whitespace-source", "train seq2seq --data pairs-space-source.tsv",
     "row 2, column 'source': empty source (only whitespace, U+2003: no token to read)"),
    ("s2s-short-row", "train seq2seq --data pairs-short-row.tsv", "pairs-short-row.tsv: row 1: 1 field, expected 2"),
    ("s2s-empty-file", "train seq2seq --data pairs-empty.tsv", "pairs-empty.tsv: the file is empty"),
    ("s2s-broken-jsonl", "train seq2seq --data pairs-broken.jsonl", "pairs-broken.jsonl: line 2: not valid JSON"),
    ("s2s-empty-test-target", "train seq2seq --data pairs.tsv --test-data pairs-empty-target.tsv",
     "pairs-empty-target.tsv: row 1, column 'target': empty target"),
    ("s2s-beam-zero", "predict s2s-run --input good.txt --beam 0", "config key 'beam'"),
    ("s2s-nbest-over-beam", "predict s2s-run --input good.txt --beam 2 --nbest 3", "nbest=3"),
    ("s2s-predict-empty", "predict s2s-run --input empty.txt", "empty.txt: nothing to decode"),
    ("s2s-predict-latin1", "predict s2s-run --input latin1.txt", "latin1.txt: byte offset 3: not valid UTF-8"),
    ("s2s-predict-gzip", "predict s2s-run --input notes.txt.gz", "notes.txt.gz: a gzip-compressed file, not text"),
    ("s2s-evaluate-no-target-column", "evaluate s2s-run --data pairs-no-target.tsv", "no column 'target'"),
    # forecast: NaN/inf, gaps, times and lengths in series
    ("fc-nan", "train forecast --data series-nan.csv --time-col ts --target-col load --lookback 4",
     "series-nan.csv: 1 missing values, the first at 2024-01-01 05:00:00; pass --fill"),
    ("fc-inf", "train forecast --data series-inf.csv --time-col ts --target-col load --lookback 4",
     "series-inf.csv: row 6, column 'load': 'inf' is not a finite number"),
    ("fc-minus-inf", "train forecast --data series-minus-inf.csv --time-col ts --target-col load --lookback 4",
     "row 10, column 'load': '-inf' is not a finite number"),
    ("fc-gap", "train forecast --data series-gap.csv --time-col ts --target-col load --lookback 4",
     "series-gap.csv: 1 missing time stamps (first 2024-01-01 07:00:00)"),
    ("fc-text-value", "train forecast --data series-text.csv --time-col ts --target-col load",
     "row 24, column 'load': 'abc' is not a number"),
    ("fc-bad-time", "train forecast --data series-bad-time.csv --time-col ts --target-col load",
     "row 1, column 'ts': 'yesterday' is not a date/time"),
    ("fc-unsorted", "train forecast --data series-unsorted.csv --time-col ts --target-col load",
     "row 3: time 2024-01-01 01:00:00 comes before row 2's"),
    ("fc-repeated-time", "train forecast --data series-repeated.csv --time-col ts --target-col load",
     "row 3: time 2024-01-01 01:00:00 repeats row 2's"),
    # a lookback given that the series cannot hold (without one, the run picks one that fits: issue 25)
    ("fc-too-short", "train forecast --data series-gap.csv --time-col ts --target-col load --fill ffill --lookback 24",
     "the series has 24 steps of h"),
    ("fc-no-target-col", "train forecast --data series-two.csv --time-col ts",
     "series-two.csv: which column to forecast? give --target-col (numeric columns: load, temp)"),
    ("fc-wrong-target-col", "train forecast --data series-nan.csv --time-col ts --target-col price",
     "no column 'price'; available columns: ts, load"),
    ("fc-unknown-fill", "train forecast --data series-nan.csv --target-col load --fill mean", "config key 'fill'"),
    ("fc-predict-inf", "predict fc-run --input series-inf.csv", "row 6, column 'load': 'inf' is not a finite number"),
    ("fc-predict-nan", "predict fc-run --input series-nan.csv", "1 missing values"),
    ("fc-predict-gap", "predict fc-run --input series-gap.csv", "1 missing time stamps"),
    ("fc-predict-short", "predict fc-run --input series-short.csv", "5 steps; the model reads the last 24"),
    ("fc-evaluate-inf", "evaluate fc-run --data series-minus-inf.csv", "'-inf' is not a finite number"),
    # classify-series: malformed .ts files
    ("ts-data-before-header-end", "train classify-series --data no-data-line.ts",
     "no-data-line.ts: line 3: data before the @data line"),
    ("ts-dimensions", "train classify-series --data dims.ts", "dims.ts: line 5: 1 dimension(s), expected 2"),
    ("ts-unknown-class", "train classify-series --data unknown-class.ts",
     "unknown-class.ts: line 5: class label 'left' is not one of @classLabel's"),
    ("ts-not-a-number", "train classify-series --data words.ts", "words.ts: line 4: 'x' is not a number"),
    ("ts-empty", "train classify-series --data empty.ts", "empty.ts: no @data line"),
    ("ts-header-only", "train classify-series --data header-only.ts", "header-only.ts: no series after the @data line"),
    ("ts-bad-flag", "train classify-series --data bad-flag.ts", "bad-flag.ts: line 1: @univariate must be followed by"),
    ("ts-no-label", "train classify-series --data no-colon.ts", "no-colon.ts: line 4: 0 dimension(s), expected 1"),
    ("ts-latin1", "train classify-series --data latin1.ts", "latin1.ts: byte offset 16: not valid UTF-8"),
    ("ts-inf", "train classify-series --data inf.ts", "inf.ts: line 4: 'inf' is not a finite number"),
    ("ts-old-test-flag", "train classify-series --data train.ts --test train.ts",
     "config key 'test' is now called 'test_data' (--test-data)"),
    ("ts-unknown-class-in-test", "train classify-series --data train.ts --test-data unknown-class.ts",
     "unknown-class.ts: line 5: class label 'left'"),
    ("ts-predict-not-a-number", "predict cs-run --input words.ts", "words.ts: line 4: 'x' is not a number"),
    ("ts-predict-channels", "predict cs-run --input two-channels.ts",
     "two-channels.ts: its series have 2 channel(s), the model was trained on 1"),
    ("ts-evaluate-unknown-class", "evaluate cs-run --data unknown-class.ts", "class label 'left'"),
    ("ts-regression-file", "train classify-series --data regression.ts",
     "regression.ts: a regression file (@targetLabel true"),
    ("tsv-series-not-a-number", "train classify-series --data words.tsv", "words.tsv: line 2: 'x' is not a number"),
    ("tsv-series-no-values", "train classify-series --data no-values.tsv", "no-values.tsv: line 2: a case with no values"),
    ("tsv-series-evaluate-unknown-class", "evaluate cs-run --data unknown-class.tsv",
     "unknown-class.tsv: line 2: class label 'left'"),
    ("tsv-series-predict-not-a-number", "predict cs-run --input words.tsv", "words.tsv: line 2: 'x' is not a number"),
    ("arff-series", "train classify-series --data weka.arff", "weka.arff: not read as ARFF: r value not in"),
    ("tag-conll2003-short-line", "train tag --data docstart.conll",
     "docstart.conll: line 4: found 3 column(s) in 'rejects VBZ B-VP'; expected 4 columns as the first line"),
    ("fc-step-numbers", "train forecast --data series-steps.csv --time-col ts --target-col load",
     "row 1, column 'ts': '0' is not a date/time; a column of step numbers is not read"),
    ("csv-series-no-labels", "train classify-series --data series-unlabelled.csv",
     "series-unlabelled.csv: has no class labels, which training needs"),
    ("fc-several-series", "train forecast --data series-long.csv --time-col ts --target-col load --series-col none",
     "series-long.csv: the file holds 2 series, one per value of column 'unique_id'"),
    ("fc-panel-too-short", "train forecast --data series-long.csv --time-col ts --target-col load",
     "series-long.csv: no series is long enough for lookback 1 + horizon 1"),
    ("tsv-headerless", "train classify --data headerless.tsv",
     "no column 'text'; available columns: pos, good fine (the first row is read as the header"),
    # usage mistakes: one line as well, not click's usage block; a misspelt name gets the closest ones only
    ("usage-extra-argument", "generate lm-run --prompt zebra okapi",
     "rnnkit generate: Got unexpected extra argument(s) (okapi); see rnnkit generate --help"),
    ("usage-unknown-option", "evaluate {run} --bogus", "rnnkit evaluate: no such option '--bogus'; see rnnkit evaluate --help"),
    ("usage-missing-argument", "summary", "rnnkit summary: Missing argument 'TARGET'"),
    ("usage-misspelt-command", "evaulate {run}", "rnnkit: no such command 'evaulate'; did you mean 'evaluate'?"),
    ("usage-misspelt-subcommand", "datasets lst", "rnnkit datasets: no such command 'lst'; did you mean 'list'?"),
    ("usage-misspelt-option", "evaluate {run} --jsn", "rnnkit evaluate: no such option '--jsn'; did you mean '--json'?"),
    ("usage-misspelt-task-option", "train classify --data good.csv --epoch 1",
     "rnnkit train classify: no such option '--epoch'; did you mean '--epochs'?"),
    ("usage-misspelt-task", "train clasify --data good.csv", "unknown task 'clasify'; did you mean 'classify'?"),
    ("usage-not-an-integer", "generate lm-run --length many", "Invalid value for '--length'"),
    # datasets
    ("datasets-info-unknown", "datasets info imdbb", "imdbb"),
    ("datasets-fetch-unknown", "datasets fetch imdbb", "imdbb"),
    ("datasets-fetch-cache-under-a-file", "datasets fetch imdb --cache-dir afile/cache", "afile"),
]
SUBPROCESS_SAMPLE = ["csv-nan-label", "csv-four-fields", "predict-pickled-weights",
                     "predict-newer-format", "run-dir-under-a-file",
                     "tag-mixed-schemes", "lm-temperature-negative", "s2s-beam-zero", "fc-inf", "ts-dimensions",
                     "usage-misspelt-task-option"]


NEWER_RUNS = {"tag": "tag-run", "lm": "lm-run", "seq2seq": "s2s-run", "forecast": "fc-run", "classify-series": "cs-run"}
NEWER_SETTINGS = {"lm": {"level": "word"}}  # words: a prompt of unknown words is a case


def checksums(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def call(capsys, args: list[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exit_:
        main(args)
    return exit_.value.code, capsys.readouterr().err


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """Input files, a trained text run and arrays run, and damaged copies of the text run."""
    d = tmp_path_factory.mktemp("bad-inputs")
    write_inputs(d)
    (d / "arrays.json").write_text(json.dumps(ARRAYS_CONFIG))
    cwd = os.getcwd()
    os.chdir(d)
    try:
        for args in (["train", "classify", "--data", "good.csv", *TINY_TEXT, "--run-dir", "run"],
                     ["train", "arrays.json", "--run-dir", "arun", "--quiet"]):
            with pytest.raises(SystemExit) as exit_:
                main(args)
            assert exit_.value.code == 0
    finally:
        os.chdir(cwd)
    for task, name in NEWER_RUNS.items():  # one epoch of each newer task's tiny run (testkit.tiny_tasks)
        target, values = as_overrides(TINY_TASKS[task](d), d)
        train_task(*load_config(target, {**values, "epochs": "1", **NEWER_SETTINGS.get(task, {})}), run_dir=d / name,
                   quiet=True)
    damage_runs(d, d / "run")
    return d


@pytest.fixture(scope="module")
def runs_before(workdir):
    return {p.name: checksums(p) for p in workdir.iterdir() if p.is_dir()}


def command_line(case_args: str) -> list[str]:
    return [part.replace("{run}", "run").replace("{arun}", "arun") for part in case_args.split()]


def assert_one_clean_line(code: int, err: str, needle: str) -> None:
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert needle in lines[0] and "Traceback" not in err, lines[0]


@pytest.mark.parametrize("name, args, needle", CASES, ids=[c[0] for c in CASES])
def test_bad_input_ends_with_one_line_and_leaves_runs_untouched(capsys, monkeypatch, workdir, runs_before,
                                                               name, args, needle):
    monkeypatch.chdir(workdir)
    monkeypatch.setenv("RNNKIT_NO_COMPILE", "1")
    monkeypatch.setenv("RNNKIT_CACHE", str(workdir / "no-cache"))  # nothing is fetched from the network
    before = set(workdir.iterdir())
    code, err = call(capsys, command_line(args))
    assert_one_clean_line(code, err, needle)
    for run, sums in runs_before.items():
        assert checksums(workdir / run) == sums, f"{name} changed {run}"
    made = {p.name for p in set(workdir.iterdir()) - before} - {"no-cache"}
    assert not made, f"{name} left {made} behind"


def test_there_are_at_least_80_distinct_cases():
    assert len({c[0] for c in CASES}) == len(CASES) >= 80
    assert len({c[1] for c in CASES}) == len(CASES)


def test_a_representative_set_in_subprocesses(workdir, runs_before):
    """The real console entry point: the same one line and exit code from `python -m rnnkit`."""
    env = subprocess_env(RNNKIT_NO_COMPILE="1", OMP_NUM_THREADS="1", RNNKIT_CACHE=str(workdir / "no-cache"))
    for name, args, needle in (c for c in CASES if c[0] in SUBPROCESS_SAMPLE):
        result = subprocess.run([sys.executable, "-m", "rnnkit", *command_line(args)], cwd=workdir, env=env,
                                capture_output=True, text=True, timeout=300)
        assert_one_clean_line(result.returncode, result.stderr, needle)
    for run, sums in runs_before.items():
        assert checksums(workdir / run) == sums


def test_unknown_characters_at_seq2seq_predict_warn_and_decode(capsys, monkeypatch, workdir, runs_before):
    """Not an error: characters the model never saw read as <unk>, with one warning line naming them."""
    monkeypatch.chdir(workdir)
    (workdir / "unknown-chars.txt").write_text("abxz\nabc\nqq\n")
    try:
        code, out, err = call_cli(capsys, "predict", "s2s-run", "--input", "unknown-chars.txt")
    finally:
        (workdir / "unknown-chars.txt").unlink()
    assert code == 0 and err.strip().startswith("warning: ") and len(err.strip().splitlines()) == 1, err
    assert "3 source token(s) never seen in training, read as <unk>: 'q' 'x' 'z'" in err
    assert [json.loads(line)["source"] for line in out.splitlines()] == ["abxz", "abc", "qq"]
    for run, sums in runs_before.items():
        assert checksums(workdir / run) == sums


# ---- OS refusals: a read-only folder and a full disk ----

def mount_tmpfs(path: Path, options: str) -> bool:
    """A small tmpfs at `path` (needs root and a kernel that allows it here); False when it cannot."""
    path.mkdir()
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
                          capture_output=True).returncode == 0


@pytest.fixture
def read_only_dir(tmp_path):
    path = tmp_path / "read-only"
    mounted = mount_tmpfs(path, "ro,size=64k")
    if not mounted:
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            pytest.skip("root without mount: a chmod would not stop root from writing")
        path.chmod(0o555)
    yield path
    if mounted:
        subprocess.run(["umount", str(path)], check=True)
    else:
        path.chmod(0o755)


@pytest.fixture
def full_disk(tmp_path, monkeypatch):
    """A folder on a 16 KiB tmpfs when this machine lets us mount one; else a folder where every atomic
    write fails with ENOSPC (the simulation, for machines without mount rights)."""
    path = tmp_path / "full"
    mounted = mount_tmpfs(path, "size=16k")
    if not mounted:
        import rnnkit.atomic

        def no_space(fd):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        monkeypatch.setattr(rnnkit.atomic.os, "fsync", no_space)
    yield path
    if mounted:
        subprocess.run(["umount", str(path)], check=True)


def test_a_read_only_folder_ends_with_one_line(capsys, monkeypatch, workdir, runs_before, read_only_dir):
    monkeypatch.chdir(workdir)
    monkeypatch.setenv("RNNKIT_NO_COMPILE", "1")
    code, err = call(capsys, ["predict", "run", "--input", "good.txt", "--output", str(read_only_dir / "out.csv")])
    assert_one_clean_line(code, err, str(read_only_dir / "out.csv"))
    code, err = call(capsys, ["train", "classify", "--data", "good.csv", *TINY_TEXT, "--run-dir",
                              str(read_only_dir / "run")])
    assert_one_clean_line(code, err, f"cannot write in {read_only_dir}")
    assert list(read_only_dir.iterdir()) == []
    for run, sums in runs_before.items():
        assert checksums(workdir / run) == sums


def test_a_full_disk_ends_with_one_line(capsys, monkeypatch, workdir, runs_before, full_disk):
    monkeypatch.chdir(workdir)
    monkeypatch.setenv("RNNKIT_NO_COMPILE", "1")
    (workdir / "many.txt").write_text("good fine lovely day\n" * 5000)  # ~250 KB of predictions
    code, err = call(capsys, ["predict", "run", "--input", "many.txt", "--output", str(full_disk / "out.csv")])
    assert_one_clean_line(code, err, f"{full_disk / 'out.csv'}: No space left on device")
    assert not (full_disk / "out.csv").exists() and not list(full_disk.glob(".out.csv.*"))  # no half file
    code, err = call(capsys, ["train", "classify", "--data", "good.csv", *TINY_TEXT, "--run-dir",
                              str(full_disk / "run")])
    assert_one_clean_line(code, err, "No space left on device")
    for run, sums in runs_before.items():
        assert checksums(workdir / run) == sums
