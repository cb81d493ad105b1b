"""Files for the fifth round of new-user probes (benchmarks/TASKS.md, "New-user probes, fifth round").

Writes small files in shapes the first four rounds did not try, from offline sources on a Debian build machine
(man pages' descriptions via `apropos`, the lead's /work/lmtexts copies, the licences, aeon's data folder), into
the folder given (default /tmp/p5):

    python benchmarks/tasks/new_user_probes5.py /tmp/p5

Each file is then run with the defaults (`rnnkit train FAMILY --data FILE`, `--epochs 1` where only reading is in
question), and `predict`/`evaluate` on the `*_new*`/`*_TEST*` files of the same shape. The ARFF files are written
as timeseriesclassification.com's zips hold them (aeon ships the archive's own GunPoint, ArrowHead and BasicMotions
TRAIN .arff; their TEST halves here are written in the same layout from the .ts).
"""
from __future__ import annotations

import gzip
import json
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from new_user_probes3 import AEON, LMTEXTS, build, csv_text, man_descriptions, write  # noqa: E402


def arff_text(problem: str, series: list[np.ndarray], labels: list[str], classes: list[str]) -> str:
    """Cases (T_i, C) in the archive's ARFF layout: one numeric attribute a step and the class (univariate), or
    UEA's relational attribute of channels, each line of a case joined by a literal \\n; `?` pads to the longest."""
    steps = max(len(s) for s in series)
    attributes = "".join(f"@attribute att{t} numeric\n" for t in range(steps))
    univariate = series[0].shape[1] == 1
    head = f"@relation {problem}\n\n" + (attributes if univariate else
                                        f"@attribute relationalAtt relational\n{attributes}@end relationalAtt\n")
    head += f"@attribute target {{{','.join(classes)}}}\n\n@data\n"

    def values(channel):
        return ",".join([repr(float(v)) if np.isfinite(v) else "?" for v in channel] + ["?"] * (steps - len(channel)))
    rows = [(values(s[:, 0]) if univariate else "'" + "\\n".join(values(c) for c in s.T) + "'") + f",{label}"
            for s, label in zip(series, labels)]
    return head + "\n".join(rows) + "\n"


def series_files(out: Path) -> None:
    from rnnkit.data.ts_format import read_ts
    for problem in ("GunPoint", "BasicMotions", "JapaneseVowels"):
        for part in ("TRAIN", "TEST"):
            ts = read_ts(AEON / problem / f"{problem}_{part}.ts")
            write(out / f"cs_{problem}_{part}.arff", arff_text(problem, ts.series, list(ts.labels), ts.header.class_labels))
    # Europe's Excel: ';' between values written with a decimal comma, the label last under a header
    gun = read_ts(AEON / "GunPoint" / "GunPoint_TRAIN.ts")
    write(out / "cs_semicolon.csv", ";".join(f"t{j}" for j in range(150)) + ";label\n" + "".join(
        ";".join(f"{v:.6f}".replace(".", ",") for v in s[:, 0]) + f";{lab}\n" for s, lab in zip(gun.series, gun.labels)))
    # numpy arrays as a user saves them: X (N, T) and y
    np.save(out / "cs_X.npy", np.stack([s[:, 0] for s in gun.series]))
    np.savez(out / "cs_xy.npz", X=np.stack([s[:, 0] for s in gun.series]), y=gun.labels.astype(int))


def classify_files(out: Path) -> None:
    man = man_descriptions()
    two = man[man.label.isin(["command", "library"])]
    # IMDB's aclImdb layout: a folder per split, a folder per class, a text file per text
    for split, rows in (("train", two.iloc[:800]), ("test", two.iloc[800:1000])):
        for n, (text, label) in enumerate(zip(rows.text, rows.label)):
            folder = out / "c_aclimdb" / split / label
            folder.mkdir(parents=True, exist_ok=True)
            write(folder / f"{n}_0.txt", text + "\n")
    train, new = man.iloc[:1500], man.iloc[1500:1700]
    # pandas' to_csv(compression="gzip"): Kaggle ships train.csv.gz
    (out / "c_train.csv.gz").write_bytes(gzip.compress(csv_text(train).encode()))
    # a header in capitals with a duplicated column name, and texts left empty in some rows (deleted reviews)
    write(out / "c_empty_texts.csv", csv_text(train.assign(text=[("" if i % 97 == 5 else t) for i, t in enumerate(train.text)])))
    # labels with leading zeros: product codes 01, 02, 10
    codes = {"command": "01", "library": "03", "file format": "05", "admin": "10"}
    write(out / "c_zero_codes.csv", csv_text(train.assign(label=train.label.map(codes))))
    write(out / "c_zero_codes_new.csv", csv_text(new.assign(label=new.label.map(codes))))
    # Kaggle's review/sentiment names, then new rows of the same shape (labels included) to predict
    kaggle = train.rename(columns={"text": "review", "label": "sentiment"})
    write(out / "c_kaggle.csv", csv_text(kaggle))
    write(out / "c_kaggle_new.csv", csv_text(new.rename(columns={"text": "review", "label": "sentiment"})))
    # a text-only file given to evaluate; a LibreOffice sheet
    write(out / "c_texts_only.txt", "\n".join(new.text) + "\n")
    (out / "c_sheet.ods").write_bytes(b"PK\x03\x04" + b"\x00" * 26 + b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet")


def tag_files(out: Path) -> None:
    lines = [ln for ln in (LMTEXTS / "changelogs.txt").read_text().splitlines() if ln.strip().startswith("*")][:3000]
    sents = []
    for ln in lines:
        words = ln.strip("* ").split()[:30]
        tags = ["B-BUG" if re.fullmatch(r"\(?(LP:\s*)?#\d+\)?[.,]?", w) else
                "B-VER" if re.fullmatch(r"\d+(\.\d+)+\S*", w) else "O" for w in words]
        for i in range(1, len(words)):  # "Closes: #123": a two-token entity, so I- tags occur
            if tags[i] == "B-BUG" and words[i - 1] in ("Closes:", "closes:"):
                tags[i - 1:i + 1] = ["B-BUG", "I-BUG"]
        if words:
            sents.append((words, tags))
    # spaCy's BILUO: U- a one-token entity, L- its last token
    def biluo(tags):
        out_tags = []
        for i, t in enumerate(tags):
            nxt = tags[i + 1] if i + 1 < len(tags) else "O"
            inside = nxt.startswith("I-")
            out_tags.append(t if t == "O" else ("B-" if inside else "U-") + t[2:] if t.startswith("B-") else
                            ("I-" if inside else "L-") + t[2:])
        return out_tags
    body = lambda ss, convert: "".join("".join(f"{w}\t{t}\n" for w, t in zip(ws, convert(ts))) + "\n" for ws, ts in ss)
    write(out / "t_biluo.conll", body(sents[:2500], biluo))
    write(out / "t_biluo_test.conll", body(sents[2500:], biluo))
    # pandas' to_csv(sep="\t") of a token table: a header line `token<TAB>tag` over the first sentence
    write(out / "t_header.tsv.txt", "token\ttag\n" + body(sents[:2500], lambda t: t))
    write(out / "t_header.conll", "token\ttag\n" + body(sents[:2500], lambda t: t))


def seq2seq_files(out: Path) -> None:
    source = "".join(p.read_text(errors="replace") for p in sorted(Path("/usr/lib/python3.11").rglob("*.py")))
    names = sorted({m.group(0) for m in re.finditer(r"\b[A-Z][a-z]+(?:[A-Z][a-z]+)+\b", source)})
    names = [names[i] for i in np.random.default_rng(0).permutation(len(names))]
    snake = [re.sub(r"(?<!^)([A-Z])", r"_\1", n).lower() for n in names]
    pairs = list(zip(names, snake))
    # OpenAI's fine-tuning files: prompt/completion, and chat messages
    write(out / "s_prompt_completion.jsonl", "".join(json.dumps({"prompt": s, "completion": t}) + "\n" for s, t in pairs[:1500]))
    write(out / "s_prompt_completion_new.jsonl", "".join(json.dumps({"prompt": s, "completion": t}) + "\n" for s, t in pairs[1500:1600]))
    write(out / "s_chat.jsonl", "".join(json.dumps({"messages": [{"role": "user", "content": s}, {"role": "assistant", "content": t}]}) + "\n"
                                        for s, t in pairs[:1500]))
    write(out / "s_utf16.tsv", "source\ttarget\n" + "".join(f"{s}\t{t}\n" for s, t in pairs), "utf-16", "\r\n")
    write(out / "s_sources_only.txt", "\n".join(names[1500:1600]) + "\n")


def lm_files(out: Path) -> None:
    folder = out / "l_folder"
    folder.mkdir(exist_ok=True)
    for name in ("GPL-3", "Apache-2.0", "MPL-2.0", "LGPL-2.1", "Artistic", "BSD"):
        write(folder / f"{name}.txt", Path("/usr/share/common-licenses", name).read_text())
    gpl = Path("/usr/share/common-licenses/GPL-3").read_text()
    paragraphs = [p.strip() for p in gpl.split("\n\n") if p.strip()]
    write(out / "l_hf.jsonl", "".join(json.dumps({"text": p}) + "\n" for p in paragraphs))  # Hugging Face's text datasets
    write(out / "l_cr.txt", gpl, newline="\r")  # classic Mac OS line ends
    write(out / "l_latin1.txt", (LMTEXTS / "licenses.txt").read_text()[:60_000].replace("copyright", "copyright \u00a9 M\u00fcller"), "latin-1")


if __name__ == "__main__":
    build((series_files, classify_files, tag_files, seq2seq_files, lm_files), "/tmp/p5")
