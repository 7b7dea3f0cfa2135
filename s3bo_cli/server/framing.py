"""Where a request ends: one unambiguous body length, or the connection is closed.

A request whose length two parties could read differently (two Content-Length
headers, Transfer-Encoding beside Content-Length, a header line the parser
skipped) lets a body be taken for a second request behind a proxy that reads
the other value (request smuggling). Such requests are refused, and the
connection closed, since the server cannot know where the next request starts.
"""

from __future__ import annotations

import re
from email.message import Message

from s3bo_cli.errors import ServiceError

#: Request bodies above this size are refused (a CreateJob body is a few KiB).
MAX_BODY_BYTES = 1024 * 1024
_DIGITS = re.compile(r"[0-9]+")
_FORBIDDEN_IN_VALUES = re.compile(r"[\r\n\x00]")
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


class FramingError(ServiceError):
    """A request whose end is uncertain: answered, then the connection is closed."""

    def __init__(self, message: str, *, code: str = "BadRequest", http_status: int = 400) -> None:
        super().__init__(message, code=code, http_status=http_status)


def body_length(headers: Message) -> int:
    """The length of the body that follows ``headers``, or :class:`FramingError`."""
    _check_lines(headers)
    lengths = headers.get_all("Content-Length") or []
    codings = headers.get_all("Transfer-Encoding") or []
    if codings and lengths:
        raise FramingError("A request may not have both Transfer-Encoding and Content-Length")
    if len(lengths) > 1:
        raise FramingError("A request may have one Content-Length header, not several")
    if len(codings) > 1:
        raise FramingError("A request may have one Transfer-Encoding header, not several")
    if codings:
        if codings[0].strip().lower() == "chunked":
            raise FramingError(
                "Chunked request bodies are not supported; send Content-Length",
                code="MissingContentLength",
                http_status=411,
            )
        raise FramingError(
            f"Transfer-Encoding {printable(codings[0].strip())} is not supported",
            code="NotImplemented",
            http_status=501,
        )
    if not lengths:
        return 0
    value = lengths[0].strip()
    if value.startswith("-") and _DIGITS.fullmatch(value[1:]):
        raise FramingError("Content-Length is not a valid length")
    if not _DIGITS.fullmatch(value):
        raise FramingError("Content-Length is not a number")
    length = int(value)
    if length > MAX_BODY_BYTES:
        raise FramingError(
            f"Your proposed upload exceeds the maximum allowed size of {MAX_BODY_BYTES} bytes",
            code="EntityTooLarge",
            http_status=413,
        )
    return length


def _check_lines(headers: Message) -> None:
    """Every header line was read as a header: no skipped, folded or broken line."""
    if headers.defects:  # a line with no colon, a name with spaces, a leading continuation
        raise FramingError("The request has a malformed header line")
    for name, value in headers.items():
        if not _TOKEN.fullmatch(name):
            raise FramingError(f"The header name {printable(name)!r} is not valid")
        if _FORBIDDEN_IN_VALUES.search(value):  # obsolete line folding, or NUL
            raise FramingError(f"The header {name} has a folded line or a NUL character")


_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x20), *range(0x7F, 0xA0))}


def printable(text: str) -> str:
    """``text`` with control characters (ESC, BEL, NUL, CR, LF, C1...) as ``\\xNN``.

    Request lines and headers are the client's bytes: written raw to a terminal,
    they could move the cursor, change colours or forge log lines.
    """
    return text.translate(_CONTROL)
