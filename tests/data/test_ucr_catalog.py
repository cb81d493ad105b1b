"""The UCR/UEA catalog: its extractor on a tiny fake aeon wheel (no network), and (slow) the real wheel."""
import json
import zipfile

import pytest

from rnnkit.data.catalog import DATASETS, fetch_dataset, load_dataset
from rnnkit.data.catalog.ucr import UCR_DATASETS, published_accuracies
from rnnkit.data.ts_format import TsFile

GUN_POINT_TS = "@problemName GunPoint\n@univariate true\n@classLabel true 1 2\n@data\n" + \
               "".join(f"{i},{i + 1}:{1 + i % 2}\n" for i in range(200))


def test_extractor_copies_both_splits_and_reads_resample_zero(tmp_path):
    wheel = tmp_path / "aeon.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        for split in ("TRAIN", "TEST"):
            z.writestr(f"aeon/datasets/data/GunPoint/GunPoint_{split}.ts", GUN_POINT_TS)
        for name, acc in (("HC2", "1.0"), ("InceptionTime", "0.98"), ("WEASEL-2.0", "0.9"), ("FreshPRINCE", "0.5")):
            z.writestr(f"aeon/testing/example_results_files/classification/accuracy/{name}_accuracy.csv",
                       f"Resamples:,0,1\nGunPointAgeSpan,0.1,0.2\nGunPoint,{acc},0.3\n")
    out = tmp_path / "out"
    out.mkdir()
    UCR_DATASETS["gun-point"].sources[0].extract(wheel, out)
    assert sorted(p.name for p in out.iterdir()) == ["published.json", "test.ts", "train.ts"]
    assert published_accuracies(out) == {"HC2": 1.0, "InceptionTime": 0.98, "WEASEL-2.0": 0.9, "FreshPRINCE": 0.5}
    assert json.loads((out / "published.json").read_text())["InceptionTime"] == 0.98


def test_every_ucr_dataset_is_in_the_catalog():
    assert set(UCR_DATASETS) <= set(DATASETS)
    assert "japanese-vowels" in UCR_DATASETS and DATASETS["japanese-vowels"].info.sizes == {"train": 270, "test": 370}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(UCR_DATASETS))
def test_real_ucr_datasets_from_the_aeon_wheel(name):
    ds = load_dataset(name)
    assert isinstance(ds.train, TsFile) and len(ds.train) == ds.info.sizes["train"]
    assert set(ds.test.labels) <= set(ds.info.labels) and ds.valid is None
    published = published_accuracies(fetch_dataset(name))
    assert (published == {}) == (name in ("japanese-vowels", "basic-motions"))  # aeon's results: univariate only
