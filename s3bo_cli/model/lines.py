"""Splitting a streamed body into lines, for every reader of manifests and reports."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

#: How much of an object a line reader asks for at a time.
CHUNK = 256 * 1024


class Body(Protocol):
    """A readable object body (``stores.ObjectBody``): chunks, then closed."""

    def iter_chunks(self, chunk_size: int = ...) -> Iterator[bytes]: ...
    def close(self) -> None: ...


def byte_lines(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Split a byte stream into lines, each keeping its ``\\n`` (the last may lack one)."""
    pending = b""
    for chunk in chunks:
        pending += chunk
        *complete, pending = pending.split(b"\n")
        for line in complete:
            yield line + b"\n"
    if pending:
        yield pending


def text_lines(chunks: Iterable[bytes]) -> Iterator[str]:
    """UTF-8 lines (a leading byte order mark dropped), ends kept so quoted newlines survive.

    Raises UnicodeDecodeError at the first line that is not UTF-8. Splitting
    before decoding is exact: no UTF-8 sequence contains the byte ``\\n``.
    """
    lines = byte_lines(chunks)
    for line in lines:
        yield line.decode("utf-8").removeprefix("\ufeff")
        break
    for line in lines:
        yield line.decode("utf-8")


def body_lines(body: Body) -> Iterator[bytes]:
    """The lines of an object, streamed; closes the body when done."""
    try:
        yield from byte_lines(body.iter_chunks(CHUNK))
    finally:
        body.close()
