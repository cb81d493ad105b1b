"""Your own images: a folder with one subfolder per class (and train/ and test/ folders of them), read at one
size, trained beside logistic regression on the pixels, predicted from an image or a folder, evaluated on a
folder of classes; mistakes in the folder end in one line. The images are scikit-learn's real handwritten
digits (8 x 8) written as PNG files."""
import json

import numpy as np
import pytest
from PIL import Image

from rnnkit.errors import UserError
from rnnkit.tasks.images.data import load_data
from rnnkit.tasks.images.config import MnistConfig
from rnnkit.tasks.config import make_config
from testkit import call_cli as call


def write_digits(folder, rows, scale=1):
    from sklearn.datasets import load_digits

    data = load_digits()
    for i in rows:
        (folder / str(data.target[i])).mkdir(parents=True, exist_ok=True)
        image = Image.fromarray((data.images[i] * 255 / 16).astype(np.uint8))
        image.resize((8 * scale, 8 * scale)).save(folder / str(data.target[i]) / f"{i}.png")
    return data.images[rows] / 16, data.target[rows]


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    root = tmp_path_factory.mktemp("digits")
    order = np.random.default_rng(0).permutation(1797)
    write_digits(root / "train", order[:300])
    write_digits(root / "test", order[300:400])
    return root


def test_a_folder_of_classes_reads_every_image_at_one_size_with_a_stratified_holdout(digits):
    data = load_data(make_config(MnistConfig, {"data": str(digits), "validation_split": 0.2}))
    x, y = data.splits["train"]
    assert data.size == (8, 8) and data.label_map.labels == list(range(10))  # folder names that are numbers
    assert x.shape[1] == 64 and 0 <= x.min() and x.max() <= 1
    valid, test = data.splits["valid"], data.splits["test"]
    assert len(x) + len(valid[0]) == 300 and len(test[0]) == 100
    assert set(valid[1]) == set(range(10))  # every class held out, though the folder lists them class by class
    pixels, labels = write_digits(digits.parent / "again", [0, 1])  # the same pixel values as scikit-learn's
    again = load_data(make_config(MnistConfig, {"data": str(digits.parent / "again"), "validation_split": 0.0}))
    np.testing.assert_allclose(again.splits["train"][0].reshape(-1, 8, 8), pixels, atol=1 / 255)


def test_images_of_other_sizes_are_brought_to_the_common_one(tmp_path):
    write_digits(tmp_path / "set", range(10))
    write_digits(tmp_path / "set", range(10, 13), scale=2)  # three 16 x 16 images among 8 x 8 ones
    data = load_data(make_config(MnistConfig, {"data": str(tmp_path / "set"), "validation_split": 0.0}))
    assert data.size == (8, 8) and len(data.splits["train"][0]) == 13
    assert data.notes == [f"{tmp_path / 'set'}: 3 of 13 images resized to 8 x 8 (height x width)"]


def test_a_run_on_a_folder_reports_the_baseline_and_predicts_and_evaluates_folders(capsys, digits, tmp_path):
    run = tmp_path / "run"
    code, out, err = call(capsys, "train", "mnist", "--data", digits, "--epochs", 1, "--hidden-size", 8,
                          "--num-layers", 1, "--run-dir", run)
    assert code == 0, err
    assert "baseline (logistic regression on the pixels, C=" in out
    report = (run / "report.md").read_text()
    assert "## Baseline" in report and "| logistic regression on the pixels (C=" in report
    # one epoch of 9 steps cannot beat the baseline: the title and the verdict say so plainly, and the run
    # delivers the blend validation chose (a weight above 0: the untrained model alone is far worse)
    assert "does NOT beat" in report.splitlines()[0] and "**The model alone does NOT beat" in report
    blend = json.loads((run / "blend.json").read_text())
    assert blend["weight"] > 0 and (run / "baseline.npz").is_file()
    code, out, err = call(capsys, "summary", run)
    assert code == 0 and "predictions blend in the logistic regression on the pixels baseline" in out, err
    assert json.loads((run / "labels.json").read_text())["labels"] == list(range(10))
    code, out, err = call(capsys, "predict", run, "--input", digits / "test" / "3")
    assert code == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == len(list((digits / "test" / "3").iterdir()))
    assert records[0]["input"].endswith(".png") and records[0]["label"] in range(10)
    code, out, err = call(capsys, "evaluate", run, "--json")
    assert code == 0, err
    own = json.loads(out)
    assert own["acc"] == pytest.approx(float(report.split("\n- acc: ")[1].split()[0]), abs=1e-4)  # training's test
    assert own["acc"] > own["acc_model"]  # the blend's, beside the model's alone
    code, out, err = call(capsys, "evaluate", run, "--data", digits / "test", "--json")  # a folder of classes
    assert code == 0, err
    assert json.loads(out)["acc"] == own["acc"]


@pytest.mark.parametrize("layout, needle", [
    ("loose", "expected one subfolder of images per class"),
    ("empty", "found no image files"),
    ("broken", "not a readable image"),
    ("one-class", "the training images hold one class"),
    ("unknown-test-class", "1 test images of class seven, which the training images lack"),
])
def test_mistakes_in_an_image_folder_are_one_line_errors(tmp_path, layout, needle):
    root = tmp_path / layout
    image = Image.fromarray(np.zeros((8, 8), np.uint8))
    if layout == "loose":
        root.mkdir()
        image.save(root / "a.png")
    elif layout == "empty":
        (root / "cats").mkdir(parents=True)
        (root / "cats" / "notes.txt").write_text("no images here")
    elif layout == "broken":
        for name in ("a", "b"):
            (root / name).mkdir(parents=True)
            image.save(root / name / "1.png")
        (root / "b" / "2.png").write_bytes(b"\x89PNG not really")
    elif layout == "one-class":
        (root / "only").mkdir(parents=True)
        image.save(root / "only" / "1.png")
    else:
        for split, names in (("train", ("one", "two")), ("test", ("seven",))):
            for name in names:
                (root / split / name).mkdir(parents=True)
                image.save(root / split / name / "1.png")
    with pytest.raises(UserError, match=needle):
        load_data(make_config(MnistConfig, {"data": str(root), "validation_split": 0.0}))


@pytest.mark.parametrize("classes", [2, 3])
def test_the_saved_baseline_gives_scikit_learns_probabilities(classes):
    """W, b and the classes, as baseline.npz keeps them, give LogisticRegression's own probabilities (two classes:
    one row of W), with a zero column for a class the sampled training images lacked."""
    from sklearn.linear_model import LogisticRegression
    from rnnkit.tasks.images.baseline import PixelLinear

    rng = np.random.default_rng(0)
    x, y = rng.random((60, 16)), rng.integers(0, classes, 60)
    fitted = LogisticRegression(C=1.0).fit(x, y)
    linear = PixelLinear(fitted.coef_, fitted.intercept_, fitted.classes_)
    np.testing.assert_allclose(linear.predict_proba(x, classes), fitted.predict_proba(x), atol=1e-12)
    shifted = PixelLinear(fitted.coef_, fitted.intercept_, fitted.classes_ + 1)  # classes 1.. of one more
    probs = shifted.predict_proba(x, classes + 1)
    assert np.all(probs[:, 0] == 0) and np.allclose(probs.sum(1), 1)


def test_the_blend_weight_is_the_best_on_validation_then_the_smallest():
    from rnnkit.tasks.images.baseline import choose_weight

    labels = np.array([0, 1, 1, 0])
    right, wrong = np.eye(2)[labels], np.eye(2)[1 - labels]
    assert choose_weight(right, wrong, labels) == 0.0  # the model alone is right: no baseline
    assert choose_weight(wrong, right, labels) == 1.0  # the baseline alone is right
    assert choose_weight(right, right, labels) == 0.0  # equal: the smallest weight


@pytest.mark.parametrize("given, steps_per_epoch, expected", [
    ({}, 391, 15),                     # MNIST's 50,000 images: 15 epochs already take 5,865 steps
    ({}, 10, 200),                     # a folder of 1,250 images: raised to 2,000 steps
    ({"epochs": 3}, 10, 3),            # --epochs N trains N
    ({"limit": 1000}, 8, 15),          # a quick run is not raised
])
def test_epochs_reach_min_steps_on_a_small_folder(given, steps_per_epoch, expected):
    from rnnkit.tasks.images.train import epochs_to_train

    assert epochs_to_train(make_config(MnistConfig, given), steps_per_epoch) == expected


def test_a_run_without_validation_images_still_reports_the_baseline_on_test(capsys, digits, tmp_path):
    """--validation-split 0 and no valid/ folder: nothing chooses a blend (weight 0), and the baseline's line and
    section give its test figure (its line paired the test figure with the absent validation split: a traceback)."""
    run = tmp_path / "run"
    code, out, err = call(capsys, "train", "mnist", "--data", digits, "--epochs", 1, "--hidden-size", 8,
                          "--num-layers", 1, "--validation-split", 0, "--run-dir", run)
    assert code == 0, err
    assert "training images): test acc=" in out
    assert json.loads((run / "blend.json").read_text())["weight"] == 0
