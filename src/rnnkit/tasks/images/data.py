"""The image task's data: (images (N, H*W) float32 in [0, 1], class ids (N,) int64) per split, from a named
dataset, the user's .npz or a folder of images with one subfolder per class (`rnnkit.data.images`), with the
classes (a `LabelMap`: the labels as given, or the class folders' names) and the images' (height, width); and
images to predict from a .npy/.npz file, an image file or a folder of them."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rnnkit.data import load_dataset, read_npz
from rnnkit.data.images import image_inputs, inner_folder, read_class_folder, read_image, split_folders
from rnnkit.data.readers import LabelMap, read_array
from rnnkit.data.splits import stratified_holdout, tail_holdout
from rnnkit.errors import UserError
from rnnkit.tasks.images.config import MnistConfig

Split = tuple[np.ndarray, np.ndarray]
LABELS_FILE = "labels.json"
MNIST_SIZE = (28, 28)


@dataclass
class ImageData:
    splits: dict[str, Split | None]
    """"train", "valid", "test" -> (images (N, H*W), class ids (N,)) or None"""
    label_map: LabelMap
    size: tuple[int, int]
    """(height, width) of every image"""
    notes: list[str] = field(default_factory=list)
    """what a run prints about how the files were read"""


def image_size(x: np.ndarray, where: str) -> tuple[int, int]:
    """(height, width) of an array of images: (N, H, W), or (N, P) of square images (784 pixels: MNIST's 28 x 28)."""
    if x.ndim == 3:
        return int(x.shape[1]), int(x.shape[2])
    side = math.isqrt(x.shape[1]) if x.ndim == 2 else 0
    if x.ndim != 2 or side < 2 or side * side != x.shape[1]:
        raise UserError(f"{where}: expected images as (N, height, width), or (N, pixels) of square images; got shape "
                        f"{x.shape}")
    return side, side


def as_images(x: np.ndarray, where: str, size: tuple[int, int] | None = None) -> np.ndarray:
    """(N, H*W) float32 in [0, 1] (0-255 values scaled), checked to be images of `size` where given."""
    x = np.asarray(x, dtype=np.float32)
    found = image_size(x, where)
    if size is not None and found != tuple(size):
        raise UserError(f"{where}: images of {found[0]} x {found[1]} pixels; the model reads {size[0]} x {size[1]}")
    x = x.reshape(len(x), -1)
    return x / 255.0 if x.max(initial=0) > 1.0 else x


def load_data(config: MnistConfig, data: str | None = None, label_map: LabelMap | None = None,
              size: tuple[int, int] | None = None) -> ImageData:
    """The splits of `data` (a folder of images or an .npz), else of `config.data`, else of the named dataset;
    the classes are `label_map`'s where given (a trained run's), else the training labels'; a folder's images
    are read at `size` where given, else at their most common size."""
    data = data or config.data
    if data is None:
        ds = load_dataset(config.dataset, config.cache_dir)
        raw = {"train": ds.train, "valid": ds.valid, "test": ds.test}
        arrays = {k: None if s is None else (as_images(s.x, f"{config.dataset} {k}", MNIST_SIZE), np.asarray(s.y))
                  for k, s in raw.items()}
        return labelled(arrays, label_map, MNIST_SIZE, [], config.dataset)
    if Path(data).is_dir():
        return folder_data(config, Path(data), label_map, size)
    path = Path(data)
    if path.suffix.lower() != ".npz":  # numpy's own error for a CSV was about pickled objects and allow_pickle
        raise UserError(f"{path}: {'not found' if not path.exists() else 'not an .npz file'}; expected a folder of "
                        "images (a subfolder per class, or train/ and test/ folders of them) or an .npz file")
    arrays = read_npz(path)
    if "x_train" not in arrays or "y_train" not in arrays:
        raise UserError(f"{path}: needs arrays x_train and y_train (found {', '.join(sorted(arrays))})")
    size = size or image_size(arrays["x_train"], f"{path} x_train")
    found = {split: (as_images(arrays[f"x_{split}"], f"{path} x_{split}", size), arrays[f"y_{split}"])
             if f"x_{split}" in arrays else None for split in ("train", "valid", "test")}
    if found["valid"] is None and config.validation_split:  # Keras' validation_split: the last images, in order
        (x, y), (keep, held) = found["train"], tail_holdout(len(found["train"][0]), config.validation_split, "images")
        found.update(train=(x[keep], y[keep]), valid=(x[held], y[held]))
    return labelled(found, label_map, size, [], str(path))


def folder_data(config: MnistConfig, root: Path, label_map: LabelMap | None, size: tuple[int, int] | None) -> ImageData:
    """A folder of classes, or of train/ (valid/, test/) folders of classes. Without a validation folder a
    seeded `validation_split` of each class is held out: a folder lists its images class by class, so the
    last ones by position would be one class."""
    notes, found, inner = [], {"train": None, "valid": None, "test": None}, inner_folder(root)
    if inner != root:
        notes.append(f"{root}: holds only the folder {inner.relative_to(root)}, read as the images' folder")
    for split, folder in split_folders(inner).items():
        images, read_notes = read_class_folder(folder, size)
        size, notes = size or images.x.shape[1:], notes + read_notes
        found[split] = (images.x.reshape(len(images.x), -1), np.asarray(images.labels, dtype=object))
    if found["valid"] is None and config.validation_split:
        x, y = found["train"]
        try:
            keep, held = stratified_holdout(LabelMap.fit(y.tolist()).encode(y.tolist()), config.validation_split,
                                            config.seed)
        except UserError as err:  # its hint named --valid-data, which images have no option for
            single = len(set(y.tolist())) == len(y)
            raise UserError(f"{root}: {str(err).split(';')[0]}" + (" (every class holds one image)" if single else "")
                            + "; give a valid/ folder of classes beside train/, or --validation-split 0") from None
        found.update(train=(x[keep], y[keep]), valid=(x[held], y[held]))
    return labelled(found, label_map, tuple(size), notes, str(root))


def labelled(found: dict[str, tuple | None], label_map: LabelMap | None, size, notes: list[str],
             source: str) -> ImageData:
    """`found`'s labels as class ids of `label_map`, else of the training labels' classes; a label outside
    them is an error naming the split and the label."""
    if label_map is None:
        if found["train"] is None:
            raise UserError(f"{source}: has no training images")
        label_map = LabelMap.fit(np.asarray(found["train"][1]).tolist())
        if len(label_map) < 2:
            raise UserError(f"{source}: the training images hold one class ({label_map.labels[0]!r}); "
                            "a classifier needs two or more")
    splits = {}
    for split, pair in found.items():
        if pair is None:
            splits[split] = None
            continue
        labels = np.asarray(pair[1]).tolist()
        unknown = [label for label in dict.fromkeys(labels) if not label_map.knows(label)]
        if unknown:  # named by class: "item 114: unknown label 9" sent a user counting files
            count = sum(label in unknown for label in labels)
            raise UserError(f"{source}: {count:,} {split} images of class {', '.join(map(str, unknown))}, which the "
                            f"training images lack; the model knows: {', '.join(map(str, label_map.labels))}")
        splits[split] = (pair[0], label_map.encode(labels))
    return ImageData(splits, label_map, (int(size[0]), int(size[1])), notes)


def test_split(config: MnistConfig, data: str | None, label_map: LabelMap, size: tuple[int, int]) -> Split | None:
    """The test images of `data` (else the config's): an .npz's x_test/y_test, a folder's test/ folder, or a
    folder of classes with no split folders given as `data`, read whole as test images."""
    folder = data or config.data
    if folder is not None and Path(folder).is_dir():  # only the test images are read
        folder = str(inner_folder(Path(folder)))
        splits = split_folders(Path(folder))
        if "test" not in splits and data is None:
            return None  # the run's own folder, without a test/ folder
        images, _ = read_class_folder(splits.get("test", Path(folder)), size)
        found = {"train": None, "valid": None, "test": (images.x.reshape(len(images.x), -1), images.labels)}
        return labelled(found, label_map, size, [], folder).splits["test"]
    return load_data(config, data, label_map, size).splits["test"]


def read_images(inputs: str, size: tuple[int, int] = MNIST_SIZE) -> tuple[np.ndarray, list[str]]:
    """Images to predict as (N, H*W), and a name for each: a .npy, or an .npz's x, x_test or images array
    (named by position), else an image file or a folder of them (named by path), brought to `size`."""
    path = Path(inputs)
    if path.suffix in (".npy", ".npz"):
        x = as_images(read_array(inputs, ("x", "x_test", "images")), inputs, size)
        return x, [str(i) for i in range(len(x))]
    files = image_inputs(path)
    return np.stack([read_image(f, size).reshape(-1) for f in files]), [str(f) for f in files]
