"""Small text-classification files with many classes, built from real text on the build machine, for judging
the text task's model alone where a user's file is a thousand texts in dozens of classes (issue 26, item 1).
Each is written as train.csv and test.csv (columns text, label; a seeded, stratified 70/30 split) and trained
as a user would, `rnnkit train classify --data train.csv --test-data test.csv`.

Tuned on (their validation split, held out of train.csv by the run):
- doc-modules: docstrings of the functions, classes and methods of 38 Python standard-library modules,
  labelled by module, at most 40 a module (the probe file of TASKS.md, *New-user probes of the text families*, rebuilt).
- py-functions: the source of functions (docstrings removed) of 30 other standard-library modules, by module.

Held back, for judging only:
- debian-long: the long descriptions of the Debian packages installed here (/var/lib/dpkg/status), by archive
  section, at most 60 packages from each section holding 10 or more.
- licences: paragraphs of the licence texts in /usr/share/common-licenses (one file per licence text), by licence.
- jieba-pos: 5,000 words of jieba's dictionary, seeded, by part of speech (the probe's Chinese file rebuilt;
  some tags hold one or two words).
- changelogs: entries of /usr/share/doc/*/changelog.Debian.gz (the entry's change lines), by package, at most
  40 entries from each package with 25 or more.

    python benchmarks/tasks/text_small_sets.py OUT_DIR
"""
from __future__ import annotations

import argparse
import ast
import gzip
import re
import sysconfig
from pathlib import Path

import numpy as np
import pandas as pd

DPKG_STATUS = "/var/lib/dpkg/status"
STDLIB = Path(sysconfig.get_paths()["stdlib"])
LICENCES = Path("/usr/share/common-licenses")
DOC_MODULES = ("argparse", "ast", "asyncio.events", "asyncio.streams", "calendar", "collections", "configparser",
               "csv", "datetime", "decimal", "difflib", "email.message", "fractions", "ftplib", "functools",
               "gettext", "http.client", "http.cookiejar", "imaplib", "inspect", "ipaddress", "logging",
               "mailbox", "multiprocessing.pool", "nntplib", "optparse", "pathlib", "pickle", "pydoc",
               "shutil", "smtplib", "statistics", "subprocess", "tarfile", "threading", "typing", "unittest.case",
               "zipfile")
CODE_MODULES = ("aifc", "base64", "bdb", "cgi", "cmd", "codecs", "copy", "dis", "doctest", "filecmp", "fnmatch",
                "glob", "gzip", "heapq", "hmac", "locale", "lzma", "mimetypes", "netrc", "ntpath", "os",
                "platform", "posixpath", "pprint", "queue", "random", "sched", "shlex", "socket", "string",
                "tempfile", "textwrap", "tokenize", "trace", "uuid", "warnings", "wave", "weakref")


def module_source(name: str) -> str:
    """The module's source file under the standard library's folder (some, e.g. os, load frozen)."""
    path = STDLIB / name.replace(".", "/")
    return (path / "__init__.py" if path.is_dir() else path.with_suffix(".py")).read_text(encoding="utf-8")


def definitions(name: str):
    tree = ast.parse(module_source(name))
    return [node for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]


def doc_modules(min_chars: int = 20, per_module: int = 40, seed: int = 0) -> pd.DataFrame:
    rows = [{"text": doc, "label": name} for name in DOC_MODULES for node in definitions(name)
            if (doc := ast.get_docstring(node)) and len(doc) >= min_chars]
    return pd.DataFrame(rows).sample(frac=1.0, random_state=seed).groupby("label").head(per_module)


def py_functions(min_chars: int = 80, max_chars: int = 3000) -> pd.DataFrame:
    rows = []
    for name in CODE_MODULES:
        for node in definitions(name):
            if isinstance(node, ast.ClassDef):
                continue
            if ast.get_docstring(node):
                node.body = node.body[1:] or [ast.Pass()]
            code = ast.unparse(node)
            if min_chars <= len(code) <= max_chars:
                rows.append({"text": code, "label": name})
    return pd.DataFrame(rows)


def debian_long(min_packages: int = 10, per_section: int = 60, seed: int = 0) -> pd.DataFrame:
    index = Path(DPKG_STATUS).read_text(encoding="utf-8")
    rows = []
    for stanza in index.split("\n\n"):
        section, description = None, []
        for line in stanza.splitlines():
            if line.startswith("Section: "):
                section = line[9:].split("/")[-1]
            elif line.startswith("Description: "):
                description = [line[13:]]
            elif description and line.startswith(" "):
                description.append("" if line.strip() == "." else line.strip())
            elif description:
                break
        if section and len(description) > 1:
            rows.append({"text": " ".join(description).strip(), "label": section})
    frame = pd.DataFrame(rows).drop_duplicates("text")
    counts = frame.label.value_counts()
    frame = frame[frame.label.isin(counts[counts >= min_packages].index)]
    return frame.sample(frac=1.0, random_state=seed).groupby("label").head(per_section)


def licences(min_chars: int = 60) -> pd.DataFrame:
    rows, seen = [], set()
    for path in sorted(LICENCES.iterdir()):
        real = path.resolve()
        if not path.is_file() or real in seen:
            continue
        seen.add(real)
        for paragraph in re.split(r"\n\s*\n", path.read_text(encoding="utf-8", errors="replace")):
            text = " ".join(paragraph.split())
            if len(text) >= min_chars:
                rows.append({"text": text, "label": path.name})
    return pd.DataFrame(rows).drop_duplicates("text", keep=False)


ENTRY_HEAD = re.compile(r"^(\S+) \(([^)]*)\) .*;.*urgency=", re.M)


def changelogs(min_entries: int = 25, per_package: int = 40, seed: int = 0) -> pd.DataFrame:
    rows = []
    for path in sorted(Path("/usr/share/doc").glob("*/changelog.Debian.gz")):
        text = gzip.open(path, "rt", encoding="utf-8", errors="replace").read()
        heads = list(ENTRY_HEAD.finditer(text))
        for head, nxt in zip(heads, heads[1:] + [None]):
            body = text[head.end():nxt.start() if nxt else len(text)]
            lines = [line.strip() for line in body.splitlines() if line.strip() and not line.startswith(" -- ")]
            entry = " ".join(lines)
            if entry:
                rows.append({"text": entry, "label": head.group(1)})
    frame = pd.DataFrame(rows).drop_duplicates("text", keep=False)
    counts = frame.label.value_counts()
    frame = frame[frame.label.isin(counts[counts >= min_entries].index)]
    return frame.sample(frac=1.0, random_state=seed).groupby("label").head(per_package)


def jieba_pos(words: int = 5000, seed: int = 0) -> pd.DataFrame:
    import jieba

    path = Path(jieba.__file__).parent / "dict.txt"
    rows = [line.split() for line in path.read_text(encoding="utf-8").splitlines()]
    frame = pd.DataFrame([{"text": r[0], "label": r[2]} for r in rows if len(r) == 3])
    return frame.sample(words, random_state=seed)


def write(frame: pd.DataFrame, out: Path, test_fraction: float = 0.3, seed: int = 0) -> None:
    """A seeded split of each label's texts: test_fraction of them (at least one when a label has two) to test.csv."""
    frame = frame.reset_index(drop=True)
    rng = np.random.default_rng(seed)
    test = np.zeros(len(frame), bool)
    for rows in frame.groupby("label").indices.values():
        rows = rng.permutation(rows)
        test[rows[:int(round(test_fraction * len(rows)))]] = True
    out.mkdir(parents=True, exist_ok=True)
    frame[~test].sample(frac=1.0, random_state=seed).to_csv(out / "train.csv", index=False)
    frame[test].sample(frac=1.0, random_state=seed).to_csv(out / "test.csv", index=False)
    print(f"{out}: {(~test).sum():,} train / {test.sum():,} test texts, {frame.label.nunique()} classes, "
          f"median {int(frame.text.str.len().median())} characters")


BUILDERS = {"doc-modules": doc_modules, "py-functions": py_functions, "debian-long": debian_long,
            "licences": licences, "changelogs": changelogs, "jieba-pos": jieba_pos}


def build(builders: dict, description: str) -> None:
    """The command line of a set builder: OUT_DIR [--only NAME ...], each set written to OUT_DIR/NAME."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("out", type=Path)
    parser.add_argument("--only", nargs="*", choices=sorted(builders), default=sorted(builders))
    args = parser.parse_args()
    for name in args.only:
        write(builders[name](), args.out / name)


def main() -> None:
    build(BUILDERS, __doc__.splitlines()[0])


if __name__ == "__main__":
    main()
