"""The image task end to end on synthetic digits: trains row by row, predicts from its run folder."""
import numpy as np
import pytest

from rnnkit.errors import UserError

from rnnkit.tasks import load_config, read_run, train


def synthetic_digits(n, seed):
    """Digit c lights up rows 2c..2c+2: readable row by row, not from any single pixel column."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, n)
    x = rng.random((n, 28, 28), dtype=np.float32) * 0.2
    for i, c in enumerate(y):
        x[i, 2 * c:2 * c + 3] += 0.8
    return x.reshape(n, 784), y


def test_mnist_rows_learns_synthetic_digits(tmp_path):
    x, y = synthetic_digits(400, 0)
    xt, yt = synthetic_digits(100, 1)
    np.savez(tmp_path / "digits.npz", x_train=x, y_train=y, x_test=xt, y_test=yt)
    settings = {"data": str(tmp_path / "digits.npz"), "mode": "rows", "hidden_size": "16", "epochs": "6",
                "batch_size": "32", "lr": "0.02", "max_shift": "0"}
    run_dir, final = train(*load_config("mnist", settings), run_dir=tmp_path / "run", quiet=True)
    assert final["test_acc"] >= 0.9
    from rnnkit.tasks.images.predict import predict

    np.save(tmp_path / "x.npy", xt[:5])
    assert [r["label"] for r in predict(read_run(run_dir), str(tmp_path / "x.npy"))] == yt[:5].tolist()


@pytest.mark.parametrize("name, content, needle", [
    ("x.npz", b"not a zip", "not a readable .npz file"),
    ("x.npy", b"junk", "not a readable .npy file"),
    ("x.png", b"\x89PNG", "x.png: not a readable image"),
    ("x.txt", b"7 2 1", "expected a .npy or .npz file, an image"),
    ("missing.npy", None, "input file not found"),
])
def test_bad_image_inputs_are_one_line_errors(tmp_path, name, content, needle):
    from rnnkit.tasks.images.data import read_images

    if content is not None:
        (tmp_path / name).write_bytes(content)
    with pytest.raises(UserError, match=needle):
        read_images(str(tmp_path / name))


def test_images_of_the_wrong_size_are_one_line_errors(tmp_path):
    from rnnkit.tasks.images.data import read_images

    np.save(tmp_path / "x.npy", np.zeros((2, 10, 10), dtype=np.float32))
    with pytest.raises(UserError, match=r"x.npy: images of 10 x 10 pixels; the model reads 28 x 28"):
        read_images(str(tmp_path / "x.npy"))
    np.save(tmp_path / "x.npy", np.zeros((2, 99), dtype=np.float32))
    with pytest.raises(UserError, match=r"expected images as \(N, height, width\), .* got shape \(2, 99\)"):
        read_images(str(tmp_path / "x.npy"))
