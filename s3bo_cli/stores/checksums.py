"""Full-object checksums the way S3 reports them (base64 of the big-endian digest)."""

from __future__ import annotations

import base64
import hashlib
import zlib
from collections.abc import Iterable
from typing import Protocol


class _Hasher(Protocol):
    def update(self, data: bytes) -> None: ...

    def digest(self) -> bytes: ...


def _reflected_table(poly: int, width: int) -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
        table.append(crc & ((1 << width) - 1))
    return table


_CRC32C_TABLE = _reflected_table(0x82F63B78, 32)
_CRC64NVME_TABLE = _reflected_table(0x9A6C9329AC4BC9B5, 64)


class _Crc:
    """A reflected, table-driven CRC (CRC32C and CRC64/NVME)."""

    def __init__(self, table: list[int], width: int) -> None:
        self._table = table
        self._width = width
        self._mask = (1 << width) - 1
        self._crc = self._mask

    def update(self, data: bytes) -> None:
        crc, table = self._crc, self._table
        for byte in data:
            crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
        self._crc = crc

    def digest(self) -> bytes:
        return ((self._crc ^ self._mask) & self._mask).to_bytes(self._width // 8, "big")


class _Crc32:
    def __init__(self) -> None:
        self._crc = 0

    def update(self, data: bytes) -> None:
        self._crc = zlib.crc32(data, self._crc)

    def digest(self) -> bytes:
        return self._crc.to_bytes(4, "big")


def new_hasher(algorithm: str) -> _Hasher:
    """A hasher for one of the S3 checksum algorithms."""
    if algorithm == "CRC32":
        return _Crc32()
    if algorithm == "CRC32C":
        return _Crc(_CRC32C_TABLE, 32)
    if algorithm == "CRC64NVME":
        return _Crc(_CRC64NVME_TABLE, 64)
    return hashlib.new(algorithm.lower())


def compute(algorithms: Iterable[str], chunks: Iterable[bytes]) -> dict[str, str]:
    """Checksums of a byte stream, ``{algorithm: base64 digest}``."""
    hashers = {name: new_hasher(name) for name in algorithms}
    for chunk in chunks:
        for hasher in hashers.values():
            hasher.update(chunk)
    return {name: b64(h.digest()) for name, h in hashers.items()}


def b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode()
