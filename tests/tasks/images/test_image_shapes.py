"""Image folders in the shapes users bring them (probes6): transparent and 16-bit PNGs read as the picture they
show, an archive unpacked one folder deeper, classes of one image, and a file that is no image folder. The images
are scikit-learn's real handwritten digits."""
import numpy as np
import pytest
from PIL import Image

from rnnkit.data.images import read_image
from rnnkit.errors import UserError
from rnnkit.tasks.config import make_config
from rnnkit.tasks.images.config import MnistConfig
from rnnkit.tasks.images.data import load_data


@pytest.fixture(scope="module")
def digits():
    from sklearn.datasets import load_digits

    data = load_digits()
    return (data.images[:40] * 255 / 16).round().astype(np.uint8), data.target[:40]


def test_black_strokes_on_a_transparent_background_read_as_dark_ink_on_white(digits, tmp_path):
    image = digits[0][0]
    pixels = np.zeros((8, 8, 4), np.uint8)
    pixels[..., 3] = image  # a drawing program's export: the digit in the alpha, the colour black throughout
    Image.fromarray(pixels, "RGBA").save(tmp_path / "ink.png")
    np.testing.assert_allclose(read_image(tmp_path / "ink.png", (8, 8)), 1 - image / 255, atol=1e-6)
    pixels[..., :3] = 255  # white strokes on transparency: on black, as the digit itself
    Image.fromarray(pixels, "RGBA").save(tmp_path / "chalk.png")
    np.testing.assert_allclose(read_image(tmp_path / "chalk.png", (8, 8)), image / 255, atol=1e-6)


def test_a_16_bit_png_reads_its_whole_range(digits, tmp_path):
    image = digits[0][0]
    Image.fromarray(image.astype(np.uint16) * 257).save(tmp_path / "wide.png")  # 0-65535
    with Image.open(tmp_path / "wide.png") as opened:
        assert opened.mode.startswith("I")
    np.testing.assert_allclose(read_image(tmp_path / "wide.png", (8, 8)), image / 255, atol=1e-6)
    halved = read_image(tmp_path / "wide.png", (4, 4))  # resized as the 8-bit image is, within a grey level
    Image.fromarray(image).save(tmp_path / "narrow.png")
    np.testing.assert_allclose(halved, read_image(tmp_path / "narrow.png", (4, 4)), atol=1 / 255)


def write_folder(root, images, labels):
    for i, (image, label) in enumerate(zip(images, labels)):
        (root / str(label)).mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(root / str(label) / f"{i}.png")


def test_an_archive_unpacked_one_folder_deeper_is_read_from_its_inner_folder(digits, tmp_path):
    write_folder(tmp_path / "mnist_png" / "training", *digits)
    write_folder(tmp_path / "mnist_png" / "testing", digits[0][:10], digits[1][:10])
    (tmp_path / "__MACOSX" / "mnist_png").mkdir(parents=True)  # beside it, as a Mac's zip unpacks
    data = load_data(make_config(MnistConfig, {"data": str(tmp_path), "validation_split": 0.0}))
    assert data.label_map.labels == list(range(10)) and len(data.splits["test"][0]) == 10
    assert data.notes == [f"{tmp_path}: holds only the folder mnist_png, read as the images' folder"]


def test_classes_of_one_image_and_a_table_given_as_images_are_one_line_errors(digits, tmp_path):
    write_folder(tmp_path / "each", digits[0][:10], [f"c{i}" for i in range(10)])
    with pytest.raises(UserError, match=r"every class holds one image\); give a valid/ folder .* --validation-spl"):
        load_data(make_config(MnistConfig, {"data": str(tmp_path / "each")}))
    (tmp_path / "texts.csv").write_text("text,label\nhello,a\n")
    with pytest.raises(UserError, match=r"texts.csv: not an .npz file; expected a folder of images"):
        load_data(make_config(MnistConfig, {"data": str(tmp_path / "texts.csv")}))


def test_class_folders_named_as_codes_keep_their_names_and_a_test_class_the_training_lacks_is_named(digits, tmp_path):
    write_folder(tmp_path / "train", digits[0][:20], [f"0{label % 3}" for label in digits[1][:20]])
    write_folder(tmp_path / "test", digits[0][20:30], [f"0{label % 3}" for label in digits[1][20:30]])
    data = load_data(make_config(MnistConfig, {"data": str(tmp_path), "validation_split": 0.0}))
    assert data.label_map.labels == ["00", "01", "02"]  # were 0, 1, 2: predict printed 2 for the folder 02
    write_folder(tmp_path / "test", digits[0][30:33], ["09"] * 3)
    with pytest.raises(UserError, match=r": 3 test images of class 09, which the training images lack; the model "
                                        r"knows: 00, 01, 02$"):
        load_data(make_config(MnistConfig, {"data": str(tmp_path), "validation_split": 0.0}))


def test_the_baseline_of_classes_of_one_image_without_validation_says_what_it_scored(digits, recwarn):
    from rnnkit.tasks.images.baseline import fit_pixel_baseline

    said = []
    x, y = digits[0][:10].reshape(10, -1) / 255, np.arange(10)  # ten classes of one image, --validation-split 0
    fit_pixel_baseline((x, y), None, None, 10, 0, said.append)
    assert "training images): no validation or test images to score it on, in" in said[0]  # was "images): , in"
    assert not [w for w in recwarn if "unique classes" in str(w.message)]  # scikit-learn's "a regression problem?"


def test_a_class_folder_without_images_is_named_in_a_note(digits, tmp_path):
    write_folder(tmp_path / "set", digits[0][:10], digits[1][:10])
    (tmp_path / "set" / "cats").mkdir()  # a copy that failed
    (tmp_path / "set" / "cats" / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0")
    data = load_data(make_config(MnistConfig, {"data": str(tmp_path / "set"), "validation_split": 0.0}))
    assert data.label_map.labels == list(range(10))
    assert data.notes == [f"{tmp_path / 'set'}: left out cats: no image files in it"]
