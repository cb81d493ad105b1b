"""Files for the fourth round of new-user probes (benchmarks/TASKS.md, "New-user probes, fourth round").

Writes small files in shapes the first three rounds did not try, from offline sources on a Debian build machine
(aeon's data folder, the system's gettext catalogues in French, Japanese and Korean, pku-pos's People's Daily
from rnnkit's cache, the lead's /work/lmtexts copies, Markdown READMEs under /usr/share/doc), into the folder
given (default /tmp/p4):

    python benchmarks/tasks/new_user_probes4.py /tmp/p4

Each file is then run with the defaults (`rnnkit train FAMILY --data FILE`, `--epochs 1` where only reading is in
question), and `predict`/`evaluate` on the `*_new*`/`*_test*` files of the same shape.
"""
from __future__ import annotations

import gettext
import json
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd

AEON = Path("/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages/aeon/datasets/data")
LMTEXTS = Path("/work/lmtexts")
LOCALE = Path("/usr/share/locale")
PKU = Path.home() / ".cache/rnnkit/pku-pos/199801.txt"

sys.path.insert(0, str(Path(__file__).parent))
from new_user_probes3 import build, csv_text, write  # noqa: E402  (the third round's file writers)


def catalogue(lang: str, domains: list[str]) -> pd.DataFrame:
    """The system's gettext messages: English, their translation in `lang`, and the program they come from."""
    rows = []
    for domain in domains:
        path = LOCALE / lang / "LC_MESSAGES" / f"{domain}.mo"
        if not path.exists():
            continue
        with path.open("rb") as f:
            for en, tr in gettext.GNUTranslations(f)._catalog.items():
                en = en.split("\x04")[-1] if isinstance(en, str) else en  # a msgctxt's context before \x04
                if isinstance(en, str) and en and tr and 3 <= len(en) <= 200 and "\x00" not in en + tr:
                    rows.append((en.strip(), tr.strip(), domain))
    frame = pd.DataFrame(rows, columns=["en", "tr", "program"]).drop_duplicates("en")
    return frame.sample(frac=1.0, random_state=0).reset_index(drop=True)


PROGRAMS = ["coreutils", "apt", "bash", "dpkg", "gtk30", "libc"]


def forecast_files(out: Path) -> None:
    airline = pd.read_csv(AEON / "Airline" / "Airline.csv")
    months = pd.to_datetime(airline.Date)
    y = airline.Passengers
    # finance and government downloads: the newest row first
    write(out / "f_newest_first.csv", csv_text(airline.iloc[::-1]))
    write(out / "f_month_end.csv", csv_text(pd.DataFrame({"date": (months + pd.offsets.MonthEnd(0)).dt.strftime("%Y-%m-%d"), "value": y})))
    sundays = pd.date_range("2018-01-07", periods=len(y), freq="W-SUN")
    write(out / "f_weekly_sun.csv", csv_text(pd.DataFrame({"week": sundays.strftime("%Y-%m-%d"), "orders": y})))
    solar = pd.read_csv(AEON / "solar" / "solar.csv")
    stamps = pd.to_datetime(solar.datetime_gmt, utc=True)
    write(out / "f_tz_z.csv", csv_text(pd.DataFrame({"time": stamps.dt.strftime("%Y-%m-%dT%H:%M:%SZ"), "solar": solar.solar_gen})))
    write(out / "f_tz_utc.csv", csv_text(pd.DataFrame({"time": stamps.dt.strftime("%Y-%m-%d %H:%M:%S+00:00"), "solar": solar.solar_gen})))
    # Excel's US dates with a time: 1/31/1949 0:00
    write(out / "f_excel_us.csv", csv_text(pd.DataFrame({"Date": [f"{d.month}/{d.day}/{d.year} 0:00" for d in months + pd.offsets.MonthEnd(0)], "Passengers": y})))
    # a date and a time in two columns
    write(out / "f_date_time.csv", csv_text(pd.DataFrame({"Date": stamps.dt.strftime("%d/%m/%Y"), "Time": stamps.dt.strftime("%H:%M"), "solar_gen": solar.solar_gen})))
    # a value written with its unit
    write(out / "f_units.csv", csv_text(pd.DataFrame({"date": airline.Date, "consumption": [f"{v} kWh" for v in y]})))
    write(out / "f_units_space.csv", csv_text(pd.DataFrame({"date": airline.Date, "price": [f"${v:,.2f}" for v in y * 13.7]})))


def series_files(out: Path) -> None:
    gun = (AEON / "GunPoint" / "GunPoint_TRAIN.ts").read_text().splitlines()
    at = next(i for i, ln in enumerate(gun) if ln.strip().lower() == "@data")
    rows = [ln.split(":") for ln in gun[at + 1:]]
    test = [ln.split(":") for ln in (AEON / "GunPoint" / "GunPoint_TEST.ts").read_text().splitlines()
            if ":" in ln and not ln.startswith(("@", "#"))]
    names = {"1": "gun drawn", "2": "point only"}
    # one series a row, the label first under a header, labels with spaces
    def wide(rs):
        return "label," + ",".join(f"t{j}" for j in range(150)) + "\n" + "".join(f"{names[lab]},{vals}\n" for vals, lab in rs)
    write(out / "cs_wide_label_first.csv", wide(rows))
    write(out / "cs_wide_label_first_test.csv", wide(test))
    shutil.copy(AEON / "GunPoint" / "GunPoint_TRAIN.arff", out / "cs_gunpoint_TRAIN.arff")
    # UCR 2018's tsv: label first, unequal lengths padded with NaN
    def padded(rs):
        return "".join(f"{lab}\t" + "\t".join(vals.split(",")[: 100 + (i * 7) % 50] + ["NaN"] * (50 - (i * 7) % 50)) + "\n"
                       for i, (vals, lab) in enumerate(rs))
    write(out / "cs_padded_TRAIN.tsv", padded(rows))
    write(out / "cs_padded_TEST.tsv", padded(test))


def text_files(out: Path) -> None:
    fr = catalogue("fr", PROGRAMS)
    # Excel's Alt+Enter: a line feed inside a quoted cell, CRLF between rows
    en = fr[["en", "program"]].rename(columns={"en": "text", "program": "label"})
    multi = en.assign(text=[t.replace(" ", "\n", 2) if i % 3 == 0 else t for i, t in enumerate(en.text)])
    write(out / "c_alt_enter.csv", csv_text(multi.iloc[:3000]).replace("\n", "\r\n").replace("\r\r\n", "\r\n"))
    for lang in ("ja", "ko"):
        cat = catalogue(lang, PROGRAMS)[["tr", "program"]].rename(columns={"tr": "text", "program": "label"})
        write(out / f"c_{lang}.csv", csv_text(cat.iloc[:3000]))
        write(out / f"c_{lang}_new.csv", csv_text(cat.iloc[3000:3400]))
    # the same texts in training and test (duplicated messages between programs and versions)
    dup = en.iloc[:2000]
    write(out / "c_repeat.csv", csv_text(pd.concat([dup, dup.iloc[:1000]]).sample(frac=1.0, random_state=1)))
    write(out / "c_repeat_test.csv", csv_text(dup.iloc[500:1500]))
    # 0/1 labels and a rare 2
    binary = en.iloc[:3000].assign(label=(en.label.iloc[:3000] == "coreutils").astype(int))
    binary.iloc[:3, 1] = 2
    write(out / "c_rare_label.csv", csv_text(binary))


def tag_files(out: Path) -> None:
    lines = [ln for ln in PKU.read_text().splitlines() if ln.strip()][:4000]
    kinds = {"nr": "PER", "ns": "LOC", "nt": "ORG"}

    def chars(line: str) -> list[tuple[str, str]]:
        pairs = []
        for item in line.split():
            word, _, pos = item.rpartition("/")
            word = word.strip("[").split("]")[0]
            kind = kinds.get(pos)
            for k, ch in enumerate(word):
                if kind is None:
                    tag = "O"
                elif len(word) == 1:
                    tag = "S-" + kind
                else:
                    tag = ("B-" if k == 0 else "E-" if k == len(word) - 1 else "I-") + kind
                pairs.append((ch, tag))
        return pairs
    sents = [chars(ln) for ln in lines]
    body = lambda ss: "\n".join("\n".join(f"{c} {t}" for c, t in s) + "\n" for s in ss if s)
    write(out / "t_zh_bioes.txt", body(sents[:3000]))
    write(out / "t_zh_bioes_test.txt", body(sents[3000:]))
    # CoNLL with `# text =` comments and no blank line at the end
    words = [ln.strip("* ").split()[:25] for ln in (LMTEXTS / "changelogs.txt").read_text().splitlines() if ln.strip().startswith("*")][:3000]
    tagged = [[(w, "B-VER" if re.fullmatch(r"\d+(\.\d+)+\S*", w) else "B-BUG" if re.fullmatch(r"\(?(LP:\s*)?#\d+\)?[.,]?", w) else "O")
               for w in ws] for ws in words if ws]
    text = "\n\n".join(f"# sent_id = {n}\n# text = {' '.join(w for w, _ in s)}\n" + "\n".join(f"{w}\t{t}" for w, t in s)
                       for n, s in enumerate(tagged[:2500]))
    write(out / "t_text_comments.conll", text)  # no newline after the last token
    # tokens holding spaces (multi-word expressions, file names), Hugging Face's JSON lines
    fr = catalogue("fr", ["coreutils"])
    recs = []
    for msg in fr.en.iloc[:2000]:
        toks = re.findall(r"'[^']+'|\S+", msg)
        recs.append({"tokens": toks, "ner_tags": ["B-QUOTED" if t.startswith("'") and " " in t else "O" for t in toks]})
    write(out / "t_spaces.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs))


def kaggle_files(out: Path) -> None:
    """Two shapes Kaggle's most copied notebooks use: the GMB `ner_dataset.csv` (Sentence #, Word, POS, Tag; the
    sentence number on its first word's row only; latin-1) and series in long format (id, time step, value,
    label: one row a reading)."""
    sents = [s for s in (line.split() for line in PKU.read_text().splitlines()[:1500]) if s]
    rows = []
    for n, items in enumerate(sents, start=1):
        for k, item in enumerate(items):
            word, _, pos = item.rpartition("/")
            word = word.strip("[").split("]")[0]
            tag = {"nr": "B-per", "ns": "B-geo", "nt": "B-org"}.get(pos, "O")
            rows.append((f"Sentence: {n}" if k == 0 else "", word, pos, tag))
    frame = pd.DataFrame(rows, columns=["Sentence #", "Word", "POS", "Tag"])
    write(out / "t_kaggle_ner.csv", csv_text(frame))
    gun = (AEON / "GunPoint" / "GunPoint_TRAIN.ts").read_text().splitlines()
    at = next(i for i, ln in enumerate(gun) if ln.strip().lower() == "@data")
    long = [(i, t, v, lab) for i, ln in enumerate(gun[at + 1:]) for lab in [ln.split(":")[1]]
            for t, v in enumerate(ln.split(":")[0].split(","))]
    write(out / "cs_long.csv", csv_text(pd.DataFrame(long, columns=["id", "time", "value", "label"])))


def lm_files(out: Path) -> None:
    shutil.copy("/usr/share/doc/bash/changelog.Debian.gz" if Path("/usr/share/doc/bash/changelog.Debian.gz").exists()
                else next(Path("/usr/share/doc").glob("*/changelog.Debian.gz")), out / "l_changelog.gz")
    png = next(Path("/usr/share").rglob("*.png"), None)
    if png:
        shutil.copy(png, out / "l_image.txt")  # a binary file under a text name
    mds = sorted(Path("/usr/share/doc").glob("*/*.md"))
    write(out / "l_markdown.md", "\n\n".join(p.read_text(errors="replace") for p in mds))
    gpl = Path("/usr/share/common-licenses/GPL-3").read_text()
    write(out / "l_long_line.txt", (" ".join(gpl.split()) + " ") * 3)


def seq2seq_files(out: Path) -> None:
    fr = catalogue("fr", PROGRAMS)
    fr = fr[(fr.en.str.len() < 40) & ~fr.en.str.contains("\n") & ~fr.tr.str.contains("\n")]
    write(out / "s_hf_translation.jsonl", "".join(json.dumps({"translation": {"en": e, "fr": f}}, ensure_ascii=False) + "\n"
                                                  for e, f in zip(fr.en.iloc[:3000], fr.tr.iloc[:3000])))
    write(out / "s_hf_translation_new.jsonl", "".join(json.dumps({"translation": {"en": e, "fr": f}}, ensure_ascii=False) + "\n"
                                                      for e, f in zip(fr.en.iloc[3000:3100], fr.tr.iloc[3000:3100])))
    table = pd.DataFrame({"id": range(len(fr)), "English": fr.en.values, "French": fr.tr.values, "program": fr.program.values})
    write(out / "s_columns.csv", csv_text(table.iloc[:3000]))
    write(out / "s_columns_new.csv", csv_text(table.iloc[3000:3100]))


if __name__ == "__main__":
    build((forecast_files, series_files, text_files, tag_files, kaggle_files, lm_files, seq2seq_files), "/tmp/p4")
