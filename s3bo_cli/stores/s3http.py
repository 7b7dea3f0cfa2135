"""A lean HTTP/1.1 client for the engine's per-object S3 requests.

A task sends one to three small requests, and at a thousand tasks a second the
client's own CPU is what bounds the engine: urllib3 spends about 240 µs of CPU on a
keep-alive request and ``http.client`` about 120, most of it building and parsing
headers through the ``email`` package. S3 answers are simple (a status line, a few
headers, a ``Content-Length`` or chunked body), so this client writes each request in
one ``sendall`` and reads the answer off a buffered socket: about 30 µs.

Connections are kept alive and reused, newest first; a reused connection the server
has closed meanwhile is replaced and the request sent again once (every request
sent through it is idempotent). Network failures raise :class:`HttpError`.
"""

from __future__ import annotations

import socket
import ssl
import threading
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import urlsplit

#: botocore's defaults for connecting and for waiting on a response.
TIMEOUT = 60.0
_MAX_LINE = 65536
_NO_BODY = frozenset({204, 304})


class HttpError(OSError):
    """The request could not be sent or its response read (not an HTTP error status)."""


@dataclass(frozen=True)
class Response:
    status: int
    reason: str
    #: By lower-case name; a repeated header's values joined by ", ".
    headers: dict[str, str]
    body: bytes


class _Connection:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.file: BinaryIO = sock.makefile("rb")
        self.used = False

    def close(self) -> None:
        self.file.close()
        self.sock.close()


class HttpPool:
    """Keep-alive connections to one ``http://`` or ``https://`` origin, for many threads."""

    def __init__(
        self,
        endpoint: str,
        *,
        size: int = 10,
        timeout: float = TIMEOUT,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) endpoint: {endpoint}")
        self.secure = parts.scheme == "https"
        self.hostname = parts.hostname
        self.port = parts.port or (443 if self.secure else 80)
        self.size = max(1, size)
        self.timeout = timeout
        self._context = ssl_context or (ssl.create_default_context() if self.secure else None)
        self._idle: list[_Connection] = []
        self._lock = threading.Lock()

    def request(
        self, method: str, target: str, headers: dict[str, str], body: bytes = b""
    ) -> Response:
        """Send one request (``target`` is the path and query) and read its whole response."""
        head = [f"{method} {target} HTTP/1.1\r\n"]
        head += [f"{name}: {value}\r\n" for name, value in headers.items()]
        if body or method in ("PUT", "POST"):
            head.append(f"Content-Length: {len(body)}\r\n")
        data = "".join(head).encode("latin-1") + b"\r\n" + body
        for attempt in (0, 1):
            conn = self._take()
            reused = conn.used
            try:
                conn.sock.sendall(data)
                response, keep = _read_response(conn.file, method)
            except (OSError, ValueError) as exc:
                conn.close()
                if reused and attempt == 0 and not isinstance(exc, TimeoutError):
                    continue  # the server closed an idle connection: once more, afresh
                raise HttpError(f"{method} {self.hostname}:{self.port}: {exc}") from None
            if keep:
                conn.used = True
                self._give(conn)
            else:
                conn.close()
            return response
        raise AssertionError("unreachable")

    def _take(self) -> _Connection:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        try:
            sock = socket.create_connection((self.hostname, self.port), timeout=self.timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self._context is not None:
                sock = self._context.wrap_socket(sock, server_hostname=self.hostname)
        except OSError as exc:
            raise HttpError(f"cannot connect to {self.hostname}:{self.port}: {exc}") from None
        return _Connection(sock)

    def _give(self, conn: _Connection) -> None:
        with self._lock:
            if len(self._idle) < self.size:
                self._idle.append(conn)
                return
        conn.close()


def _read_response(file: BinaryIO, method: str) -> tuple[Response, bool]:
    """The response on ``file`` and whether the connection may be used again."""
    while True:
        line = file.readline(_MAX_LINE + 1)
        if not line:
            raise ConnectionResetError("the server closed the connection")
        version, _, rest = line.decode("latin-1").rstrip("\r\n").partition(" ")
        code, _, reason = rest.partition(" ")
        if not version.startswith("HTTP/") or not code.isdigit():
            raise ValueError(f"not an HTTP response: {line[:80]!r}")
        status = int(code)
        headers = _read_headers(file)
        if status != 100:
            break  # a 100 Continue is followed by the real response
    keep = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
    if method == "HEAD" or status in _NO_BODY or 100 <= status < 200:
        body = b""
    elif "chunked" in headers.get("transfer-encoding", "").lower():
        body = _read_chunked(file)
    elif "content-length" in headers:
        length = int(headers["content-length"])
        body = file.read(length)
        if len(body) != length:
            raise ConnectionResetError("the response ended early")
    else:
        body, keep = file.read(), False  # delimited by the connection's end
    return Response(status, reason, headers, body), keep


def _read_headers(file: BinaryIO) -> dict[str, str]:
    headers: dict[str, str] = {}
    while True:
        line = file.readline(_MAX_LINE + 1)
        if line in (b"\r\n", b"\n"):
            return headers
        if not line:
            raise ConnectionResetError("the response ended in its headers")
        name, sep, value = line.decode("latin-1").partition(":")
        if not sep:
            raise ValueError(f"malformed header line: {line[:80]!r}")
        name, value = name.strip().lower(), value.strip()
        old = headers.get(name)
        headers[name] = value if old is None else f"{old}, {value}"


def _read_chunked(file: BinaryIO) -> bytes:
    parts: list[bytes] = []
    while True:
        size = int(file.readline(_MAX_LINE + 1).split(b";", 1)[0].strip() or b"x", 16)
        if size == 0:
            _read_headers(file)  # trailers, up to the closing blank line
            return b"".join(parts)
        chunk = file.read(size + 2)
        if len(chunk) != size + 2:
            raise ConnectionResetError("a chunk ended early")
        parts.append(chunk[:-2])
