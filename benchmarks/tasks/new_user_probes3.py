"""Files for the third round of new-user probes (benchmarks/TASKS.md, "New-user probes, third round").

Writes small files in the shapes users bring, from offline sources on a Debian build machine (man pages'
descriptions via `apropos`, the lead's /work/lmtexts copies of changelogs, licences and Python source, aeon's
data folder), into the folder given (default /tmp/p3):

    python benchmarks/tasks/new_user_probes3.py /tmp/p3

Each file is then run with the defaults (`rnnkit train FAMILY --data FILE`, `--epochs 1` where only reading is in
question), and `predict`/`evaluate` on the `*_new*` files of the same shape.
"""
from __future__ import annotations

import json
import random
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

AEON = Path("/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages/aeon/datasets/data")
LMTEXTS = Path("/work/lmtexts")
SECTIONS = {"1": "command", "3": "library", "5": "file format", "8": "admin"}


def man_descriptions() -> pd.DataFrame:
    """Man pages' one-line descriptions labelled by what their section holds (command, library...)."""
    out = subprocess.run(["apropos", "."], capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines():
        m = re.match(r"(\S+) \((\d)\w*\)\s+- (.+)", line)
        if m and m.group(2) in SECTIONS:
            rows.append((m.group(3).strip(), SECTIONS[m.group(2)]))
    frame = pd.DataFrame(rows, columns=["text", "label"]).drop_duplicates("text")
    return frame.sample(frac=1.0, random_state=0).reset_index(drop=True)


def write(path: Path, text: str, encoding: str = "utf-8", newline: str = "\n") -> None:
    path.write_bytes(text.replace("\n", newline).encode(encoding))


def csv_text(frame: pd.DataFrame, sep: str = ",", header: bool = True) -> str:
    return frame.to_csv(index=False, sep=sep, header=header, lineterminator="\n")


def classify_files(out: Path) -> None:
    man = man_descriptions()
    train, new = man.iloc[:1500], man.iloc[1500:1700]
    # Excel's "Unicode Text (*.txt)": UTF-16 LE with a BOM, tabs, Windows line ends
    write(out / "c_excel_unicode.txt", csv_text(train, "\t"), "utf-16", "\r\n")
    write(out / "c_excel_unicode_new.txt", csv_text(new, "\t"), "utf-16", "\r\n")
    # cp1252 with curly quotes and a euro sign (bytes 0x93 0x94 0x80: not latin-1's characters)
    curly = train.assign(text=train.text.str.replace(r"'([^']*)'", "\u201c\\1\u201d", regex=True) + " \u20ac")
    write(out / "c_cp1252.csv", csv_text(curly), "cp1252", "\r\n")
    write(out / "c_tsv.txt", csv_text(train, "\t"))  # a TSV named .txt, UTF-8
    write(out / "c_noheader.csv", csv_text(train, header=False))
    # labels written by hand: stray spaces, mixed case
    messy = train.copy()
    rng = random.Random(0)
    messy["label"] = [rng.choice([lab, lab.upper(), lab.title(), f" {lab} ", f"{lab} "]) for lab in messy.label]
    write(out / "c_messy_labels.csv", csv_text(messy))
    write(out / "c_messy_labels_new.csv", csv_text(new.assign(label=new.label.str.upper())))
    # bool labels as strings, a label column of ints 0/1 with a column of ids first
    write(out / "c_bool.csv", csv_text(train.assign(label=(train.label == "command").map({True: "True", False: "False"}))))
    # blank rows in the middle, trailing blank lines, quoted texts with Windows line ends inside
    multi = train.assign(text=[t.replace(" ", "\r\n", 1) if i % 7 == 0 else t for i, t in enumerate(train.text)])
    body = csv_text(multi).replace("\n", "\r\n")
    lines = body.split("\r\n")
    write(out / "c_blank_rows.csv", "\r\n".join(lines[:300] + ["", ""] + lines[300:]) + "\r\n\r\n\r\n")
    # one class of one example; extremes of length; emoji and CJK
    odd = pd.concat([train, pd.DataFrame([{"text": "a lone poem", "label": "poem"}])])
    write(out / "c_one_example.csv", csv_text(odd))
    licence = (Path("/usr/share/common-licenses/GPL-3").read_text() * 2)[:50_000]
    extremes = pd.concat([train.iloc[:600], pd.DataFrame(
        [{"text": licence, "label": "admin"}, {"text": "x", "label": "command"}, {"text": "\u2705 \U0001F600", "label": "command"},
         {"text": "\u663e\u793a\u6587\u4ef6\u5185\u5bb9", "label": "command"}])])
    write(out / "c_extremes.csv", csv_text(extremes))
    # fastText's format: __label__X text, one a line
    write(out / "c_fasttext.txt", "".join(f"__label__{lab.replace(' ', '_')} {t}\n" for t, lab in zip(train.text, train.label)))
    # texts to predict: one a line, a BOM and Windows line ends
    write(out / "c_new_lines.txt", "\ufeff" + "\n".join(new.text) + "\n", "utf-8", "\r\n")
    # Excel: a sep= first line; capitalised headers and an empty trailing column
    write(out / "c_sep_hint.csv", "sep=,\n" + csv_text(train))
    write(out / "c_trailing_comma.csv", csv_text(train.rename(columns={"text": "Text", "label": "Label"}).assign(**{"": ""})))
    # integer classes written as floats (pandas, beside a missing value), and a new file of integers
    numbers = {"command": 1.0, "library": 3.0, "file format": 5.0, "admin": 8.0}
    write(out / "c_float_labels.csv", csv_text(train.assign(label=train.label.map(numbers))))
    write(out / "c_int_labels_new.csv", csv_text(new.assign(label=new.label.map(numbers).astype(int))))
    write(out / "c_bom.jsonl", "\ufeff" + train.to_json(orient="records", lines=True))


def tag_files(out: Path) -> None:
    lines = [ln for ln in (LMTEXTS / "changelogs.txt").read_text().splitlines() if ln.strip().startswith("*")][:3000]
    sents = []
    for ln in lines:
        words = ln.strip("* ").split()[:30]
        tags = []
        for w in words:
            tags.append("B-BUG" if re.fullmatch(r"\(?(LP:\s*)?#\d+\)?[.,]?", w) else
                        "B-VER" if re.fullmatch(r"\d+(\.\d+)+\S*", w) else
                        "B-FILE" if re.fullmatch(r"[\w./-]+\.(c|h|py|sh|txt|in|am|1|conf|patch)", w) else "O")
        if words:
            sents.append((words, tags))
    def conllu(ss, bom=False, crlf=False):
        rows = []
        for n, (words, tags) in enumerate(ss):
            rows += [f"# sent_id = {n + 1}", f"# text = {' '.join(words)}"]
            k = 1
            for w, t in zip(words, tags):
                if w.endswith(",") and len(w) > 1 and t == "O":  # a multiword token line, then its parts
                    rows.append(f"{k}-{k + 1}\t{w}\t_\t_\t_\t_\t_\t_\t_\t_")
                    rows.append(f"{k}\t{w[:-1]}\t_\t{t}\t_\t_\t0\tdep\t_\t_")
                    rows.append(f"{k + 1}\t,\t_\t{t}\t_\t_\t0\tpunct\t_\t_")
                    k += 2
                else:
                    rows.append(f"{k}\t{w}\t_\t{t}\t_\t_\t0\tdep\t_\t_")
                    k += 1
            rows.append("")
        text = "\n".join(rows) + "\n"
        return ("\ufeff" if bom else "") + (text.replace("\n", "\r\n") if crlf else text)
    write(out / "t_bom_crlf.conllu", conllu(sents[:2500], bom=True, crlf=True))
    write(out / "t_bom_crlf_new.conllu", conllu(sents[2500:], bom=True, crlf=True))
    # CoNLL-2003's own IOB1: I- opens an entity, B- only between two adjacent ones of a type
    def iob1(tags):
        return ["I-" + t[2:] if t != "O" and (i == 0 or tags[i - 1][2:] != t[2:]) else t for i, t in enumerate(tags)]
    def conll(ss, convert):
        return "-DOCSTART- -X- -X- O\n\n" + "".join(
            "".join(f"{w} _ _ {t}\n" for w, t in zip(words, convert(tags))) + "\n" for words, tags in ss)
    write(out / "t_iob1.conll", conll(sents[:2500], iob1))
    write(out / "t_iob1_test.conll", conll(sents[2500:], iob1))
    write(out / "t_bom.conll", "\ufeff" + conll(sents[:2500], lambda t: t).replace("-DOCSTART- -X- -X- O\n\n", ""))
    # Hugging Face's shape: a list of tokens and one of tags a line
    write(out / "t_hf.jsonl", "".join(json.dumps({"tokens": words, "ner_tags": tags}) + "\n" for words, tags in sents[:2500]))
    # a comment line before each sentence, tabs, a space after each tag
    write(out / "t_comments.conll", "".join(f"# sent {n}\n" + "".join(f"{w}\t{t} \n" for w, t in zip(words, tags)) + "\n"
                                            for n, (words, tags) in enumerate(sents[:2500])))


def python_token_files(out: Path) -> None:
    """Stdlib lines as tokens tagged by token type (keywords apart): training from every other module, the test
    from the rest, so its names are mostly unseen."""
    import io
    import keyword
    import token
    import tokenize

    def sentences(files, limit):
        out_ = []
        for f in files:
            try:
                toks = list(tokenize.generate_tokens(io.StringIO(f.read_text()).readline))
            except (SyntaxError, tokenize.TokenError, UnicodeDecodeError):
                continue
            line = []
            for t in toks:
                if t.type in (tokenize.NEWLINE, tokenize.NL):
                    if line:
                        out_.append(line)
                    line = []
                elif t.type not in (tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER, tokenize.COMMENT) \
                        and t.string.strip() and " " not in t.string:
                    line.append((t.string, "KEYWORD" if keyword.iskeyword(t.string) else token.tok_name[t.exact_type]))
            if len(out_) > limit:
                break
        return out_[:limit]
    modules = sorted(Path("/usr/lib/python3.11").glob("*.py"))
    for name, sents in (("t_pytok.conll", sentences(modules[::2], 5000)), ("t_pytok_test.conll", sentences(modules[1::2], 1500))):
        write(out / name, "".join("".join(f"{w}\t{k}\n" for w, k in s) + "\n" for s in sents))


def seq2seq_files(out: Path) -> None:
    names = sorted({m.group(0) for m in re.finditer(r"\b[A-Z][a-z]+(?:[A-Z][a-z]+)+\b", (LMTEXTS / "pysrc.txt").read_text())})
    snake = [re.sub(r"(?<!^)([A-Z])", r"_\1", n).lower() for n in names]
    pairs = list(zip(names, snake))
    write(out / "s_tab_in_target.tsv", "source\ttarget\n" + "".join(
        f"{s}\t{t}\t{t.upper()}\n" if i == 5 else f"{s}\t{t}\n" for i, (s, t) in enumerate(pairs)))
    write(out / "s_empty_target.csv", "source,target\n" + "".join(
        f"{s},\n" if i == 5 else f"{s},{t}\n" for i, (s, t) in enumerate(pairs)))
    write(out / "s_bom_crlf.csv", "\ufeffsource,target\n" + "".join(f"{s},{t}\n" for s, t in pairs), newline="\r\n")
    write(out / "s_noheader.txt", "".join(f"{s}\t{t}\n" for s, t in pairs))
    write(out / "s_new_crlf.txt", "\n".join(n + "Factory" for n in names[:50]) + "\n", newline="\r\n")
    write(out / "s_header_io.tsv", "input\toutput\n" + "".join(f"{s}\t{t}\n" for s, t in pairs))
    write(out / "s_header_enfr.csv", "camel,snake\n" + "".join(f"{s},{t}\n" for s, t in pairs))


def forecast_files(out: Path) -> None:
    airline = pd.read_csv(AEON / "Airline" / "Airline.csv")
    months = pd.to_datetime(airline.Date)
    write(out / "f_month_names.csv", csv_text(pd.DataFrame({"Month": months.dt.strftime("%b-%Y"), "Passengers": airline.Passengers})))
    write(out / "f_percent.csv", csv_text(pd.DataFrame({"date": airline.Date, "growth": [f"{v / 4:.1f}%" for v in airline.Passengers]})))
    write(out / "f_constant.csv", csv_text(pd.DataFrame({"date": airline.Date, "value": 7})))
    write(out / "f_30points.csv", csv_text(airline.iloc[:30]))
    write(out / "f_bom_crlf.csv", "\ufeff" + csv_text(airline), newline="\r\n")
    days = pd.date_range("2020-01-01", periods=700, freq="D")
    rng = np.random.default_rng(0)
    y = 100 + 10 * np.sin(np.arange(700) * 2 * np.pi / 7) + rng.normal(0, 2, 700).cumsum() * 0.3
    gap = np.ones(700, bool)
    gap[[40, 41, 42, 300, 301, 550]] = False
    write(out / "f_gap.csv", csv_text(pd.DataFrame({"date": days.strftime("%Y-%m-%d")[gap], "sales": y[gap].round(2)})))
    hours = pd.date_range("2021-03-01", "2021-04-30 23:00", freq="h", tz="Europe/Berlin")
    load = 50 + 20 * np.sin((hours.hour - 6) * 2 * np.pi / 24) + rng.normal(0, 3, len(hours))
    write(out / "f_dst.csv", csv_text(pd.DataFrame({"time": hours.strftime("%Y-%m-%dT%H:%M:%S%z").str.replace(
        r"(\d\d)(\d\d)$", r"\1:\2", regex=True), "load": load.round(2)})))
    write(out / "f_dst_local.csv", csv_text(pd.DataFrame({"time": hours.strftime("%Y-%m-%d %H:%M"), "load": load.round(2)})))
    serial = (months - pd.Timestamp("1899-12-30")).dt.days  # Excel's day numbers: dates saved without their format
    write(out / "f_excel_serial.csv", csv_text(pd.DataFrame({"Date": serial, "Passengers": airline.Passengers})))
    write(out / "f_total_row.csv", csv_text(airline) + f"Total,{airline.Passengers.sum()}\n")
    write(out / "f_slash_dates.csv", csv_text(pd.DataFrame({"Date": months.dt.strftime("%Y/%m/%d"), "Passengers": airline.Passengers})))
    # France's Excel: ';', day first, a decimal comma and a narrow no-break space between thousands
    write(out / "f_french.csv", "Date;Valeur\n" + "".join(f"{d:%d/%m/%Y};{v * 1000:,.1f}\n".replace(",", "\u202f").replace(".", ",")
                                                         for d, v in zip(pd.date_range("2020-01-01", periods=400, freq="D"), range(400))))
    write(out / "f_thousands.csv", csv_text(pd.DataFrame({"date": airline.Date, "value": [f"{v * 1000:,}" for v in airline.Passengers]})))


def series_files(out: Path) -> None:
    gun = (AEON / "GunPoint" / "GunPoint_TRAIN.ts").read_text().splitlines()
    at = next(i for i, ln in enumerate(gun) if ln.strip().lower() == "@data")
    data = gun[at + 1:]
    holed = [",".join("?" if j % 37 == i % 5 else v for j, v in enumerate(ln.split(":")[0].split(","))) + ":" + ln.split(":")[1]
             for i, ln in enumerate(data)]
    missing = [ln.replace("@missing false", "@missing true") for ln in gun[:at + 1]]
    write(out / "cs_missing.ts", "\n".join(missing + holed) + "\n")
    write(out / "cs_crlf_bom.ts", "\ufeff" + "\n".join(missing + holed) + "\n", newline="\r\n")
    unequal = [",".join(ln.split(":")[0].split(",")[: 100 + (i * 7) % 50]) + ":" + ln.split(":")[1] for i, ln in enumerate(data)]
    header = [ln.replace("@equalLength true", "@equalLength false").replace("@seriesLength 150", "") for ln in gun[:at + 1]]
    write(out / "cs_unequal.ts", "\n".join(header + unequal) + "\n")
    rows = [ln.split(":") for ln in data]
    # a Kaggle-style CSV: one series a row, no header, the label last as a float
    write(out / "cs_label_last.csv", "".join(f"{vals},{float(lab):.1f}\n" for vals, lab in rows))
    write(out / "cs_header_label_last.csv", "," .join(f"t{j}" for j in range(150)) + ",target\n" +
          "".join(f"{vals},{lab}\n" for vals, lab in rows))


def lm_files(out: Path) -> None:
    gpl = Path("/usr/share/common-licenses/GPL-3").read_text()
    write(out / "l_one_line.txt", " ".join(gpl.split()))
    write(out / "l_crlf.txt", (LMTEXTS / "licenses.txt").read_text()[:150_000], newline="\r\n")
    write(out / "l_zh.txt", (LMTEXTS / "zh_reviews.txt").read_text()[:200_000])
    write(out / "l_utf16.txt", gpl, "utf-16")


def build(makers, default: str) -> None:
    """Each maker writes its files into the folder named on the command line (else `default`); their names printed."""
    out = Path(sys.argv[1] if len(sys.argv) > 1 else default)
    out.mkdir(parents=True, exist_ok=True)
    for make in makers:
        make(out)
    print("\n".join(sorted(p.name for p in out.iterdir())))


if __name__ == "__main__":
    build((classify_files, tag_files, python_token_files, seq2seq_files, forecast_files, series_files, lm_files), "/tmp/p3")
