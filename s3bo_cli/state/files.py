"""Atomic, versioned JSON files: the only way s3bo writes state (and any file in place)."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from s3bo_cli.errors import StateError, StatePermissionError

SCHEMA_VERSION = 1
#: The end of a temp file's name beside its destination (``.<name>.<random>.tmp``).
TEMP_SUFFIX = ".tmp"


def write_json(path: Path, data: dict[str, Any], *, fsync: bool = True) -> None:
    """Write ``data`` so that readers see the old file or the new one, never a mix.

    ``fsync=False`` for a file about to be written again at once (a status the
    engine leaves by itself): a killed process still leaves the old or the new
    file; only a power cut may bring back the old one.
    """
    write_json_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n", fsync=fsync)


def write_json_text(path: Path, payload: str, *, fsync: bool = True) -> None:
    """Atomically replace ``path`` with ``payload`` (temp file beside it, fsync, rename)."""
    write_atomic(path, payload.encode("utf-8"), fsync=fsync)


def write_atomic(
    path: str | Path,
    payload: bytes,
    *,
    tmp_dir: str | Path | None = None,
    fsync: bool = True,
    sync: Callable[[int], None] | None = None,
) -> None:
    """Replace ``path`` with ``payload``: readers see the old file or the new one, never a mix.

    The one atomic writer of s3bo (state files, pid files, the DirStore's records).
    The temp file is made in ``tmp_dir`` (a store's own temp area) or beside ``path``
    as ``.<name>.<random>.tmp``; missing folders are created. ``sync`` makes the temp
    file durable (``os.fsync``; the DirStore's gives up its turn meanwhile).
    """
    dest = os.fspath(path)
    if tmp_dir is None:
        name = os.path.basename(dest)
        fd, tmp = temp_file(os.path.dirname(dest), prefix=f".{name}.", suffix=TEMP_SUFFIX)
    else:
        fd, tmp = temp_file(os.fspath(tmp_dir))
    try:
        try:  # plain writes: a file object would cost an fstat, an ioctl and an lseek more
            view = memoryview(payload)
            while view:
                view = view[os.write(fd, view) :]
            if fsync:
                (sync or os.fsync)(fd)
        finally:
            os.close(fd)
        replace_into(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class _TempNames:
    """Temp file names without a random draw (a system call) for each: a random part per
    process, drawn again in a forked child, then a counter."""

    def __init__(self) -> None:
        self._reset()
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        self._base = secrets.token_hex(6)
        self._count = itertools.count()

    def next(self) -> str:
        return f"{self._base}{next(self._count):04x}"


_temp_names = _TempNames()


def temp_file(folder: str, *, prefix: str = "", suffix: str = "") -> tuple[int, str]:
    """A new exclusive temp file in ``folder`` (created if missing): (fd, path).

    Mode 0644 less the umask, as for any file s3bo writes (objects stay readable).
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(3):
        path = os.path.join(folder, f"{prefix}{_temp_names.next()}{TEMP_SUFFIX if prefix else ''}")
        try:
            return os.open(path, flags, 0o644), path
        except FileNotFoundError:
            os.makedirs(folder, exist_ok=True)
        except FileExistsError:  # left by a process whose random part was the same
            _temp_names._reset()
    raise OSError(f"cannot create a temp file in {folder}")


def replace_into(tmp_path: str, dest: str) -> None:
    """Rename a finished temp file over ``dest``, creating its folder as needed."""
    for _ in range(5):
        try:
            os.replace(tmp_path, dest)
            return
        except FileNotFoundError:
            # The folder is missing, or was pruned by a concurrent delete: make it again.
            os.makedirs(os.path.dirname(dest), exist_ok=True)
    os.replace(tmp_path, dest)


def read_bytes(path: Path) -> bytes:
    """The whole file, read with plain system calls (a third of ``read_text``'s cost:
    the worker, list-jobs and the server read job records all the time)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        chunks = [os.read(fd, max(os.fstat(fd).st_size + 1, 4096))]
        while chunks[-1]:
            chunks.append(os.read(fd, 1 << 16))
    finally:
        os.close(fd)
    return b"".join(chunks)


def read_json(path: Path, *, kind: str) -> dict[str, Any]:
    """Read a state file written by :func:`write_json`; anything else is a StateError."""
    try:
        data = json.loads(read_bytes(path))
    except FileNotFoundError:
        raise
    except PermissionError:
        raise StatePermissionError(f"permission denied: cannot read state file {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StateError(f"state file {path} is corrupt: {exc}") from None
    if not isinstance(data, dict) or data.get("kind") != kind:
        raise StateError(f"state file {path} is not an s3bo {kind} file")
    version = data.get("schema_version")
    if not isinstance(version, int) or version > SCHEMA_VERSION:
        raise StateError(
            f"state file {path} has schema version {version!r}; "
            f"this s3bo reads up to {SCHEMA_VERSION}: upgrade s3bo"
        )
    return data
