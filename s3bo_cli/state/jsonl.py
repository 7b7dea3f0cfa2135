"""Append-only JSON Lines: the one way s3bo appends records to a file.

Each record is one ``write`` on an ``O_APPEND`` descriptor, so concurrent writers
never interleave and a killed writer leaves at most one cut-short last line (which
readers skip or drop). Used for the task results and the event logs.
"""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

#: One encoder for every line (``json.dumps`` with options builds a new one per call).
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def encode(record: Mapping[str, Any]) -> bytes:
    """One record as one compact line."""
    return (_ENCODER.encode(record) + "\n").encode("utf-8")


class JsonlWriter:
    """An open file that records are appended to, one ``write`` each."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def append(self, record: Mapping[str, Any]) -> None:
        self.append_lines(encode(record))

    def append_many(self, records: Iterable[Mapping[str, Any]]) -> None:
        """Several records with one ``write``: all of them are appended, or none."""
        self.append_lines(b"".join(map(encode, records)))

    def append_lines(self, data: bytes) -> None:
        """Whole encoded lines, with one ``write`` (taken back out if the disk is full)."""
        if not data:
            return
        written = os.write(self._fd, data)
        if written != len(data):  # a full disk took part of the line: take it back out
            end = os.lseek(self._fd, 0, os.SEEK_END)
            os.ftruncate(self._fd, end - written)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self._path))

    def close(self, *, sync: bool = True) -> None:
        """Close the file, first making what was appended durable (unless ``sync`` is off)."""
        try:
            if sync:
                os.fsync(self._fd)
        finally:
            os.close(self._fd)

    def __enter__(self) -> JsonlWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def append(path: Path, record: Mapping[str, Any]) -> None:
    """Append one record to ``path`` (its folder created if missing), without an fsync."""
    try:
        writer = JsonlWriter(path)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = JsonlWriter(path)
    try:
        writer.append(record)
    finally:
        writer.close(sync=False)
