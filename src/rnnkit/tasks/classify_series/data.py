"""The series task's data: .ts files (a named dataset's or the user's) -> label ids, per-channel
standardisation fitted on the training file, post-padded arrays with each case's length.

The run folder keeps `labels.json` (the training file's @classLabel order) and `scaling.json` (each
channel's mean and scale), so predict and evaluate read new files exactly as training did. Missing
values (NaN, '?') become 0 after scaling: the training mean of their channel.
"""
from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from typing import NamedTuple
from pathlib import Path

import numpy as np

from rnnkit.atomic import write_json
from rnnkit.data import LabelMap
from rnnkit.data.catalog import fetch_dataset, load_dataset
from rnnkit.data.catalog.ucr import published_accuracies
from rnnkit.data.splits import stratified_holdout
from rnnkit.data.readers import check_class_counts
from rnnkit.data.ts_format import TsFile, pad_series
from rnnkit.data.ucr_tsv import read_series_file
from rnnkit.errors import UserError
from rnnkit.tasks.classify_series.config import SeriesConfig

LABELS_FILE = "labels.json"
SCALING_FILE = "scaling.json"


@dataclass
class SeriesFiles:
    train: TsFile
    test: TsFile | None
    source: str  # the dataset's name or the training file's path
    published: dict[str, float] = field(default_factory=dict)  # {classifier: test accuracy} (named datasets)
    valid: TsFile | None = None  # the user's validation file (else a part of train is held out)


def load_files(config: SeriesConfig) -> SeriesFiles:
    if config.data is not None:
        read = read_series_file
        return SeriesFiles(read(config.data), read(config.test_data) if config.test_data else None, config.data,
                           valid=read(config.valid_data) if config.valid_data else None)
    ds = load_dataset(config.dataset, config.cache_dir)
    return SeriesFiles(ds.train, ds.test, config.dataset, published_accuracies(fetch_dataset(config.dataset, config.cache_dir)))


def test_file(config: SeriesConfig, data: str | None) -> TsFile:
    """The file `rnnkit evaluate` scores: `data`, else the run's own test file or dataset."""
    if data is not None:
        return read_series_file(data)
    if config.data is None:
        return load_dataset(config.dataset, config.cache_dir).test
    if config.test_data is None:
        raise UserError(f"the run was trained on {config.data} without a test file; pass --data X_TEST.ts")
    return read_series_file(config.test_data)


def label_map_of(ts: TsFile) -> LabelMap:
    """The classes in the order the training file's @classLabel declares them."""
    if ts.header.target_label:
        raise UserError(f"{ts.path}: a regression file (@targetLabel true: a number after each case); "
                        "classify-series needs class labels (@classLabel true LABEL ...)")
    if ts.labels is None or ts.header.class_labels is None:
        raise UserError(f"{ts.path}: has no class labels, which training needs (a .ts file: @classLabel true "
                        "LABEL ... and a label after each case; a table: a column named label, class or target)")
    return LabelMap(ts.header.class_labels)


def label_ids(ts: TsFile, label_map: LabelMap) -> np.ndarray:
    """(N,) class ids; a label the model does not know is an error naming the file and line."""
    if ts.labels is None:
        raise UserError(f"{ts.path}: has no class labels to score against (@classLabel false, a table with no "
                        "column named label, class or target, or an ARFF file whose classes are all ?)")
    known = {str(label): i for i, label in enumerate(label_map.labels)}
    for label, line in zip(ts.labels, ts.lines):
        if label not in known:
            raise UserError(f"{ts.path}: line {line}: class label {str(label)!r} is not one the model knows: "
                            f"{' '.join(map(str, label_map.labels))}")
    return np.array([known[label] for label in ts.labels], dtype=np.int64)


@dataclass
class Scaling:
    """x' = (x - mean) / scale per channel; identity when standardisation is off."""

    mean: np.ndarray  # (C,)
    scale: np.ndarray  # (C,)

    @classmethod
    def fit(cls, ts: TsFile, standardize: bool) -> "Scaling":
        if not standardize:
            return cls(np.zeros(ts.channels), np.ones(ts.channels))
        steps = np.concatenate(ts.series).astype(np.float64)  # (sum of T_i, C); NaNs are left out
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # an all-missing channel: mean 0, scale 1
            mean, std = np.nanmean(steps, 0), np.nanstd(steps, 0)
        std = np.nan_to_num(std, nan=1.0)
        return cls(np.nan_to_num(mean), np.where(std > 0, std, 1.0))  # a constant channel keeps scale 1

    def save(self, path: Path) -> None:
        write_json(path, {"mean": self.mean.tolist(), "scale": self.scale.tolist()})

    @classmethod
    def load(cls, path: Path) -> "Scaling":
        try:
            saved = json.loads(Path(path).read_text(encoding="utf-8"))
            return cls(np.asarray(saved["mean"], dtype=np.float64), np.asarray(saved["scale"], dtype=np.float64))
        except FileNotFoundError:
            raise UserError(f"{path}: not found (is this a classify-series run folder?)") from None
        except (ValueError, KeyError, TypeError) as err:
            raise UserError(f"{path}: not a rnnkit scaling file ({err})") from None

    def arrays(self, ts: TsFile) -> tuple[np.ndarray, np.ndarray]:
        """(x (N, T, C) float32 scaled, post-padded with 0; lengths (N,) int64)."""
        if ts.channels != len(self.mean):
            raise UserError(f"{ts.path}: its series have {ts.channels} channel(s), the model was trained on "
                            f"{len(self.mean)}")
        scaled = [np.nan_to_num((s - self.mean) / self.scale).astype(np.float32) for s in ts.series]
        return pad_series(scaled)


@dataclass
class Held:
    """The training file split as a run trains: the rows the model fits on and the validation series
    (the user's file, or a seeded stratified part of the training file, or none)."""

    x: np.ndarray  # (N, T, C) the whole training file, scaled and padded
    lengths: np.ndarray
    y: np.ndarray
    fit_rows: np.ndarray | slice
    valid: tuple[np.ndarray, np.ndarray, np.ndarray] | None  # (x, lengths, y)

    @property
    def fit(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.x[self.fit_rows], self.lengths[self.fit_rows], self.y[self.fit_rows]


def hold_out(config: SeriesConfig, files: SeriesFiles, scaling: Scaling, label_map: LabelMap) -> Held:
    x, lengths = scaling.arrays(files.train)
    y = label_ids(files.train, label_map)
    if files.valid is not None:
        return Held(x, lengths, y, slice(None), (*scaling.arrays(files.valid), label_ids(files.valid, label_map)))
    if config.validation_split:
        fit_rows, valid_rows = stratified_holdout(y, config.validation_split, config.seed)
        return Held(x, lengths, y, fit_rows, (x[valid_rows], lengths[valid_rows], y[valid_rows]))
    return Held(x, lengths, y, slice(None), None)


class SeriesData(NamedTuple):
    """A run's series as training reads them: the files, the label map, the scaling fitted on the training
    file, the training file split (`Held`) and the test series (x, lengths, y), None without a test file."""
    files: SeriesFiles
    label_map: LabelMap
    scaling: Scaling
    held: Held
    test: tuple[np.ndarray, np.ndarray, np.ndarray] | None


def read_series_data(config: SeriesConfig) -> SeriesData:
    """The config's files read, labelled, scaled and held out as a run trains on them."""
    files = load_files(config)
    label_map = label_map_of(files.train)
    check_class_counts(files.train.path, "the class labels", label_ids(files.train, label_map), label_map, "series")
    scaling = Scaling.fit(files.train, config.standardize)
    held = hold_out(config, files, scaling, label_map)
    test = (*scaling.arrays(files.test), label_ids(files.test, label_map)) if files.test is not None else None
    return SeriesData(files, label_map, scaling, held, test)


def as_batchable(x: np.ndarray, lengths: np.ndarray, y: np.ndarray | None = None) -> tuple:
    """What the trainer reads: (x, y) when every series has the full length, else (x, lengths, y)."""
    same = bool((lengths == x.shape[1]).all())
    if y is None:
        return (x,) if same else (x, lengths)
    return (x, y) if same else (x, lengths, y)
