"""Files for the sixth round of new-user probes (benchmarks/TASKS.md, "New-user probes, sixth round").

Writes files in shapes the first five rounds did not try, from offline sources on a Debian build machine (MNIST
from rnnkit's cache, scikit-learn's digits, man pages' descriptions via `apropos`, the licences and Python
source under /work/lmtexts, the standard library's class names, aeon's GunPoint and BasicMotions), into the folder
given (default /tmp/p6):

    python benchmarks/tasks/new_user_probes6.py /tmp/p6

Each is then run as a new user would (`rnnkit train FAMILY --data FILE`, `--epochs 1` where only reading is in
question), and `predict`/`evaluate` on the `*_new*`/`*_test*` files of the same shape.
"""
from __future__ import annotations

import html
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

sys.path.insert(0, str(Path(__file__).parent))
from new_user_probes3 import AEON, LMTEXTS, build, csv_text, man_descriptions, write  # noqa: E402


def mnist_sample(per_split: int = 300) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Seeded MNIST training and test images (N, 28, 28) uint8 with their digits."""
    from rnnkit.data import load_dataset

    ds, rng, found = load_dataset("mnist", None), np.random.default_rng(6), {}
    for split, part in (("train", ds.train), ("test", ds.test)):
        x, y = np.asarray(part.x), np.asarray(part.y)
        rows = rng.permutation(len(y))[:per_split]
        grey = x[rows].reshape(-1, 28, 28)
        found[split] = ((grey * 255 if grey.max() <= 1 else grey).astype(np.uint8), y[rows].astype(int))
    return found


def image_folder(out: Path, images: dict, save) -> None:
    """out/{train,test}/DIGIT/N.png with each image written by `save(uint8 image, path)`."""
    for split, (x, y) in images.items():
        for i, (image, label) in enumerate(zip(x, y)):
            (out / split / str(label)).mkdir(parents=True, exist_ok=True)
            save(image, out / split / str(label) / f"{i}.png")


def image_files(out: Path) -> None:
    mnist = mnist_sample()
    # a drawing program's export: black strokes on a transparent background (RGBA, the digit in the alpha)
    def rgba(image, path):
        pixels = np.zeros((*image.shape, 4), np.uint8)
        pixels[..., 3] = image
        Image.fromarray(pixels, "RGBA").save(path)
    image_folder(out / "i_rgba", mnist, rgba)
    # 16-bit grey PNGs (scientific and medical cameras): 0-65535
    image_folder(out / "i_16bit", mnist, lambda im, p: Image.fromarray(im.astype(np.uint16) * 257).save(p))
    # colour JPEGs: white digits on a coloured background, saved .jpg under .png folder names
    rng = np.random.default_rng(0)

    def colour(image, path):
        tint = rng.integers(0, 160, 3)
        pixels = np.clip(tint[None, None, :] + image[..., None].astype(int), 0, 255).astype(np.uint8)
        Image.fromarray(pixels, "RGB").save(path.with_suffix(".jpg"), quality=90)
    image_folder(out / "i_colour", mnist, colour)
    # palette PNGs (a GIF-like 16-colour save)
    image_folder(out / "i_palette", mnist,
                 lambda im, p: Image.fromarray(im).convert("P", palette=Image.Palette.ADAPTIVE, colors=16).save(p))
    # MNIST's PNG release as unzipped: DIR/mnist_png/{training,testing}/DIGIT/N.png (one level deeper)
    image_folder(out / "i_nested" / "mnist_png", {"training": mnist["train"], "testing": mnist["test"]},
                 lambda im, p: Image.fromarray(im).save(p))
    # a folder a Mac and Windows have been in: .DS_Store, Thumbs.db, a README, an empty class folder, a
    # file ending .png that is an HTML error page (a failed download)
    junk = out / "i_junk"
    image_folder(junk, mnist, lambda im, p: Image.fromarray(im).save(p))
    for folder in (junk, junk / "train", junk / "train" / "3"):
        (folder / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1" + bytes(100))
        (folder / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0" + bytes(100))
    write(junk / "README.md", "# digits\n")
    (junk / "train" / "empty_class").mkdir()
    write(junk / "train" / "7" / "download.png", "<html><body>404 Not Found</body></html>\n")
    # images of mixed sizes: a third at 56 x 56, a tenth at 20 x 28
    def mixed(image, path):
        k = int(path.stem) % 10
        im = Image.fromarray(image)
        im = im.resize((56, 56)) if k < 3 else im.resize((20, 28)) if k == 3 else im
        im.save(path)
    image_folder(out / "i_mixed", mnist, mixed)
    # one image per class, 300 classes (a face or logo set of one picture each)
    x, _ = mnist["train"]
    for i in range(300):
        (out / "i_one_each" / f"c{i:03d}").mkdir(parents=True, exist_ok=True)
        Image.fromarray(x[i]).save(out / "i_one_each" / f"c{i:03d}" / "a.png")
    # a Kaggle layout: the images in one folder and a labels CSV beside it
    kaggle = out / "i_kaggle"
    (kaggle / "train").mkdir(parents=True)
    xs, ys = mnist["train"]
    for i, image in enumerate(xs):
        Image.fromarray(image).save(kaggle / "train" / f"{i}.png")
    write(kaggle / "train.csv", csv_text(pd.DataFrame({"id": [f"{i}.png" for i in range(len(ys))], "label": ys})))
    # class folders named as codes (00-03), and a test class the training folders lack (09)
    for split, (x, y) in mnist.items():
        for i, (image, label) in enumerate(zip(x, y)):
            if label < 4 or split == "test" and label == 9:
                (out / "i_codes" / split / f"0{label}").mkdir(parents=True, exist_ok=True)
                Image.fromarray(image).save(out / "i_codes" / split / f"0{label}" / f"{i}.png")
    # images to predict: one 56 x 56 RGBA, one 16-bit
    Image.fromarray(np.dstack([np.zeros((28, 28, 3), np.uint8), mnist["test"][0][0]]), "RGBA").resize((56, 56)).save(
        out / "i_new_rgba.png")
    Image.fromarray(mnist["test"][0][0].astype(np.uint16) * 257).save(out / "i_new_16bit.png")
    write(out / "i_new_labels.txt", " ".join(str(v) for v in mnist["test"][1][:1]) + "\n")


def classify_files(out: Path) -> None:
    man = man_descriptions()
    train, new = man.iloc[:1500], man.iloc[1500:1700]
    for name in ("target", "class", "category"):
        write(out / f"c_{name}.csv", csv_text(train.rename(columns={"label": name})))
    # nested JSON: {"review": {"body": ...}, "rating": ...}
    write(out / "c_nested.jsonl", "".join(json.dumps({"review": {"body": t, "title": t[:20]}, "label": y}) + "\n"
                                          for t, y in zip(train.text, train.label)))
    write(out / "c_nested_new.jsonl", "".join(json.dumps({"review": {"body": t, "title": t[:20]}}) + "\n"
                                              for t in new.text))
    # HTML-escaped texts (scraped)
    write(out / "c_html.csv", csv_text(train.assign(text="<p>" + train.text.map(html.escape) + " &amp; more</p>")))
    # multi-label as comma-separated strings in one cell
    multi = train.assign(label=[f"{y},other" if i % 3 == 0 else y for i, y in enumerate(train.label)])
    write(out / "c_multi_comma.csv", csv_text(multi))
    # a 1% minority class (15 of 1,500)
    rare = train.assign(label=["rare" if i % 100 == 0 else "common" for i in range(len(train))])
    write(out / "c_rare1pct.csv", csv_text(rare))
    # texts that are only URLs / only emoji
    urls = train.assign(text=["https://example.org/" + "/".join(t.split()[:3]) for t in train.text])
    write(out / "c_urls.csv", csv_text(urls))
    emoji = "😀😂🥲😍🤔😡👍👎🎉🔥"
    write(out / "c_emoji_only.csv", csv_text(train.assign(
        text=["".join(emoji[(len(w) + j) % 10] for j, w in enumerate(t.split())) for t in train.text])))
    train.to_parquet(out / "c_plain.parquet")
    new[["text"]].to_parquet(out / "c_new.parquet")


def tag_files(out: Path) -> None:
    """CoNLL of man page descriptions tagged by a rule: CMD for the first word, NUM for numbers, O else (BIO)."""
    man = man_descriptions().iloc[:1200]
    sentences = [[(w, "B-NUM" if w.isdigit() else "B-LIB" if w.startswith("lib") else "O")
                  for w in t.split()] for t in man.text]

    def conll(sents, sep="\t"):
        return "\n\n".join("\n".join(f"{w}{sep}{t}" for w, t in s) for s in sents) + "\n"
    # blank lines and a comment at the top
    write(out / "t_blank_top.conll", "\n\n# generated\n\n" + conll(sentences[:1000]))
    # mixed tab / space separators (a file edited by hand), no trailing newline
    mixed = "\n\n".join("\n".join(f"{w}{' ' if i % 2 else chr(9)}{t}" for i, (w, t) in enumerate(s))
                        for s in sentences[:1000])
    write(out / "t_mixed_sep.conll", mixed)
    write(out / "t_test.conll", conll(sentences[1000:]))
    # a file of texts to predict, one sentence a line, with a trailing line and no newline
    write(out / "t_new.txt", "\n".join(" ".join(w for w, _ in s) for s in sentences[1000:1100]))


def seq2seq_files(out: Path) -> None:
    import inspect

    import collections.abc
    names = sorted({n for m in (collections.abc, __import__("typing"), __import__("email.errors").errors,
                                __import__("http").client, __import__("unittest"))
                    for n, o in inspect.getmembers(m) if inspect.isclass(o) and n[0].isupper()})
    import re
    pairs = [(n, re.sub(r"(?<!^)(?=[A-Z])", "_", n).lower()) for n in names]
    # Tatoeba's downloads: source<TAB>target<TAB>attribution, no header
    write(out / "s_tatoeba.tsv", "".join(f"{a}\t{b}\tCC-BY 2.0 (France) Attribution: tatoeba.org #{i} (user)\n"
                                         for i, (a, b) in enumerate(pairs)))
    write(out / "s_input_output.csv", "input,output\n" + "".join(f"{a},{b}\n" for a, b in pairs))
    write(out / "s_fra.txt", (out / "s_tatoeba.tsv").read_text())  # manythings.org/anki's name for it
    write(out / "s_identity.tsv", "".join(f"{a}\t{a}\n" for a, _ in pairs))
    write(out / "s_new.txt", "".join(f"{a}\n" for a, _ in pairs[:20]))


def lm_files(out: Path) -> None:
    text = (LMTEXTS / "licenses.txt").read_text()[:60000]
    write(out / "l_one_line.json", json.dumps({"docs": text.split("\n")}))  # minified: one line, no newline
    write(out / "l_tiny.txt", text[:300])
    write(out / "l_crlf.md", text, newline="\r\n")
    pd.DataFrame({"text": text.split("\n")}).to_parquet(out / "l_hf.parquet")  # the Hugging Face hub's wikitext files


def series_files(out: Path) -> None:
    from rnnkit.data.ts_format import read_ts
    gun = read_ts(AEON / "GunPoint" / "GunPoint_TRAIN.ts")
    test = read_ts(AEON / "GunPoint" / "GunPoint_TEST.ts")
    motions = read_ts(AEON / "BasicMotions" / "BasicMotions_TRAIN.ts")
    # sktime/aeon long format: case_id, dim_id, reading_id, value (and the labels in their own file)
    rows = [(c, d, r, float(v)) for c, s in enumerate(motions.series) for d in range(s.shape[1])
            for r, v in enumerate(s[:, d])]
    frame = pd.DataFrame(rows, columns=["case_id", "dim_id", "reading_id", "value"])
    write(out / "cs_sktime_long.csv", csv_text(frame))
    frame["class_val"] = [motions.labels[c] for c in frame.case_id]
    write(out / "cs_sktime_long_labelled.csv", csv_text(frame))
    write(out / "cs_sktime_long_label.csv", csv_text(frame.rename(columns={"class_val": "label"})))
    # a header of time stamps
    stamps = pd.date_range("2024-01-01", periods=150, freq="s").strftime("%H:%M:%S").tolist()
    write(out / "cs_time_header.csv", ",".join(stamps) + ",label\n" + "".join(
        ",".join(f"{v:.6f}" for v in s[:, 0]) + f",{lab}\n" for s, lab in zip(gun.series, gun.labels)))
    # NaN in the middle of a series (a sensor drop-out)
    def with_gaps(series, labels):
        lines = []
        for i, (s, lab) in enumerate(zip(series, labels)):
            values = [f"{v:.6f}" for v in s[:, 0]]
            if i % 5 == 0:
                values[60:63] = ["NaN"] * 3
            lines.append(",".join(values) + f",{lab}\n")
        return ",".join(f"t{j}" for j in range(150)) + ",label\n" + "".join(lines)
    write(out / "cs_nan_mid.csv", with_gaps(gun.series, gun.labels))
    # the UCR archive of 2015: no suffix, comma-separated, the label first
    write(out / "cs_GunPoint_TRAIN", "".join(f"{lab}," + ",".join(f"{v:.6f}" for v in s[:, 0]) + "\n"
                                             for s, lab in zip(gun.series, gun.labels)))
    write(out / "cs_nan_mid_test.csv", with_gaps(test.series, test.labels))
    # .ts with @timestamps true: (t,v) pairs
    body = "".join(",".join(f"({j},{v:.6f})" for j, v in enumerate(s[:, 0])) + f":{lab}\n"
                   for s, lab in zip(gun.series, gun.labels))
    write(out / "cs_timestamps.ts", "@problemName GunPoint\n@timestamps true\n@univariate true\n"
          "@classLabel true 1 2\n@data\n" + body)


if __name__ == "__main__":
    build((image_files, classify_files, tag_files, seq2seq_files, lm_files, series_files), "/tmp/p6")
