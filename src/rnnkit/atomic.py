"""Atomic file writes: every file rnnkit writes (run folders, vocabularies, outputs) goes to a temp file beside it, then is renamed.

`os.replace` is atomic on POSIX and Windows when source and target share a directory, so a reader
(or a run resumed after `kill -9`) sees either the old file or the new one, never half of one. The
file is fsynced before the rename and its folder after it (`fsync_dir`): the rename itself is an entry
of the folder, and without that fsync a power cut may lose it, leaving the old file (or none).
"""
from __future__ import annotations

import errno
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable


def atomic_write(path: str | Path, write: Callable[[str], None]) -> Path:
    """Call `write(tmp_path)`, fsync, then rename the temp file onto `path`."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as err:
        raise about(err, path) from None
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, file_mode(path))
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as err:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(err, OSError) and err.filename in (None, tmp):  # a full disk names no file
            raise about(err, path) from None
        raise
    fsync_dir(path.parent)
    return path


def file_mode(path: Path) -> int:
    """The permissions the written file gets: those of the file it replaces, else what `open` would give a
    new file under the process's umask (mkstemp's temp file is private, 0600)."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        return 0o666 & ~process_umask()


def process_umask() -> int:
    """The process's umask, read where Linux shows it: reading it through `os.umask` means setting it for
    a moment, and a file another thread creates in that moment gets the wrong permissions."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    umask = os.umask(0)  # elsewhere (macOS, Windows, Linux before 4.7) there is no other way
    os.umask(umask)
    return umask


def fsync_dir(folder: str | Path) -> None:
    """Make the renames and new entries in `folder` durable (POSIX); a no-op where a folder cannot be
    opened or synced (Windows; some network file systems)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as err:
        if err.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF, errno.EACCES):
            raise about(err, folder) from None
    finally:
        os.close(fd)


def about(err: OSError, path: str | Path) -> OSError:
    """The same OS error naming `path` (the file the user asked for) when it names no file or a temp
    file of ours; the CLI prints it as one line: path and the OS's reason."""
    if err.filename not in (None, "") and not str(err.filename).endswith(".tmp"):
        return err
    return type(err)(err.errno, err.strerror or str(err), str(path))


def write_bytes(path: str | Path, data: bytes) -> Path:
    return atomic_write(path, lambda tmp: Path(tmp).write_bytes(data))


def write_text(path: str | Path, text: str) -> Path:
    return write_bytes(path, text.encode("utf-8"))


def write_json(path: str | Path, obj: Any) -> Path:
    return write_text(path, json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=True) + "\n")


def write_npz(path: str | Path, arrays: dict[str, Any]) -> Path:
    """NumPy arrays as an .npz, atomically (numpy is imported by the caller's arrays, not here)."""
    import numpy as np

    def write(tmp: str) -> None:
        with open(tmp, "wb") as f:  # a file object: np.savez would add ".npz" to a temp path
            np.savez(f, **arrays)

    return atomic_write(path, write)
