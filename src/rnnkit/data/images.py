"""Image files read as grey pixel arrays: a folder of images with one subfolder per class (the layout of
torchvision's ImageFolder and of the PNG releases of MNIST and Fashion-MNIST), optionally split into
train/, valid/ (or val/) and test/ subfolders, and images to predict (one file or a folder of them).

    DIR/cat/001.png, DIR/dog/002.jpg ...                  one folder of classes: the training images
    DIR/train/cat/..., DIR/test/cat/...                   its splits, each a folder of classes
    DIR/mnist_png/training/0/...                          either, one folder deeper (an unpacked archive)

Every image is read with Pillow, made grey (`L`: 0-255, read as 0-1; a 16-bit image's 0-65535 read as 0-1, an
image with transparency laid on white under dark ink, on black under light) and brought to one size: the
images' most common size, scaled down to at most MAX_SIDE pixels a side (a recurrent reader takes one step a
row). A run keeps that size, and the images it predicts are brought to it the same way.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnnkit.data.readers import is_code
from rnnkit.errors import UserError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".pgm", ".ppm")
MAX_SIDE = 64
"""The longest side an image is read at: 64 steps of 64 pixels a row; larger images are scaled down."""
SPLIT_FOLDERS = {"train": ("train", "training"), "valid": ("valid", "val", "validation"), "test": ("test", "testing")}


@dataclass
class ImageFolder:
    """The images of a folder of classes, read at one size."""
    x: np.ndarray  # (N, H, W) float32 in [0, 1]
    labels: list[str | int]  # each image's class: its folder's name (a number where every name is one, and none
    # a code with a leading zero: 01)
    paths: list[Path]


def is_image_file(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES and not path.name.startswith(".")


def images_under(folder: Path) -> list[Path]:
    """The image files in `folder` and its subfolders, in path order."""
    return sorted(f for f in folder.rglob("*") if is_image_file(f))


def subfolders_of(folder: Path) -> list[Path]:
    """The folders in `folder`, in name order: hidden ones and a Mac zip's __MACOSX folder left out."""
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".") and p.name != "__MACOSX")


def inner_folder(root: Path) -> Path:
    """`root`, or the folder of splits or classes inside it where `root` holds nothing but that one folder (an
    archive unpacked into a folder of its own: DIR/mnist_png/training/0/1.png). That folder was read as the one
    class: "the training images hold one class ('mnist_png')" (probes6: i_nested)."""
    while root.is_dir() and not any(is_image_file(f) for f in root.iterdir()):
        inside = subfolders_of(root)
        if len(inside) != 1 or not subfolders_of(inside[0]):
            break
        root = inside[0]
    return root


def split_folders(root: Path) -> dict[str, Path]:
    """{"train": ..., "valid": ..., "test": ...} for a folder holding its splits (train/ at least), else
    {"train": root}."""
    subfolders = {p.name.lower(): p for p in sorted(root.iterdir()) if p.is_dir()}
    found = {}
    for split, names in SPLIT_FOLDERS.items():
        named = [subfolders[name] for name in names if name in subfolders]
        if named:
            found[split] = named[0]
    return found if "train" in found else {"train": root}


def class_files(folder: Path) -> dict[str, list[Path]]:
    """{class folder name: its image files (in its subfolders too), sorted}; a one-line error where the folder
    is not one of classes."""
    if not folder.is_dir():
        raise UserError(f"{folder}: {'is a file' if folder.exists() else 'not found'}; expected a folder with one "
                        "subfolder of images per class")
    classes = {p.name: images_under(p) for p in subfolders_of(folder)}
    classes = {name: files for name, files in classes.items() if files}
    if not classes:
        loose = sum(1 for f in folder.iterdir() if is_image_file(f))
        raise UserError(f"{folder}: expected one subfolder of images per class ({folder}/CLASS/1.png ...); found "
                        + (f"{loose} image files directly in it, and no class" if loose else "no image files"))
    return classes


def image_sizes(paths: list[Path]) -> list[tuple[int, int]]:
    """Each image's (width, height), from its header."""
    from PIL import Image

    sizes = []
    for path in paths:
        try:
            with Image.open(path) as image:
                sizes.append(image.size)
        except (OSError, ValueError) as err:
            raise UserError(f"{path}: not a readable image ({err})") from None
    return sizes


def common_size(sizes: list[tuple[int, int]]) -> tuple[int, int]:
    """(height, width): the most common of the images' (width, height) `sizes`, scaled down so that its longer
    side is at most MAX_SIDE."""
    width, height = Counter(sizes).most_common(1)[0][0]
    scale = min(1.0, MAX_SIDE / max(width, height))
    return max(1, round(height * scale)), max(1, round(width * scale))


WIDE_GREY_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I")
"""Pillow's modes of 16-bit (and 32-bit integer) grey images: their values run to 65535, and Pillow's conversion
to 8-bit grey clips them at 255, so that a 16-bit image read as nearly all white (probes6: i_16bit)."""


def has_transparency(image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def flattened_grey(image) -> np.ndarray:
    """(height, width) float32 grey values in [0, 1] of an image with transparency, laid on the background that
    shows it: white under dark ink, black under light. Its colour alone (Pillow's "L") ignores the alpha, and a
    drawing exported as black strokes on a transparent background (RGBA 0, 0, 0, a) read as an all-black
    image: a folder of them trained to chance without a word (probes6: i_rgba)."""
    grey_alpha = np.asarray(image.convert("RGBA").convert("LA"), dtype=np.float32) / 255.0
    grey, alpha = grey_alpha[..., 0], grey_alpha[..., 1]
    ink = float((grey * alpha).sum() / alpha.sum()) if alpha.sum() else 0.0
    background = 1.0 if ink < 0.5 else 0.0
    return grey * alpha + background * (1.0 - alpha)


def grey_values(image) -> np.ndarray | None:
    """An opened image's grey values in [0, 1] where its 8-bit grey ("L") would misread it (16-bit values,
    transparency), else None."""
    if image.mode in WIDE_GREY_MODES:
        return np.clip(np.asarray(image, dtype=np.float32) / 65535.0, 0.0, 1.0)
    if has_transparency(image):
        return flattened_grey(image)
    return None


def read_image(path: Path, size: tuple[int, int]) -> np.ndarray:
    """(height, width) float32 grey values in [0, 1] of one image file, brought to `size`."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            values = grey_values(image)
            grey = image.convert("L") if values is None else Image.fromarray(values)  # float32: mode F
            if grey.size != (size[1], size[0]):
                grey = grey.resize((size[1], size[0]), Image.Resampling.BILINEAR)
            return np.asarray(grey, dtype=np.float32) / (255.0 if values is None else 1.0)
    except (OSError, ValueError) as err:
        raise UserError(f"{path}: not a readable image ({err})") from None


def read_class_folder(folder: Path, size: tuple[int, int] | None = None) -> tuple[ImageFolder, list[str]]:
    """The images of a folder of classes at `size` ((height, width); None: `common_size` of its images), and
    the notes a run prints: images resized, and class folders without images, which are no class (they were left
    out without a word: probes6)."""
    classes = class_files(folder)
    paths = [f for files in classes.values() for f in files]
    sizes = image_sizes(paths)
    size = size or common_size(sizes)
    x = np.stack([read_image(f, size) for f in paths])
    numbered = all(name.isdigit() for name in classes) and not any(map(is_code, classes))  # 01, 02: as written
    labels = [int(name) if numbered else name for name, files in classes.items() for _ in files]
    resized = sum(s != (size[1], size[0]) for s in sizes)
    empty = [p.name for p in subfolders_of(folder) if p.name not in classes]
    notes = ([f"{folder}: {resized:,} of {len(paths):,} images resized to {size[0]} x {size[1]} (height x width)"]
             if resized else []) + ([f"{folder}: left out {', '.join(empty)}: no image files in it"] if empty else [])
    return ImageFolder(x, labels, paths), notes


def image_inputs(path: Path) -> list[Path]:
    """The image files to predict: `path` itself, or the images in the folder `path` (its subfolders too)."""
    if path.is_dir():
        files = images_under(path)
        if not files:
            raise UserError(f"{path}: holds no image files ({', '.join(IMAGE_SUFFIXES)})")
        return files
    if not path.exists():
        raise UserError(f"{path}: input file not found")
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        raise UserError(f"{path}: expected a .npy or .npz file, an image ({', '.join(IMAGE_SUFFIXES)}) or a folder "
                        "of images")
    return [path]
