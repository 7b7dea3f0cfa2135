"""A crash-safe, compact, append-only log of small JSON records (before-images, plans).

Records are appended to ``<name>.wal`` with one ``write`` each, so that a
record is on disk before the task that made it changes anything; a kill -9
loses at most a line cut short, which the next opening drops. Once the WAL
holds ``FRAME_BYTES`` it is compressed into one frame of ``<name>.z``
(4-byte length, zlib data), flushed, and only then emptied: a crash in between
leaves records in both, which readers see twice and callers de-duplicate.
Task processes of one job append to the same WAL (each append holds a shared
``flock``; compaction an exclusive one). At rest the WAL is empty.

:class:`FramedWriter` / :class:`FramedReader` write and read the same frames
as a random-access file of records numbered from 0 (a revert's plan).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import struct
import threading
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from s3bo_cli.state.jsonl import encode

#: WAL bytes compressed into one frame.
FRAME_BYTES = 256 * 1024
#: Records per frame of a random-access (plan) file.
PLAN_FRAME_RECORDS = 512
_LENGTH = struct.Struct(">I")


_dumps = encode  # one compact JSON line


def _lines(data: bytes) -> Iterator[dict[str, Any]]:
    for raw in data.splitlines():
        if raw:
            yield json.loads(raw)


def read_frames(path: Path, *, repair: bool = False) -> Iterator[bytes]:
    """The decompressed frames of ``path``; a frame a crash cut short ends the file."""
    if not path.exists():
        return
    good = 0
    with path.open("rb") as fh:
        while True:
            head = fh.read(_LENGTH.size)
            if len(head) < _LENGTH.size:
                break
            (size,) = _LENGTH.unpack(head)
            data = fh.read(size)
            try:
                if len(data) < size:
                    raise zlib.error("short frame")
                plain = zlib.decompress(data)
            except zlib.error:
                break
            good += _LENGTH.size + size
            yield plain
    if repair and good != path.stat().st_size:
        with path.open("r+b") as fh:
            fh.truncate(good)


def _whole_lines(path: Path, *, repair: bool) -> bytes:
    """The WAL's complete lines (a line without its newline was cut by a crash)."""
    if not path.exists():
        return b""
    data = path.read_bytes()
    end = data.rfind(b"\n") + 1
    if repair and end != len(data):
        with path.open("r+b") as fh:
            fh.truncate(end)
    return data[:end]


def frame(data: bytes, level: int = 6) -> bytes:
    packed = zlib.compress(data, level)
    return _LENGTH.pack(len(packed)) + packed


class Journal:
    """Append records from many threads; read them back in the order written."""

    def __init__(self, directory: Path, name: str) -> None:
        self.wal_path = directory / f"{name}.wal"
        self.z_path = directory / f"{name}.z"
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._shared = False
        self._wal_size = 0

    def open(self, *, repair: bool = True, shared: bool = False) -> Journal:
        """Accept appends; ``repair`` first drops what a crash cut short (one process only).

        ``shared``: other processes append to this WAL meanwhile (each append then holds
        a shared ``flock``, which the compaction of any of them excludes).
        """
        self._shared = shared
        self._fd = os.open(self.wal_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        if repair:
            with self._exclusive():
                list(read_frames(self.z_path, repair=True))
                _whole_lines(self.wal_path, repair=True)
        return self

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        """Held while the WAL is rewritten; appends from other processes hold it shared."""
        assert self._fd is not None, "journal not open"
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def append(self, record: dict[str, Any]) -> None:
        line = _dumps(record)
        with self._lock:
            assert self._fd is not None, "journal not open"
            if self._shared:
                fcntl.flock(self._fd, fcntl.LOCK_SH)  # task processes append to one WAL
                try:
                    os.write(self._fd, line)
                finally:
                    fcntl.flock(self._fd, fcntl.LOCK_UN)
            else:
                os.write(self._fd, line)
            self._wal_size += len(line)
            if self._wal_size >= FRAME_BYTES // 4:  # what this process wrote: look at the file
                self._wal_size = 0
                if os.fstat(self._fd).st_size >= FRAME_BYTES:
                    self._compact()

    def _compact(self) -> None:
        """WAL -> one compressed frame (flushed), then an empty WAL. Holds the thread lock."""
        assert self._fd is not None
        with self._exclusive():
            data = _whole_lines(self.wal_path, repair=False)
            if data:
                with self.z_path.open("ab") as fh:
                    fh.write(frame(data))
                    fh.flush()
                    os.fsync(fh.fileno())
            os.ftruncate(self._fd, 0)

    def close(self) -> None:
        with self._lock:
            if self._fd is None:
                return
            self._compact()
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> Journal:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def records(self) -> Iterator[dict[str, Any]]:
        """Every record, oldest first (a record may appear twice after a crash)."""
        for data in read_frames(self.z_path):
            yield from _lines(data)
        yield from _lines(_whole_lines(self.wal_path, repair=False))

    def exists(self) -> bool:
        return self.z_path.exists() or self.wal_path.exists()

    def disk_bytes(self) -> int:
        return sum(p.stat().st_size for p in (self.z_path, self.wal_path) if p.exists())


class FramedWriter:
    """Writes records numbered 0, 1, ... as frames, with an index of frame offsets."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._pending: list[bytes] = []
        self._offsets: list[int] = []
        self._tmp = path.with_suffix(path.suffix + ".tmp")
        self._fh = self._tmp.open("wb")

    def write(self, record: dict[str, Any]) -> None:
        self._pending.append(_dumps(record))
        self.count += 1
        if len(self._pending) == PLAN_FRAME_RECORDS:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._offsets.append(self._fh.tell())
            self._fh.write(frame(b"".join(self._pending)))
            self._pending = []

    def close(self) -> None:
        """Write the index after the frames, and publish the file atomically."""
        self._flush()
        index = json.dumps({"count": self.count, "offsets": self._offsets}).encode()
        self._fh.write(frame(index))
        self._fh.write(_LENGTH.pack(len(frame(index))))
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        os.replace(self._tmp, self.path)

    def discard(self) -> None:
        self._fh.close()
        self._tmp.unlink(missing_ok=True)


class FramedReader:
    """Random access to the records of a :class:`FramedWriter` file, from any thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with path.open("rb") as fh:
            fh.seek(-_LENGTH.size, os.SEEK_END)
            (size,) = _LENGTH.unpack(fh.read(_LENGTH.size))
            fh.seek(-_LENGTH.size - size, os.SEEK_END)
            raw = fh.read(size)
        index = json.loads(zlib.decompress(raw[_LENGTH.size :]))
        self.count: int = index["count"]
        self._offsets: list[int] = index["offsets"]
        self._lock = threading.Lock()
        self._cache: dict[int, list[dict[str, Any]]] = {}

    def get(self, number: int) -> dict[str, Any]:
        """Record ``number`` (frames are decoded once and kept while they are in use)."""
        frame_no, within = divmod(number, PLAN_FRAME_RECORDS)
        with self._lock:
            records = self._cache.get(frame_no)
            if records is None:
                records = self._read_frame(frame_no)
                if len(self._cache) >= 4:
                    self._cache.pop(min(self._cache))
                self._cache[frame_no] = records
        return records[within]

    def _read_frame(self, frame_no: int) -> list[dict[str, Any]]:
        with self.path.open("rb") as fh:
            fh.seek(self._offsets[frame_no])
            (size,) = _LENGTH.unpack(fh.read(_LENGTH.size))
            return list(_lines(zlib.decompress(fh.read(size))))

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for frame_no in range(len(self._offsets)):
            yield from self._read_frame(frame_no)


def write_framed(path: Path, records: Iterable[dict[str, Any]]) -> int:
    """Write ``records`` as a random-access file; returns how many."""
    writer = FramedWriter(path)
    try:
        for record in records:
            writer.write(record)
    except BaseException:
        writer.discard()
        raise
    writer.close()
    return writer.count
