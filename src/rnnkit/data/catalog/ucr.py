"""Series classification problems of the UCR/UEA archive, as the `aeon` package ships them, with their
official train/test splits and the accuracies aeon publishes for them.

Each dataset's extractor copies `aeon/datasets/data/<Name>/<Name>_{TRAIN,TEST}.ts` out of the aeon wheel
(read, never installed) and writes `published.json`: the test accuracy of each classifier in aeon's
example results files (`aeon/testing/example_results_files/classification/accuracy/<Classifier>_accuracy.csv`)
on resample 0, which is the official split. Those files cover the univariate archive only; the
multivariate datasets get an empty `published.json`. The splits are `TsFile`s (`rnnkit.data.ts_format`).
"""
from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

from rnnkit.data.datasets import Dataset, DatasetInfo, DatasetSpec, check_size
from rnnkit.data.sources import Source, open_member
from rnnkit.data.ts_format import read_ts

AEON = "aeon==1.6.0"
AEON_SHA256 = "d05227086706f80111ac5fee8de4d5d3115bb3bcfd1c786c8629393055816409"
RESULTS = "aeon/testing/example_results_files/classification/accuracy/{}_accuracy.csv"
CLASSIFIERS = ("HC2", "InceptionTime", "WEASEL-2.0", "FreshPRINCE")
PUBLISHED_FILE = "published.json"


def _extract(archive_name: str):
    def extract(artifact: Path, out: Path) -> None:
        for split in ("TRAIN", "TEST"):
            member = f"aeon/datasets/data/{archive_name}/{archive_name}_{split}.ts"
            with open_member(artifact, member) as src, open(out / f"{split.lower()}.ts", "wb") as dst:
                shutil.copyfileobj(src, dst)
        published = {}
        for classifier in CLASSIFIERS:
            with open_member(artifact, RESULTS.format(classifier)) as f:
                for row in csv.reader(io.TextIOWrapper(f, encoding="utf-8")):
                    if row and row[0] == archive_name:
                        published[classifier] = float(row[1])  # column 1: resample 0, the official split
        (out / PUBLISHED_FILE).write_text(json.dumps(published, indent=1), encoding="utf-8")

    return extract


def _load(folder: Path, info: DatasetInfo) -> Dataset:
    train, test = read_ts(folder / "train.ts"), read_ts(folder / "test.ts")
    check_size(info.name, "train", len(train), info.sizes["train"])
    check_size(info.name, "test", len(test), info.sizes["test"])
    return Dataset(info.name, train, None, test, info)


def published_accuracies(folder: Path) -> dict[str, float]:
    """{classifier: test accuracy on the official split} from a fetched dataset's folder."""
    path = Path(folder) / PUBLISHED_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _spec(name: str, archive_name: str, description: str, train: int, test: int, labels: list[str],
          published: list[str] = ()) -> DatasetSpec:
    return DatasetSpec(
        DatasetInfo(
            name=name,
            description=description,
            task="series classification",
            sizes={"train": train, "test": test},
            labels=labels,
            split="official train/test (the archive's); rnnkit carves its validation set out of train",
            homepage=f"https://timeseriesclassification.com/description.php?Dataset={archive_name}",
            license="UCR/UEA archive: free for research use, cite the archive",
            citation="Dau et al. 2019, The UCR time series archive; Bagnall et al. 2018, The UEA multivariate "
                     "time series classification archive; files from aeon 1.6.0",
            published=[*published, "aeon's example results on this split (HIVE-COTE 2, InceptionTime, ...): "
                       "published.json in the cache folder, shown beside a run's test accuracy"],
        ),
        (Source("pypi", AEON, AEON_SHA256, _extract(archive_name)),),
        _load,
    )


UCR_DATASETS: dict[str, DatasetSpec] = {spec.info.name: spec for spec in (
    _spec("japanese-vowels", "JapaneseVowels",
          "Nine male speakers saying /ae/: 12 LPC cepstrum coefficients per frame, 7-29 frames (unequal lengths); "
          "the class is the speaker (Kudo et al. 1999).", 270, 370, [str(i) for i in range(1, 10)],
          ["LSTM-based models in the literature: about 98-99% test accuracy"]),
    _spec("basic-motions", "BasicMotions",
          "Smartwatch accelerometer and gyroscope (6 channels, 100 steps at 10 Hz) of four activities.",
          40, 40, ["Standing", "Running", "Walking", "Badminton"]),
    _spec("italy-power-demand", "ItalyPowerDemand",
          "Italian electricity demand over one day (24 hourly values): October-March or April-September.",
          67, 1029, ["1", "2"]),
    _spec("gun-point", "GunPoint",
          "An actor's hand x-coordinate over 150 frames: drawing a gun from a holster or pointing a finger.",
          50, 150, ["1", "2"]),
    _spec("arrow-head", "ArrowHead",
          "Outlines of projectile points as 251-step series of distances to the centre: three point types.",
          36, 175, ["0", "1", "2"]),
    _spec("osu-leaf", "OSULeaf",
          "Leaf outlines as 427-step series: six species of trees.", 200, 242, [str(i) for i in range(1, 7)]),
)}
