"""The fetch/verify/cache mechanism, with local fake sources (no network)."""

import hashlib
import io
import json
import tarfile
import time

import pytest

from rnnkit.data import sources
from rnnkit.data.sources import Source, SourceUnavailable, cache_root, copy_members, fetch
from rnnkit.errors import UserError


@pytest.fixture
def artifact(tmp_path):
    """A tiny .tgz like an npm package, and its sha256 computed independently."""
    path = tmp_path / "pkg-1.0.0.tgz"
    payload = b"hello\nworld\n"
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo("package/data.txt")
        info.size = len(payload)
        tar.addfile(info, io.BytesIO(payload))
    return path, hashlib.sha256(path.read_bytes()).hexdigest(), payload


@pytest.fixture
def calls(monkeypatch):
    """Count downloads per kind by wrapping the registered downloaders."""
    counts = {}
    for kind, real in list(sources.DOWNLOADERS.items()):
        def counted(locator, workdir, kind=kind, real=real):
            counts[kind] = counts.get(kind, 0) + 1
            return real(locator, workdir)
        monkeypatch.setitem(sources.DOWNLOADERS, kind, counted)
    return counts


def file_source(path, sha):
    return Source("file", str(path), sha, copy_members({"package/data.txt": "data.txt"}))


def test_fetch_extracts_writes_manifest_and_never_downloads_twice(tmp_path, artifact, calls):
    path, sha, payload = artifact
    cache = tmp_path / "cache"
    folder = fetch("toy", [file_source(path, sha)], cache_dir=cache)
    assert folder == cache / "toy"
    assert (folder / "data.txt").read_bytes() == payload
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["sha256"] == sha and manifest["files"] == ["data.txt"]
    assert fetch("toy", [file_source(path, sha)], cache_dir=cache) == folder
    assert calls == {"file": 1}
    assert sorted(p.name for p in cache.iterdir()) == ["toy"]  # no temp folders left


def test_checksum_mismatch_is_a_clear_user_error_and_caches_nothing(tmp_path, artifact):
    path, sha, _ = artifact
    cache = tmp_path / "cache"
    with pytest.raises(UserError) as err:
        fetch("toy", [file_source(path, "0" * 64)], cache_dir=cache)
    message = str(err.value)
    assert "dataset 'toy'" in message and "sha256 mismatch" in message and sha in message
    assert str(path) in message and "\n" not in message
    assert list(cache.iterdir()) == []


def test_falls_back_to_the_mirror_when_the_official_url_is_down(tmp_path, artifact, calls):
    path, sha, _ = artifact
    official = Source("url", "http://127.0.0.1:9/pkg.tgz", sha, copy_members({"package/data.txt": "data.txt"}))
    start = time.monotonic()
    folder = fetch("toy", [official, file_source(path, sha)], cache_dir=tmp_path)
    assert time.monotonic() - start < 5  # the dead official host is skipped fast
    assert calls == {"url": 1, "file": 1}
    assert json.loads((folder / "manifest.json").read_text())["source"] == f"file {path}"


def test_no_reachable_source_names_what_was_tried_and_what_to_do(tmp_path, monkeypatch):
    def unreachable(locator, workdir):
        raise SourceUnavailable("Name or service not known")
    monkeypatch.setitem(sources.DOWNLOADERS, "npm", unreachable)
    with pytest.raises(UserError) as err:
        fetch("toy", [Source("url", "http://127.0.0.1:9/x.tgz", "0" * 64, None),
                      Source("npm", "toy@1.0.0", "0" * 64, None)], cache_dir=tmp_path)
    message = str(err.value)
    assert message.startswith("dataset 'toy' could not be fetched; tried: http://127.0.0.1:9/x.tgz (")
    assert "npm toy@1.0.0 (Name or service not known)" in message
    assert "--cache-dir" in message and "\n" not in message


def test_a_folder_without_manifest_is_refetched(tmp_path, artifact, calls):
    path, sha, payload = artifact
    (tmp_path / "toy").mkdir()
    (tmp_path / "toy" / "data.txt").write_text("half written")
    folder = fetch("toy", [file_source(path, sha)], cache_dir=tmp_path)
    assert (folder / "data.txt").read_bytes() == payload and calls == {"file": 1}


def test_cache_root_argument_then_env_then_home(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNKIT_CACHE", str(tmp_path / "env"))
    assert cache_root(tmp_path / "arg") == tmp_path / "arg"
    assert cache_root() == tmp_path / "env"
    monkeypatch.delenv("RNNKIT_CACHE")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_root() == tmp_path / "home" / ".cache" / "rnnkit"


def test_env_cache_is_used_by_fetch(tmp_path, artifact, monkeypatch):
    path, sha, _ = artifact
    monkeypatch.setenv("RNNKIT_CACHE", str(tmp_path / "env"))
    assert fetch("toy", [file_source(path, sha)]) == tmp_path / "env" / "toy"


def test_a_cache_from_an_unknown_artifact_is_replaced(tmp_path, artifact, calls):
    path, sha, payload = artifact
    old = tmp_path / "toy"
    old.mkdir()
    (old / "data.txt").write_text("old version")
    (old / "manifest.json").write_text(json.dumps({"sha256": "f" * 64, "files": ["data.txt"]}))
    folder = fetch("toy", [file_source(path, sha)], cache_dir=tmp_path)
    assert (folder / "data.txt").read_bytes() == payload and calls == {"file": 1}


def test_a_real_http_download_from_a_local_server(tmp_path, artifact):
    import functools
    import http.server
    import threading

    path, sha, payload = artifact
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(path.parent))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/{path.name}"
        source = Source("url", url, sha, copy_members({"package/data.txt": "data.txt"}))
        folder = fetch("toy", [source], cache_dir=tmp_path / "cache")
    finally:
        server.shutdown()
    assert (folder / "data.txt").read_bytes() == payload


def test_pypi_sdist_asks_pip_for_the_source_distribution(tmp_path, monkeypatch):
    commands = []
    monkeypatch.setattr(sources, "_run_tool", lambda command, workdir: commands.append(command) or workdir)
    sources.DOWNLOADERS["pypi-sdist"]("vaderSentiment==3.3.2", tmp_path)
    sources.DOWNLOADERS["pypi"]("vaderSentiment==3.3.2", tmp_path)
    sdist, wheel = commands
    assert sdist[sdist.index("--no-binary") + 1] == ":all:" and "--no-binary" not in wheel


def test_pypi_wheel_asks_for_this_machines_wheel_then_the_linux_one_never_a_build(tmp_path, monkeypatch):
    commands = []

    def run_tool(command, workdir):
        commands.append(command)
        if len(commands) == 1:  # no wheel for this machine (say, a Python the release predates)
            (workdir / "partial.whl").write_bytes(b"")
            raise SourceUnavailable("no matching distribution")
        return workdir / "pkg-1.0-cp311-cp311-manylinux2014_x86_64.whl"

    monkeypatch.setattr(sources, "_run_tool", run_tool)
    sources.DOWNLOADERS["pypi-wheel"]("pmdarima==2.1.1", tmp_path)
    mine, linux = commands
    for command in commands:
        assert command[command.index("--only-binary") + 1] == ":all:" and "--no-binary" not in command
        assert "pmdarima==2.1.1" in command and "--no-deps" in command
    assert "--platform" not in mine and linux == [*mine, *sources.FALLBACK_WHEEL_TAGS]
    assert list(tmp_path.iterdir()) == []  # the failed try's leftover is gone before the second


def test_a_source_checks_its_artifact_or_its_data():
    with pytest.raises(ValueError, match="'bytes'"):
        Source("file", "x", "0" * 64, copy_members({}), checks="bytes")
