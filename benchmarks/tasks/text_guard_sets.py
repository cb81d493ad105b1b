"""Small text-classification files nobody here had used, for choosing and judging the text run's blend rule
where a user's validation split is a few dozen to a few hundred texts (issue 26; TASKS.md, *The blend kept
to the baseline unless validation is clear*). Built from real text on the build machine, written as
train.csv and test.csv (a seeded, stratified 70/30 split, text_small_sets.write) and trained as a user would,
`rnnkit train classify --data train.csv --test-data test.csv`.

For choosing the rule (validation and test read):
- man-sections: the one-line NAME descriptions of `man -k .` by manual section (1, 2, 3, 5, 7, 8), 150 a section.
- debian-teams: Debian bookworm's one-line package descriptions (the apt Packages index) by maintainer team,
  12 teams, 100 a team.
- doc-kind: standard-library docstrings, a function's (or method's) or a class's: 2 classes, 750 each.
- go-rust: one-line package descriptions of the Go packaging team's against the Rust team's: 2 classes,
  1,500 each.
- man-1v8: NAME descriptions of manual section 1 (user commands) against section 8 (administration), 400 each.
- gnome-qt: one-line package descriptions, the GNOME team's against the Qt/KDE team's, 250 each.
- py-comments: the comment lines (# ...) of 10 standard-library packages' source, by package, 80 each.

Held back (built with the others, trained once, their test splits read once, after the rule was chosen):
- stdlib-packages: docstrings of functions and classes of 14 standard-library packages, by package, at most
  60 a package (packages outside text_small_sets' doc-modules).
- science-med: one-line descriptions, the Debian Science team's against the Debian Med team's, 500 each.
- man-2v3: NAME descriptions of manual section 2 (system calls) against section 3 (library functions),
  400 each.

    python benchmarks/tasks/text_guard_sets.py OUT_DIR [--only NAME ...]
"""
from __future__ import annotations

import ast
import re
import subprocess

import pandas as pd
from text_small_sets import STDLIB, build
from text_user_sets import PACKAGES

CHOOSE = ("man-sections", "debian-teams", "doc-kind", "go-rust", "man-1v8", "gnome-qt", "py-comments")
HELD_BACK = ("stdlib-packages", "science-med", "man-2v3")
NAME_LINE = re.compile(r"^(\S+) \(([^)]+)\)\s+- (.*)$")
TEAMS = {"Debian Perl Group": "perl", "Debian Haskell Group": "haskell", "Debian Python Team": "python",
         "Debian Rust Maintainers": "rust", "Debian Javascript Maintainers": "javascript",
         "Debian Java Maintainers": "java", "Debian Science Maintainers": "science",
         "Debian Qt/KDE Maintainers": "qt-kde", "Debian Go Packaging Team": "go",
         "Debian Med Packaging Team": "med", "Debian Multimedia Maintainers": "multimedia",
         "Debian R Packages Maintainers": "r", "Debian GNOME Maintainers": "gnome"}
PACKAGE_DIRS = ("xml", "json", "urllib", "importlib", "concurrent", "sqlite3", "ctypes", "idlelib", "tkinter",
                "curses", "wsgiref", "xmlrpc", "html", "lib2to3")
COMMENT_DIRS = ("asyncio", "email", "http", "multiprocessing", "unittest", "logging", "distutils", "encodings",
                "pydoc_data", "zoneinfo", "venv", "dbm", "ensurepip", "collections")
COMMENT = re.compile(r"^\s*#\s?(.*\S.*)$", re.M)


def sampled(frame: pd.DataFrame, per_label: int, labels=None, seed: int = 0) -> pd.DataFrame:
    """At most per_label texts of each label (of `labels` when given), seeded; duplicate texts dropped."""
    frame = frame.drop_duplicates("text", keep=False)
    if labels is not None:
        frame = frame[frame.label.isin(labels)]
    return frame.sample(frac=1.0, random_state=seed).groupby("label").head(per_label)


def man_names() -> pd.DataFrame:
    out = subprocess.run(["man", "-k", "."], capture_output=True, text=True, check=True).stdout
    rows = [{"text": m.group(3), "label": m.group(2)} for line in out.splitlines()
            if (m := NAME_LINE.match(line)) and m.group(3) != "unknown subject"]
    return pd.DataFrame(rows)


def package_teams() -> pd.DataFrame:
    index = subprocess.run(["lz4cat", PACKAGES], check=True, capture_output=True, text=True).stdout
    rows = []
    for stanza in index.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in stanza.splitlines() if ": " in line and not line[0].isspace())
        team = TEAMS.get(fields.get("Maintainer", "").split(" <")[0])
        if team and "Description" in fields:
            rows.append({"text": fields["Description"], "label": team})
    return pd.DataFrame(rows)


def docstrings(paths, label_of, min_chars: int = 20) -> pd.DataFrame:
    """Docstrings of every function and class in the files, labelled by label_of(path, node)."""
    rows = []
    for path in paths:
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                doc = ast.get_docstring(node)
                if doc and len(doc) >= min_chars:
                    rows.append({"text": doc, "label": label_of(path, node)})
    return pd.DataFrame(rows)


def doc_kind() -> pd.DataFrame:
    frame = docstrings(sorted(STDLIB.glob("*.py")),
                       lambda path, node: "class" if isinstance(node, ast.ClassDef) else "function")
    return sampled(frame, 750)


def stdlib_packages() -> pd.DataFrame:
    paths = [p for d in PACKAGE_DIRS for p in sorted((STDLIB / d).rglob("*.py")) if "test" not in p.parts]
    return sampled(docstrings(paths, lambda path, node: path.relative_to(STDLIB).parts[0]), 60)


def py_comments(min_chars: int = 25) -> pd.DataFrame:
    rows = [{"text": text, "label": d} for d in COMMENT_DIRS for p in sorted((STDLIB / d).rglob("*.py"))
            if "test" not in p.parts for text in COMMENT.findall(p.read_text(encoding="utf-8", errors="replace"))
            if len(text) >= min_chars]
    frame = pd.DataFrame(rows)
    counts = frame.drop_duplicates("text", keep=False).label.value_counts()
    return sampled(frame, 80, counts[counts >= 80].index[:10])


BUILDERS = {
    "man-sections": lambda: sampled(man_names(), 150, ["1", "2", "3", "5", "7", "8"]),
    "debian-teams": lambda: sampled(package_teams(), 100, sorted(set(TEAMS.values()) - {"science", "med"})),
    "doc-kind": doc_kind,
    "go-rust": lambda: sampled(package_teams(), 1500, ["go", "rust"]),
    "man-1v8": lambda: sampled(man_names(), 400, ["1", "8"]),
    "gnome-qt": lambda: sampled(package_teams(), 250, ["gnome", "qt-kde"]),
    "py-comments": py_comments,
    "stdlib-packages": stdlib_packages,
    "science-med": lambda: sampled(package_teams(), 500, ["science", "med"]),
    "man-2v3": lambda: sampled(man_names(), 400, ["2", "3"]),
}


def main() -> None:
    build(BUILDERS, __doc__.splitlines()[0])


if __name__ == "__main__":
    main()
