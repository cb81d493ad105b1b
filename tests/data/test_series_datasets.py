"""The forecasting datasets: pmdarima's array literals read without importing it, and (slow, network)
the baselines on the real series against the figures issue 16 published."""
import hashlib
import io
import json
import tarfile
import zipfile

import numpy as np
import pytest

from rnnkit.data import sources
from rnnkit.data.catalog.pmdarima_series import series_csv, values_sha256
from rnnkit.data.sources import Source, fetch
from rnnkit.errors import UserError
from rnnkit.data.series import read_series, split_points
from rnnkit.data.windows import origins
from rnnkit.models.baselines import fit_ridge_on_lags, forecast_errors, naive, ridge_forecast, seasonal_naive, step_targets

SERIES_SHA256 = {"taylor-electricity": "bf5e0b0766e3717ce810bb8f304ae7cff067f31ffa7d133dd005e05cf6f84d84",
                 "airline": "8eda0a52744e72ede03825fce5cb979a43af4b3479e2b0216bf907eee5d18056"}

MODULE = '''"""Docstring with an example: np.array([9, 9, 9])"""
import numpy as np
def load():
    rslt = np.array([
        1, 2, 3,
        4, 5]).astype(float)
    return rslt
'''


def test_an_array_literal_becomes_a_dated_csv(tmp_path):
    wheel = tmp_path / "pkg.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr("pkg/data.py", MODULE)
    series_csv("pkg/data.py", "2000-06-05", "30min", "mw", "s.csv")(wheel, tmp_path)
    s = read_series(tmp_path / "s.csv", "time", "mw")
    assert s.target.tolist() == [1, 2, 3, 4, 5] and s.freq == "30min" and str(s.times[1]) == "2000-06-05 00:30:00"


def wheel_with(tmp_path, name, module):
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("pkg/data.py", module)
    return path


def data_source(path, sha, cached_sha256=()):
    return Source("file", str(path), sha, series_csv("pkg/data.py", "2000-06-05", "30min", "mw", "s.csv"),
                  checks="data", cached_sha256=cached_sha256)


def test_the_data_not_the_archive_is_verified(tmp_path):
    """Two archives with different bytes (a wheel, a .tar.gz) carrying the same literal give the same data."""
    expected = values_sha256([1.0, 2.0, 3.0, 4.0, 5.0])
    assert expected == hashlib.sha256(np.array([1, 2, 3, 4, 5], "<f8").tobytes()).hexdigest()
    wheel = wheel_with(tmp_path, "pkg-1.0-cp311-cp311-linux_x86_64.whl", MODULE)
    tgz = tmp_path / "pkg-1.0.tar.gz"
    with tarfile.open(tgz, "w:gz") as tar:
        info = tarfile.TarInfo("pkg/data.py")
        info.size = len(MODULE.encode())
        tar.addfile(info, io.BytesIO(MODULE.encode()))
    for i, artifact in enumerate((wheel, tgz)):
        folder = fetch("toy", [data_source(artifact, expected)], cache_dir=tmp_path / f"cache{i}")
        assert read_series(folder / "s.csv", "time", "mw").target.tolist() == [1, 2, 3, 4, 5]
        manifest = json.loads((folder / "manifest.json").read_text())
        assert manifest["sha256"] == expected and manifest["files"] == ["s.csv"]


def test_other_data_or_none_is_one_line_naming_each_source_and_nothing_is_cached(tmp_path):
    expected = values_sha256([1.0, 2.0, 3.0, 4.0, 5.0])
    changed = wheel_with(tmp_path, "changed.whl", MODULE.replace("4, 5", "4, 6"))
    empty = wheel_with(tmp_path, "empty.whl", "import numpy as np\n")
    cache = tmp_path / "cache"
    with pytest.raises(UserError) as err:
        fetch("toy", [data_source(changed, expected), data_source(empty, expected)], cache_dir=cache)
    message = str(err.value)
    assert "\n" not in message
    assert f"(sha256 of the data mismatch: expected {expected}, got {values_sha256([1, 2, 3, 4, 6])})" in message
    assert "empty.whl (its data could not be read: pkg/data.py: no np.array([...]) literal)" in message
    assert [p.name for p in cache.iterdir()] == []
    good = wheel_with(tmp_path, "good.whl", MODULE)
    folder = fetch("toy", [data_source(changed, expected), data_source(good, expected)], cache_dir=cache)
    assert json.loads((folder / "manifest.json").read_text())["source"] == f"file {good}"


def test_a_cache_an_earlier_release_wrote_from_the_wheel_is_kept(tmp_path, monkeypatch):
    folder = tmp_path / "cache" / "toy"
    folder.mkdir(parents=True)
    (folder / "s.csv").write_text("time,mw\n")
    (folder / "manifest.json").write_text(json.dumps({"sha256": "ab" * 32, "files": ["s.csv"]}))
    monkeypatch.setitem(sources.DOWNLOADERS, "file", lambda *a: pytest.fail("downloaded again"))
    source = data_source(tmp_path / "none.whl", values_sha256([1.0]), cached_sha256=("ab" * 32,))
    assert fetch("toy", [source], cache_dir=tmp_path / "cache") == folder


@pytest.mark.slow
def test_the_real_series_match_their_pinned_data_checksums(tmp_path):
    from rnnkit.data.catalog import SERIES, fetch_dataset

    for name, length in (("taylor-electricity", 4032), ("airline", 144)):
        folder = fetch_dataset(name, cache_dir=tmp_path)
        assert json.loads((folder / "manifest.json").read_text())["source"] == "PyPI wheel pmdarima==2.1.1"
        target = SERIES[name].read(folder).target
        assert len(target) == length
        assert values_sha256(target.tolist()) == SERIES_SHA256[name]


def baseline_errors(name, lookback, horizon, season):
    from rnnkit.data.catalog import SERIES, fetch_dataset

    y = SERIES[name].read(fetch_dataset(name)).target.astype(np.float64)
    valid, test = split_points(len(y))
    at = origins(test, len(y), lookback, horizon)
    ridge, _ = fit_ridge_on_lags(y, origins(0, valid, lookback, horizon), origins(valid, test, lookback, horizon),
                                 lookback, horizon)
    actual = step_targets(y, at, horizon)
    return {k: forecast_errors(actual, f)["mae"] for k, f in
            (("naive", naive(y, at, horizon)), ("seasonal", seasonal_naive(y, at, horizon, season)),
             ("ridge", ridge_forecast(ridge, y, at, lookback, horizon)))}


@pytest.mark.slow
def test_baselines_reproduce_the_published_figures():
    tomorrow = baseline_errors("seattle-weather", 30, 1, 7)
    assert tomorrow["naive"][0] == pytest.approx(2.25, abs=0.05) and tomorrow["ridge"][0] == pytest.approx(2.17, abs=0.08)
    week = baseline_errors("seattle-weather", 30, 7, 7)
    assert week["naive"][-1] == pytest.approx(3.93, abs=0.1) and week["ridge"][-1] == pytest.approx(3.34, abs=0.15)
    half_hour = baseline_errors("taylor-electricity", 336, 1, 336)
    assert half_hour["naive"][0] == pytest.approx(637, rel=0.01) and half_hour["seasonal"][0] == pytest.approx(466, rel=0.01)
    assert half_hour["ridge"][0] == pytest.approx(128, rel=0.02)
    day = baseline_errors("taylor-electricity", 336, 48, 336)
    assert np.mean(day["seasonal"]) == pytest.approx(439, rel=0.03) and np.mean(day["ridge"]) < np.mean(day["seasonal"])
